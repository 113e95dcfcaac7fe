"""allauth adapter: no open sign-up, except for the email domains the organisation allows."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from cercle.administration.queries import get_organisation


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(get_organisation().signup_domain_list)

    def clean_email(self, email: str) -> str:
        email = super().clean_email(email).strip().lower()
        return email

    def populate_username(self, request: HttpRequest, user: Any) -> None:
        super().populate_username(request, user)
