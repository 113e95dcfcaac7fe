"""allauth adapter: no open sign-up, except for the email domains the organisation allows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from django import forms
from django.http import HttpRequest
from django.utils.encoding import force_str
from django.utils.translation import gettext as _

from cercle.accounts.queries import get_organisation, may_change_email
from cercle.core.mail import site_url


def signup_domain_allowed(email: str) -> bool:
    """Whether an address belongs to one of the domains whose people may sign up by themselves."""
    domains = get_organisation().signup_domain_list
    domain = email.rpartition("@")[2].strip().lower()
    return bool(domains) and domain in domains


@dataclass
class OrganisationSite:
    """What allauth's emails call the site: the organisation's name and the public host."""

    name: str
    domain: str


def organisation_site() -> OrganisationSite:
    return OrganisationSite(
        name=get_organisation().name, domain=urlparse(site_url()).netloc or "localhost"
    )


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # "Hello from <organisation>", not from the request's host name.
        super().send_mail(template_prefix, email, {"current_site": organisation_site(), **context})

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """allauth's per-account and per-address limit on failed logins; a blocked attempt is
        audited too (at most once a minute per login and address, so a flood stays small)."""
        try:
            super().pre_authenticate(request, **credentials)
        except forms.ValidationError:
            from cercle.accounts.actions.auth import record_login_rate_limited

            login = str(credentials.get("username") or credentials.get("email") or "")
            record_login_rate_limited(login=login, request=request)
            raise

    def format_email_subject(self, subject: str) -> str:
        return f"[{get_organisation().name}] {force_str(subject)}"

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Closed (invitation only) unless the organisation lists email domains.
        return bool(get_organisation().signup_domain_list)

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email).strip().lower()
        request: HttpRequest | None = context.request
        signing_up = request is None or not request.user.is_authenticated
        if not signing_up and request is not None and not may_change_email(request.user):
            raise forms.ValidationError(
                _(
                    "Your organisation manages sign-in email addresses: "
                    "ask an administrator to change yours."
                ),
                code="email_changes_off",
            )
        domains = get_organisation().signup_domain_list
        if signing_up and domains and not signup_domain_allowed(email):
            raise forms.ValidationError(
                _("Sign-up is open only to addresses ending in: %(domains)s.")
                % {"domains": ", ".join(f"@{d}" for d in domains)},
                code="signup_domain",
            )
        return email

    def can_delete_email(self, email_address: Any) -> bool:
        """Removing a sign-in address follows the organisation's policy too."""
        request: HttpRequest | None = context.request
        if (
            request is not None
            and request.user.is_authenticated
            and not may_change_email(request.user)
        ):
            return False
        return bool(super().can_delete_email(email_address))

    def populate_username(self, request: HttpRequest, user: Any) -> None:
        super().populate_username(request, user)
