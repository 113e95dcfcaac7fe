"""allauth adapter: no open sign-up, except for the email domains the organisation allows."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cercle.administration.queries import get_organisation


def signup_domain_allowed(email: str) -> bool:
    """Whether an address belongs to one of the domains whose people may sign up by themselves."""
    domains = get_organisation().signup_domain_list
    domain = email.rpartition("@")[2].strip().lower()
    return bool(domains) and domain in domains


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Closed (invitation only) unless the organisation lists email domains.
        return bool(get_organisation().signup_domain_list)

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email).strip().lower()
        request: HttpRequest | None = context.request
        signing_up = request is None or not request.user.is_authenticated
        domains = get_organisation().signup_domain_list
        if signing_up and domains and not signup_domain_allowed(email):
            raise forms.ValidationError(
                _("Sign-up is open only to addresses ending in: %(domains)s.")
                % {"domains": ", ".join(f"@{d}" for d in domains)},
                code="signup_domain",
            )
        return email

    def populate_username(self, request: HttpRequest, user: Any) -> None:
        super().populate_username(request, user)
