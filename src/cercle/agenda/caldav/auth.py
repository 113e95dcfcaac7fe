"""CalDAV's authentication: HTTP Basic, the person's username or e-mail address and one of their
API tokens (an app password: people who sign in by single sign-on have no password). Never the
session cookie: a page of another site cannot make a browser write to the calendar."""

from __future__ import annotations

import base64
import binascii

from django.http import HttpRequest

from cercle.accounts import queries as account_queries
from cercle.accounts.models import User


def basic_user(request: HttpRequest) -> User | None:
    header = request.headers.get("Authorization", "")
    kind, _, encoded = header.partition(" ")
    if kind.lower() != "basic" or not encoded or len(encoded) > 2000:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    login, sep, secret = decoded.partition(":")
    if not sep or not login or not secret:
        return None
    user = account_queries.user_for_api_token(secret)
    if user is None:
        return None
    login = login.strip().casefold()
    if login not in (user.username.casefold(), (user.email or "").casefold()):
        return None
    return user
