"""Writes about signing in: audit entries for logins, invitations, sign-ups, personal access
tokens, preferences and sessions."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from allauth.account.adapter import get_adapter
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import ApiToken, Profile, User
from cercle.accounts.queries import access_own_api_token, api_token_for_secret, valid_invitation
from cercle.accounts.search import build_search_text, build_sort_name
from cercle.accounts.tokens import generate_token_secret, hash_token
from cercle.audit.actions import log_event
from cercle.core.events import SessionsEnded
from cercle.core.mail import absolute_url
from cercle.core.realtime import publish_on_commit
from cercle.core.requests import client_ip

TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
MAX_TOKENS_PER_PERSON = 50


class InvalidInvitation(Exception):
    """The invitation link is unknown, expired, already used, or its person deactivated."""


class LoginRefused(Exception):
    """Wrong credentials or a deactivated person (one error for both)."""


class LoginRateLimited(Exception):
    """Too many failed attempts for this account or this address."""


# --- Audit entries reported by Django's and allauth's signals (see receivers.py).


def record_login(*, user: User, request: HttpRequest | None, method: str = "") -> None:
    log_event(
        actor=user, action="auth.login", target=user, request=request, extra={"method": method}
    )


def record_login_failed(*, login: str, request: HttpRequest | None, method: str = "") -> None:
    """A failed attempt; the person is unknown to the audit (anonymous), the login is kept."""
    log_event(
        actor=None,
        action="auth.login_failed",
        request=request,
        extra={"login": login[:254], "method": method},
    )


def record_login_rate_limited(*, login: str, request: HttpRequest | None) -> None:
    """An attempt refused by the failed-login limit; one entry a minute per login and address."""
    key = "cercle:auth:rate_limited:" + hash_token(f"{login.lower()}|{client_ip(request)}")
    if cache.add(key, 1, timeout=60):
        record_login_failed(login=login, request=request, method="rate_limited")


def record_logout(*, user: User, request: HttpRequest | None) -> None:
    log_event(actor=user, action="auth.logout", target=user, request=request)


def record_password_change(*, user: User, request: HttpRequest | None, how: str) -> None:
    """`how` is "changed", "reset" or "set"."""
    log_event(actor=user, action=f"auth.password_{how}", target=user, request=request)


def record_mfa_change(
    *, user: User, request: HttpRequest | None, authenticator_type: str, change: str
) -> None:
    """`change` is "enabled", "disabled" or "reset" (new recovery codes)."""
    log_event(
        actor=user,
        action=f"auth.mfa_{change}",
        target=user,
        request=request,
        extra={"type": authenticator_type},
    )


# --- Sign-up and invitations.


def ensure_profile(*, user: User) -> Profile:
    """The profile that makes an account a whole person: their profile page, their directory
    entry (sort and search columns) and, being an active non-guest, their implied membership of
    the organisation space. Called for every new account, however it was made (`create_user`,
    `createsuperuser`, Django's admin, single sign-on, sign-up), by the `post_save` receiver;
    bulk imports write their profiles themselves."""
    profile, _created = Profile.objects.get_or_create(
        user=user,
        defaults={
            "sort_name": build_sort_name(
                first_name=user.first_name, last_name=user.last_name, username=user.username
            ),
            "search_text": build_search_text(
                first_name=user.first_name, last_name=user.last_name, username=user.username
            ),
        },
    )
    return profile


@transaction.atomic
def complete_signup(*, user: User, request: HttpRequest | None) -> Profile:
    """A person who signed up by themselves gets a member's profile."""
    profile = ensure_profile(user=user)
    log_event(actor=user, action="auth.signup", target=user, request=request)
    return profile


def invitation_url(secret: str) -> str:
    """The absolute link an invitation email carries."""
    return absolute_url(reverse("accept_invitation", args=[secret]))


@transaction.atomic
def accept_invitation(*, token: str, password: str, request: HttpRequest | None = None) -> User:
    """Sets the invitee's password and marks the invitation used.

    Raises InvalidInvitation (nothing changes) or ValidationError for a weak password.
    """
    invitation = valid_invitation(token)
    if invitation is None:
        raise InvalidInvitation
    # Lock the row: two tabs submitting at once accept it once.
    invitation = type(invitation).objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise InvalidInvitation
    user = User.objects.get(pk=invitation.user_id)
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    log_event(actor=user, action="auth.invitation_accepted", target=user, request=request)
    return user


# --- Sessions.


def end_all_sessions(user: User) -> int:
    """Ends every open session of a person (e.g. when deactivated); returns how many.

    Django's authentication middleware already refuses inactive people on each request; this
    also deletes the sessions themselves.
    """
    count = 0
    for user_session in UserSession.objects.filter(user=user):
        user_session.end()
        count += 1
    # Sessions allauth did not track (e.g. the Django admin's login), for the database backend.
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
            if session.get_decoded().get("_auth_user_id") == str(user.pk):
                session.delete()
                count += 1
    return count


def end_all_sessions_many(user_ids: Iterable[int]) -> int:
    """`end_all_sessions` for many people at once (a deactivation in bulk): their tracked
    sessions read in one query, the untracked ones found in one pass over the open sessions."""
    wanted = {str(pk) for pk in user_ids}
    if not wanted:
        return 0
    count = 0
    for user_session in UserSession.objects.filter(user_id__in=[int(pk) for pk in wanted]):
        user_session.end()
        count += 1
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        gone = [
            session.pk
            for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
            if session.get_decoded().get("_auth_user_id") in wanted
        ]
        if gone:
            Session.objects.filter(pk__in=gone).delete()
            count += len(gone)
    return count


def session_data(user: User) -> list[tuple[str, dict[str, Any]]]:
    """Each open session allauth tracks for the person, with what it holds: (key, data)."""
    engine = import_module(settings.SESSION_ENGINE)
    found = []
    for key in UserSession.objects.filter(user=user).values_list("session_key", flat=True):
        data = engine.SessionStore(session_key=key).load()
        if data:
            found.append((key, dict(data)))
    return found


def end_sessions(*, user: User, session_keys: Iterable[str]) -> int:
    """Ends these sessions of the person and closes the sockets opened in them (their other
    sessions and sockets stay); returns how many ended."""
    keys = sorted(set(session_keys))
    if not keys:
        return 0
    ended = UserSession.objects.filter(user=user, session_key__in=keys)
    count = 0
    for user_session in ended:
        user_session.end()
        count += 1
    ended.delete()
    publish_on_commit(SessionsEnded(session_keys=tuple(keys)), user_ids=[user.pk])
    return count


# --- Personal access tokens.


@transaction.atomic
def create_api_token(
    *, user: User, name: str, expires_at: datetime | None = None, request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """A new token; the secret is returned once and only its hash is kept."""
    if not user.is_active:
        raise ValidationError(_("This account is deactivated."))
    name = name.strip()
    if not name:
        raise ValidationError({"name": [_("Give the token a name.")]})
    if len(name) > 100:
        raise ValidationError({"name": [_("At most 100 characters.")]})
    if ApiToken.objects.filter(user=user).count() >= MAX_TOKENS_PER_PERSON:
        raise ValidationError(
            {"name": [_("You have too many tokens; revoke some you no longer use.")]}
        )
    secret = generate_token_secret()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=hash_token(secret),
        prefix=secret[:12],
        expires_at=expires_at,
    )
    log_event(
        actor=user,
        action="auth.token_created",
        target=token,
        request=request,
        new={"name": token.name, "prefix": token.prefix},
    )
    return token, secret


@transaction.atomic
def revoke_api_token(*, user: User, token_id: int, request: HttpRequest | None = None) -> None:
    """Deletes one of one's tokens; another person's raises Http404 like a missing one."""
    token = access_own_api_token(user, token_id)
    log_event(
        actor=user,
        action="auth.token_revoked",
        target=token,
        request=request,
        old={"name": token.name, "prefix": token.prefix},
    )
    token.delete()


def authenticate_api_token(secret: str) -> User | None:
    """The person a Bearer token belongs to; notes its use at most once a minute."""
    token = api_token_for_secret(secret)
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - TOKEN_TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def obtain_api_token(*, request: HttpRequest, login: str, password: str) -> str:
    """Checks a login and password like the sign-in form (same rate limits) and returns a new
    token's secret. Raises LoginRateLimited or LoginRefused."""
    adapter = get_adapter(request)
    login = login.strip()
    credentials: dict[str, Any] = {"password": password}
    credentials["email" if "@" in login else "username"] = login
    try:
        user = adapter.authenticate(request, **credentials)
    except ValidationError as error:
        raise LoginRateLimited(" ".join(error.messages)) from error
    if not isinstance(user, User) or not user.is_active:
        raise LoginRefused
    _token, secret = create_api_token(
        user=user,
        name=str(_("API login on %(date)s") % {"date": timezone.now().date().isoformat()}),
        request=request,
    )
    return secret


# --- Preferences.


def valid_time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


@transaction.atomic
def update_preferences(*, user: User, language: str, time_zone: str) -> User:
    """One's language ("" for the browser's) and time zone."""
    errors: dict[str, list[Any]] = {}
    if language not in {"", *(code for code, _name in settings.LANGUAGES)}:
        errors["language"] = [_("Choose a language from the list.")]
    if time_zone not in zoneinfo.available_timezones():
        errors["time_zone"] = [_("Choose a time zone from the list.")]
    if errors:
        raise ValidationError(errors)
    user.language = language
    user.time_zone = time_zone
    user.save(update_fields=["language", "time_zone"])
    return user
