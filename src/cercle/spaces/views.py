"""Pages about spaces: browse and search, create, members, settings (a space's own page, its
wall, is the feed's: `cercle.feed.views.space_page`).

Thin views: reads through `cercle.spaces.queries`, writes through `cercle.spaces.actions`.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from cercle.accounts.models import User
from cercle.core.typing import AuthenticatedRequest
from cercle.spaces import actions, queries
from cercle.spaces.forms import InviteForm, SpaceForm
from cercle.spaces.models import Space

MAX_PARAM = 200


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return " ".join(str(m) for msgs in error.message_dict.values() for m in msgs)
        return " ".join(str(m) for m in error.messages)
    return str(error) or _("You are not allowed to do this.")


def _apply_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


@login_required
@require_GET
def browse(request: AuthenticatedRequest) -> HttpResponse:
    query = (request.GET.get("q") or "")[:MAX_PARAM]
    mine_only = request.GET.get("mine") == "1"
    spaces = list(queries.browse_spaces(request.user, query=query, mine_only=mine_only)[:200])
    roles = queries.my_roles(request.user)
    rows = [(space, queries.effective_role(request.user, space, roles)) for space in spaces]
    return render(
        request,
        "spaces/list.html",
        {
            "rows": rows,
            "q": query,
            "mine_only": mine_only,
            "invitations": queries.pending_invitations_for(request.user),
            "can_create": queries.may_create_space(request.user),
        },
    )


@login_required
def create(request: AuthenticatedRequest) -> HttpResponse:
    if not queries.may_create_space(request.user):
        raise PermissionDenied
    form = SpaceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            space = actions.create_space(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect("space", space.slug)
    return render(
        request,
        "spaces/form.html",
        {"form": form, "creating": True},
        status=400 if form.errors else 200,
    )


def _do(
    request: AuthenticatedRequest, space: Space, work: Any, success: str, default: str = ""
) -> HttpResponse:
    try:
        work()
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _error_text(error))
    else:
        if success:
            messages.success(request, success)
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default or reverse("space", args=[space.slug]))


@login_required
@require_POST
def join(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    space = queries.access_space(request.user, slug)
    return _do(
        request,
        space,
        lambda: actions.join_space(actor=request.user, space=space),
        _("Welcome to the space."),
    )


@login_required
@require_POST
def request_to_join(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    space = queries.access_space(request.user, slug)
    return _do(
        request,
        space,
        lambda: actions.request_to_join(
            actor=request.user, space=space, message=request.POST.get("message", "")
        ),
        _("Your request was sent to the space's admins."),
    )


@login_required
@require_POST
def leave(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    space = queries.access_space(request.user, slug)
    return _do(
        request,
        space,
        lambda: actions.leave_space(actor=request.user, space=space),
        _("You left the space."),
    )


@login_required
@require_POST
def follow(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    space = queries.access_space(request.user, slug)
    if request.POST.get("follow", "1") == "1":
        return _do(
            request, space, lambda: actions.follow_space(actor=request.user, space=space), ""
        )
    return _do(request, space, lambda: actions.unfollow_space(actor=request.user, space=space), "")


@login_required
@require_POST
def favourite(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """One of my spaces made a favourite (first in my side navigation), or no longer."""
    space = queries.access_space(request.user, slug)
    chosen = request.POST.get("favourite", "1") == "1"
    return _do(
        request,
        space,
        lambda: actions.set_favourite(actor=request.user, space=space, favourite=chosen),
        "",
    )


@login_required
@require_POST
def respond(request: AuthenticatedRequest, invitation_id: int) -> HttpResponse:
    invitation = queries.access_invitation(request.user, invitation_id)
    accept = request.POST.get("accept") == "1"
    space = invitation.space
    response = _do(
        request,
        space,
        lambda: actions.respond_to_invitation(
            actor=request.user, invitation=invitation, accept=accept
        ),
        _("Welcome to the space.") if accept else _("Invitation declined."),
    )
    if not accept and not request.POST.get("next"):
        return redirect("spaces")
    return response


def _find_people(text: str) -> tuple[list[User], list[str]]:
    # "@name" (as the suggestions of a mention read) counts as "name".
    words = list(dict.fromkeys(w.lstrip("@") for w in re.split(r"[\s,;]+", text) if w.lstrip("@")))
    words = words[:200]
    if not words:
        return [], []
    found = list(User.objects.filter(Q(username__in=words) | Q(email__in=words), is_active=True))
    known = {u.username for u in found} | {u.email for u in found}
    return found, [w for w in words if w not in known]


@login_required
def members(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    space = queries.access_space(request.user, slug)
    view = queries.space_view(request.user, space)
    if not view.can_read:
        raise queries.NotFound(_("No such space."))
    form = InviteForm(request.POST or None)
    status = 200
    invited: list[Any] | None = None
    if request.method == "POST":
        if form.is_valid():
            people, unknown = _find_people(form.cleaned_data["usernames"])
            department = form.cleaned_data["department"]
            if people or department or not unknown:
                # The people found are invited even when some names are not: those are listed.
                try:
                    invited = actions.invite(
                        actor=request.user, space=space, users=people, department=department
                    )
                except ValidationError as error:
                    _apply_errors(form, error)
                except PermissionDenied as error:
                    form.add_error(None, _error_text(error))
            if invited is not None:
                if invited:
                    messages.success(
                        request,
                        ngettext(
                            "%(count)d invitation sent.",
                            "%(count)d invitations sent.",
                            len(invited),
                        )
                        % {"count": len(invited)},
                    )
                else:
                    messages.info(
                        request, _("Nobody new to invite: they are already members or invited.")
                    )
            if unknown and not form.errors:
                # Keep the names not found in the field, to correct them.
                form = InviteForm({"usernames": ", ".join(unknown)})
                form.is_valid()
                form.add_error(
                    "usernames",
                    _(
                        "Nobody found for: %(names)s. Check the spelling, or type the "
                        "beginning of a name and choose from the suggestions."
                    )
                    % {"names": ", ".join(unknown)},
                )
            elif invited is not None:
                return redirect("space_members", space.slug)
        status = 400 if invited is None else 200
    return render(
        request,
        "spaces/members.html",
        {
            "space": space,
            "view": view,
            "members": queries.member_rows(space),
            "member_count": queries.member_count(space),
            "requests": queries.pending_join_requests(space) if view.can_administer else [],
            "invitations": list(queries.space_invitations_to_manage(request.user, space)[:500])
            if view.can_administer
            else [],
            "form": form,
            "roles": [
                ("owner", _("Owner")),
                ("admin", _("Admin")),
                ("moderator", _("Moderator")),
                ("member", _("Member")),
            ],
        },
        status=status,
    )


@login_required
@require_POST
def change_role(request: AuthenticatedRequest, slug: str, user_id: int) -> HttpResponse:
    space = queries.access_space(request.user, slug)
    person = User.objects.filter(pk=user_id).first()
    if person is None:
        raise queries.NotFound(_("No such member."))
    return _do(
        request,
        space,
        lambda: actions.change_role(
            actor=request.user, space=space, user=person, role=request.POST.get("role", "")
        ),
        _("Role changed."),
        reverse("space_members", args=[space.slug]),
    )


@login_required
@require_POST
def remove(request: AuthenticatedRequest, slug: str, user_id: int) -> HttpResponse:
    space = queries.access_space(request.user, slug)
    person = User.objects.filter(pk=user_id).first()
    if person is None:
        raise queries.NotFound(_("No such member."))
    return _do(
        request,
        space,
        lambda: actions.remove_member(actor=request.user, space=space, user=person),
        _("Member removed."),
        reverse("space_members", args=[space.slug]),
    )


@login_required
@require_POST
def cancel_invitation(request: AuthenticatedRequest, slug: str, invitation_id: int) -> HttpResponse:
    space = queries.access_space(request.user, slug)
    invitation = queries.space_invitation_to_manage(request.user, space, invitation_id)
    return _do(
        request,
        space,
        lambda: actions.cancel_invitation(actor=request.user, invitation=invitation),
        _("Invitation cancelled."),
        reverse("space_members", args=[space.slug]),
    )


@login_required
@require_POST
def decide(request: AuthenticatedRequest, request_id: int) -> HttpResponse:
    join_request = queries.access_join_request(request.user, request_id)
    space = join_request.space
    accept = request.POST.get("accept") == "1"
    return _do(
        request,
        space,
        lambda: actions.decide_join_request(
            actor=request.user, join_request=join_request, accept=accept
        ),
        _("Request accepted.") if accept else _("Request refused."),
        reverse("space_members", args=[space.slug]),
    )


@login_required
def settings_page(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    space = queries.access_space(request.user, slug)
    if not queries.can_administer(request.user, space):
        raise PermissionDenied
    form = SpaceForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "name": space.name,
            "description": space.description,
            "kind": space.kind,
            "modules": space.modules,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_space(actor=request.user, space=space, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The space was updated."))
            return redirect("space", space.slug)
    return render(
        request,
        "spaces/form.html",
        {"form": form, "space": space, "creating": False},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def archive(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    space = queries.access_space(request.user, slug)
    if request.POST.get("restore") == "1":
        return _do(
            request,
            space,
            lambda: actions.restore_space(actor=request.user, space=space),
            _("The space was restored."),
        )
    return _do(
        request,
        space,
        lambda: actions.archive_space(actor=request.user, space=space),
        _("The space was archived: it is now read-only."),
    )
