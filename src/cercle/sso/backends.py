"""Password authentication (Django's and allauth's backends) refusing people whose email domain
requires single sign-on, wherever a password is checked: the login page, Django's admin, the
API's `POST /api/v1/auth/token`. Only `authenticate` refuses: the session of someone who signed
in through their provider is read by the same backends (`get_user`) and stays valid."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.http import HttpRequest

from cercle.sso.queries import sso_required_for


class ModelBackend(DjangoModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        return None if user is not None and sso_required_for(user) else user


class AuthenticationBackend(AllauthBackend):
    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> Any:
        user = super().authenticate(request, **credentials)
        return None if user is not None and sso_required_for(user) else user
