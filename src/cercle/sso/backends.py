"""Password authentication (Django's and allauth's backends) refusing people whose email domain
requires single sign-on, wherever a password is checked: the login page, Django's admin, the
API's `POST /api/v1/auth/token`. Only `authenticate` refuses: the session of someone who signed
in through their provider is read by the same backends (`get_user`, with the profile) and stays
valid."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.http import HttpRequest

from cercle.sso.queries import sso_required_for


class _WithProfile:
    """A session's person read with their profile, in one query: nearly every page reads it (the
    header's links for their site and department, the home's parts), a query each otherwise."""

    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            user = model._default_manager.select_related("profile").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(_WithProfile, DjangoModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        return None if user is not None and sso_required_for(user) else user


class AuthenticationBackend(_WithProfile, AllauthBackend):
    def authenticate(self, request: HttpRequest | None, **credentials: Any) -> Any:
        user = super().authenticate(request, **credentials)
        return None if user is not None and sso_required_for(user) else user
