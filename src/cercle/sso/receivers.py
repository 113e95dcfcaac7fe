"""The session's two-factor deadline (middleware.py), worked out at each sign-in and cleared when
the person sets two-factor authentication up; the OpenID Connect ID token the sign-in came with
(oidc.py) or the SAML NameID (saml.py), kept for single logout."""

from __future__ import annotations

from typing import Any

from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver
from django.http import HttpRequest

from cercle.sso.middleware import SESSION_KEY, remember_deadline, start_session_clock
from cercle.sso.oidc import keep_id_token
from cercle.sso.saml import keep_name_id


@receiver(auth_signals.user_logged_in, dispatch_uid="cercle.sso.two_factor_at_login")
def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        remember_deadline(request, user)
        start_session_clock(request)
        keep_id_token(request)
        keep_name_id(request)


@receiver(mfa_signals.authenticator_added, dispatch_uid="cercle.sso.two_factor_added")
def on_authenticator_added(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session.pop(SESSION_KEY, None)
