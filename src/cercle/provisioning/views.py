"""The administration page of provisioning: SCIM tokens (create, list, revoke), the address to
give the identity provider, and the mappings of SCIM groups to spaces. Administrators only."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cercle.administration.decorators import admin_required
from cercle.core.forms import error_into_form
from cercle.core.typing import AuthenticatedRequest
from cercle.provisioning import actions, queries
from cercle.provisioning.forms import GroupRuleForm, ScimTokenForm
from cercle.provisioning.models import ScimGroupRule, ScimToken

NEW_SECRET_SESSION_KEY = "provisioning_new_scim_token"  # noqa: S105  (a session key)


def _render(
    request: AuthenticatedRequest,
    form: ScimTokenForm | None = None,
    status: int = 200,
    rule_form: GroupRuleForm | None = None,
) -> HttpResponse:
    return render(
        request,
        "provisioning/tokens.html",
        {
            "admin_section": "provisioning",
            "tokens": list(queries.scim_tokens()),
            "form": form or ScimTokenForm(),
            "rules": list(queries.group_rules()),
            "rule_form": rule_form or GroupRuleForm(),
            "scim_url": request.build_absolute_uri("/scim/v2/"),
            # Shown once, right after creation, then gone from the session.
            "new_secret": request.session.pop(NEW_SECRET_SESSION_KEY, None),
        },
        status=status,
    )


@admin_required
def tokens(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "POST":
        form = ScimTokenForm(request.POST)
        if form.is_valid():
            try:
                _token, secret = actions.create_token(
                    actor=request.user, name=form.cleaned_data["name"], request=request
                )
            except ValidationError as error:
                form.add_error("name", error.messages)
            else:
                request.session[NEW_SECRET_SESSION_KEY] = secret
                return redirect("provisioning_tokens")
        return _render(request, form, status=400)
    return _render(request)


@admin_required
@require_POST
def revoke(request: AuthenticatedRequest, scim_token_id: int) -> HttpResponse:
    token = get_object_or_404(ScimToken, pk=scim_token_id)
    actions.revoke_token(actor=request.user, token=token, request=request)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("provisioning_tokens")


@admin_required
@require_POST
def add_group_rule(request: AuthenticatedRequest) -> HttpResponse:
    form = GroupRuleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_group_rule(
                actor=request.user,
                match_by=data["match_by"],
                value=data["value"],
                space=data["space"],
                role=data["role"],
                request=request,
            )
        except ValidationError as error:
            error_into_form(form, error)
        else:
            messages.success(
                request,
                _(
                    "The group is mapped to the space: its members are added now, and as the "
                    "provider changes the group."
                ),
            )
            return redirect("provisioning_tokens")
    return _render(request, status=400, rule_form=form)


@admin_required
@require_POST
def delete_group_rule(request: AuthenticatedRequest, scim_rule_id: int) -> HttpResponse:
    rule = get_object_or_404(ScimGroupRule, pk=scim_rule_id)
    actions.delete_group_rule(actor=request.user, rule=rule, request=request)
    messages.success(
        request,
        _(
            "The mapping is removed: the group no longer changes the space, and nobody was "
            "removed from it."
        ),
    )
    return redirect("provisioning_tokens")
