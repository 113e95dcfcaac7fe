"""One's security page: password, sessions, two-factor authentication, personal access tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cercle.accounts.actions import auth as auth_actions
from cercle.accounts.forms_auth import ApiTokenForm
from cercle.accounts.queries import own_api_tokens, security_status
from cercle.core.typing import AuthenticatedRequest

NEW_SECRET_SESSION_KEY = "cercle_new_api_token"  # noqa: S105  (a session key name)


def _render(
    request: AuthenticatedRequest, form: ApiTokenForm | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "accounts/security.html",
        {
            "status": security_status(request.user),
            "tokens": list(own_api_tokens(request.user)),
            "token_form": form or ApiTokenForm(),
            # Shown once, right after creation, then gone from the session.
            "new_secret": request.session.pop(NEW_SECRET_SESSION_KEY, None),
        },
        status=status,
    )


@login_required
def security(request: AuthenticatedRequest) -> HttpResponse:
    return _render(request)


@login_required
@require_POST
def create_token(request: AuthenticatedRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        try:
            _token, secret = auth_actions.create_api_token(
                user=request.user, name=form.cleaned_data["name"], request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session[NEW_SECRET_SESSION_KEY] = secret
            return redirect("security")
    return _render(request, form, status=400)


@login_required
@require_POST
def revoke_token(request: AuthenticatedRequest, token_id: int) -> HttpResponse:
    auth_actions.revoke_api_token(user=request.user, token_id=token_id, request=request)
    messages.success(request, _("The token is revoked."))
    return redirect("security")
