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

from cercle.core.compiled import InstancesQuery
from cercle.sso.queries import sso_required_for


class _WithProfile:
    """A session's person read with their profile, in one query: nearly every page reads it (the
    header's links for their site and department, the home's parts), a query each otherwise."""

    def get_user(self, user_id: Any) -> Any:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        if not -(2**63) <= pk < 2**63:
            return None
        # Built once (`core.compiled.InstancesQuery`): on every request, building the query cost
        # several times running it.
        found = _SESSION_PERSON.instances([pk])
        if not found:
            return None
        user = found[0]
        return user if self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


def _session_person(ids: list[int]) -> Any:
    return get_user_model()._default_manager.select_related("profile").filter(pk__in=ids)


_SESSION_PERSON = InstancesQuery(_session_person)


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
