"""Personal preferences, the language switcher, and accepting an invitation."""

from __future__ import annotations

import contextlib

from allauth.account.utils import perform_login
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from cercle.accounts.actions import auth as auth_actions
from cercle.accounts.forms_auth import InvitationPasswordForm, PreferencesForm
from cercle.accounts.queries import valid_invitation
from cercle.core.typing import AuthenticatedRequest


@login_required
def settings_page(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            try:
                auth_actions.update_preferences(
                    user=user,
                    language=form.cleaned_data["language"],
                    time_zone=form.cleaned_data["time_zone"],
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("Your preferences are saved."))
                return redirect("settings")
    else:
        form = PreferencesForm(initial={"language": user.language, "time_zone": user.time_zone})
    return render(request, "accounts/settings.html", {"form": form})


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's set_language; a signed-in person's choice also becomes their saved preference
    (which otherwise would override the switch on the next page)."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if user.is_authenticated and language and check_for_language(language):
        # A language outside settings.LANGUAGES: Django ignored it too.
        with contextlib.suppress(ValidationError):
            auth_actions.update_preferences(user=user, language=language, time_zone=user.time_zone)
    return response


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation email links to: the invitee chooses a password, then is in."""
    invitation = valid_invitation(token)
    if invitation is None:
        return render(request, "account/invitation_invalid.html", status=404)
    form = InvitationPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = auth_actions.accept_invitation(
                token=token, password=form.cleaned_data["password1"], request=request
            )
        except auth_actions.InvalidInvitation:
            return render(request, "account/invitation_invalid.html", status=404)
        except ValidationError as error:
            form.add_error("password1", error)
        else:
            messages.success(request, _("Welcome! Your password is set."))
            response: HttpResponse = perform_login(request, user, redirect_url="/")
            return response
    return render(
        request, "account/invitation_accept.html", {"form": form, "invitee": invitation.user}
    )
