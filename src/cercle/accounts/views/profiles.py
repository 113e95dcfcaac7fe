"""Profile pages: view, edit, skills, endorsements, follows, and the people/skill pickers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cercle.accounts import queries
from cercle.accounts.actions import profiles as actions
from cercle.accounts.forms import ProfileForm, SkillForm, SkillLevelForm
from cercle.accounts.models import Profile, SkillLevel, User, UserSkill
from cercle.core.typing import AuthenticatedRequest


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _profile_context(viewer: User, profile: Profile) -> dict[str, Any]:
    person = profile.user
    return {
        "profile": profile,
        "person": person,
        "skills": queries.profile_skills(person, viewer),
        "can_edit": queries.can_edit_profile(viewer, person),
        "can_interact": queries.can_interact(viewer, person),
        "following": queries.is_following(viewer, person),
        "followers_count": queries.follower_count(person),
        "direct_reports": queries.direct_reports(viewer, person),
        "skill_form": SkillForm(),
        "levels": SkillLevel.choices,
    }


@login_required
def profile(request: AuthenticatedRequest, username: str) -> HttpResponse:
    found = queries.access_profile(request.user, username)
    return render(request, "accounts/profile.html", _profile_context(request.user, found))


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: AuthenticatedRequest, username: str) -> HttpResponse:
    found = queries.access_profile(request.user, username)
    person = found.user
    if not queries.can_edit_profile(request.user, person):
        raise PermissionDenied
    hr_editable = queries.can_edit_hr_fields(request.user, person)
    form_kwargs: dict[str, Any] = {
        "viewer": request.user,
        "person": person,
        "hr_editable": hr_editable,
        "initial": ProfileForm.initial_for(found),
    }
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, **form_kwargs)
        if form.is_valid():
            upload = form.cleaned_data.get("photo")
            try:
                actions.update_profile(
                    actor=request.user,
                    person=person,
                    changes=form.changes(),
                    photo=upload or None,
                    remove_photo=bool(form.cleaned_data.get("remove_photo")),
                    request=request,
                )
            except ValidationError as error:
                for field, field_errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, field_errors)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Profile saved."))
                return redirect("profile", username=person.username)
    else:
        form = ProfileForm(**form_kwargs)
    return render(
        request,
        "accounts/profile_edit.html",
        {"form": form, "profile": found, "person": person, "hr_editable": hr_editable},
        status=400 if form.errors else 200,
    )


def _editable_person(request: AuthenticatedRequest, username: str) -> User:
    person = queries.access_profile(request.user, username).user
    if not queries.can_edit_profile(request.user, person):
        raise PermissionDenied
    return person


def _user_skill(request: AuthenticatedRequest, username: str, skill_id: int) -> UserSkill:
    person = queries.access_profile(request.user, username).user
    user_skill = (
        UserSkill.objects.select_related("user", "skill")
        .filter(user=person, skill_id=skill_id)
        .first()
    )
    if user_skill is None:
        raise Http404
    return user_skill


@login_required
@require_POST
def skill_add(request: AuthenticatedRequest, username: str) -> HttpResponse:
    person = _editable_person(request, username)
    form = SkillForm(request.POST)
    if form.is_valid():
        try:
            actions.add_skill(
                actor=request.user,
                person=person,
                name=form.cleaned_data["name"],
                level=form.cleaned_data["level"],
                request=request,
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
    if form.errors:
        context = _profile_context(request.user, queries.access_profile(request.user, username))
        context["skill_form"] = form
        return render(request, "accounts/profile.html", context, status=400)
    messages.success(request, _("Skill saved."))
    return redirect("profile", username=person.username)


@login_required
@require_POST
def skill_update(request: AuthenticatedRequest, username: str, skill_id: int) -> HttpResponse:
    """Change a skill's level, or remove it (`remove` in the form)."""
    user_skill = _user_skill(request, username, skill_id)
    if not queries.can_edit_profile(request.user, user_skill.user):
        raise PermissionDenied
    if "remove" in request.POST:
        actions.remove_skill(actor=request.user, user_skill=user_skill, request=request)
        messages.success(request, _("Skill removed."))
    else:
        form = SkillLevelForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a level from 1 to 4."))
        else:
            actions.set_skill_level(
                actor=request.user,
                user_skill=user_skill,
                level=form.cleaned_data["level"],
                request=request,
            )
            messages.success(request, _("Skill saved."))
    return redirect("profile", username=user_skill.user.username)


@login_required
@require_POST
def endorse(request: AuthenticatedRequest, username: str, skill_id: int) -> HttpResponse:
    """Endorse a colleague's skill, or withdraw (`withdraw` in the form); htmx or plain POST."""
    user_skill = _user_skill(request, username, skill_id)
    if "withdraw" in request.POST:
        actions.withdraw_endorsement(actor=request.user, user_skill=user_skill)
    else:
        actions.endorse_skill(actor=request.user, user_skill=user_skill)
    if _is_htmx(request):
        return render(
            request,
            "accounts/_skill.html",
            {
                "user_skill": user_skill,
                "endorsed": "withdraw" not in request.POST,
                "person": user_skill.user,
                "can_edit": queries.can_edit_profile(request.user, user_skill.user),
                "can_interact": True,
                "levels": SkillLevel.choices,
            },
        )
    return redirect("profile", username=user_skill.user.username)


@login_required
@require_POST
def follow(request: AuthenticatedRequest, username: str) -> HttpResponse:
    """Follow, or unfollow (`unfollow` in the form); htmx or plain POST."""
    person = queries.access_profile(request.user, username).user
    if "unfollow" in request.POST:
        actions.unfollow_person(actor=request.user, person=person)
    else:
        actions.follow_person(actor=request.user, person=person)
    if _is_htmx(request):
        return render(
            request,
            "accounts/_follow.html",
            {
                "person": person,
                "following": "unfollow" not in request.POST,
                "followers_count": queries.follower_count(person),
                "can_interact": True,
            },
        )
    return redirect("profile", username=person.username)


@login_required
@require_GET
def people_autocomplete(request: AuthenticatedRequest) -> HttpResponse:
    """<option>s of active people matching ?q= (or ?manager=, ?person=: the field's own name, as
    htmx sends it), for a datalist."""
    query = (request.GET.get("q") or request.GET.get("manager") or request.GET.get("person") or "")[
        :200
    ]
    people = queries.people_picker(request.user, query) if query.strip() else []
    return render(request, "accounts/_people_options.html", {"people": people})


@login_required
@require_GET
def skill_autocomplete(request: AuthenticatedRequest) -> HttpResponse:
    """<option>s of existing skills starting with ?q= (or ?name= / ?skill=), for a datalist."""
    query = (request.GET.get("q") or request.GET.get("name") or request.GET.get("skill") or "")[
        :200
    ]
    return render(
        request, "accounts/_skill_options.html", {"skills": queries.skill_suggestions(query)}
    )
