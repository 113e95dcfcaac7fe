"""Audit entries for what Django's and allauth's signals report: logins, failed logins, logouts,
password changes, two-factor changes, sign-ups. Each receiver only calls an action."""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest

from cercle.accounts.actions import auth as auth_actions
from cercle.accounts.models import User


def _person(user: Any) -> User | None:
    return user if isinstance(user, User) else None


@receiver(post_save, sender=User, dispatch_uid="cercle.accounts.whole_person")
def on_user_saved(
    sender: Any, instance: User, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """Every way an account comes to exist leaves a whole person (see `ensure_profile`): Django's
    `create_user`, `createsuperuser` and admin save the row themselves, so the rule sits here."""
    if created and not raw:
        auth_actions.ensure_profile(user=instance)


@receiver(auth_signals.user_logged_in, dispatch_uid="cercle.audit.login")
def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if (person := _person(user)) is not None:
        method = getattr(user, "backend", "") or ""
        auth_actions.record_login(user=person, request=request, method=method.rsplit(".", 1)[-1])


@receiver(auth_signals.user_login_failed, dispatch_uid="cercle.audit.login_failed")
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    login = str(credentials.get("username") or credentials.get("email") or "")
    auth_actions.record_login_failed(login=login, request=request, method="password")


@receiver(account_signals.login_code_rejected, dispatch_uid="cercle.audit.login_code_rejected")
def on_login_code_rejected(
    sender: Any, request: HttpRequest | None, user: Any = None, **kwargs: Any
) -> None:
    login = getattr(user, "email", "") or ""
    auth_actions.record_login_failed(login=login, request=request, method="code")


@receiver(mfa_signals.authentication_failed, dispatch_uid="cercle.audit.mfa_failed")
def on_mfa_failed(
    sender: Any, request: HttpRequest | None, user: Any = None, **kwargs: Any
) -> None:
    """A wrong second-factor code (TOTP, recovery code or key) after a right password."""
    login = getattr(user, "username", "") or ""
    auth_actions.record_login_failed(login=login, request=request, method="mfa")


@receiver(auth_signals.user_logged_out, dispatch_uid="cercle.audit.logout")
def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if (person := _person(user)) is not None:
        auth_actions.record_logout(user=person, request=request)


def _password_receiver(how: str) -> Any:
    def on_password(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
        if (person := _person(user)) is not None:
            auth_actions.record_password_change(user=person, request=request, how=how)

    return on_password


_on_password_changed = _password_receiver("changed")
_on_password_reset = _password_receiver("reset")
_on_password_set = _password_receiver("set")
account_signals.password_changed.connect(_on_password_changed, dispatch_uid="cercle.pw_changed")
account_signals.password_reset.connect(_on_password_reset, dispatch_uid="cercle.pw_reset")
account_signals.password_set.connect(_on_password_set, dispatch_uid="cercle.pw_set")


@receiver(account_signals.user_signed_up, dispatch_uid="cercle.signup")
def on_signed_up(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if (person := _person(user)) is not None:
        auth_actions.complete_signup(user=person, request=request)


def _mfa_receiver(change: str) -> Any:
    def on_mfa(
        sender: Any, request: HttpRequest | None, user: Any, authenticator: Any, **kwargs: Any
    ) -> None:
        if (person := _person(user)) is not None:
            auth_actions.record_mfa_change(
                user=person,
                request=request,
                authenticator_type=str(authenticator.type),
                change=change,
            )

    return on_mfa


_on_mfa_added = _mfa_receiver("enabled")
_on_mfa_removed = _mfa_receiver("disabled")
_on_mfa_reset = _mfa_receiver("reset")
mfa_signals.authenticator_added.connect(_on_mfa_added, dispatch_uid="cercle.mfa_added")
mfa_signals.authenticator_removed.connect(_on_mfa_removed, dispatch_uid="cercle.mfa_removed")
mfa_signals.authenticator_reset.connect(_on_mfa_reset, dispatch_uid="cercle.mfa_reset")
