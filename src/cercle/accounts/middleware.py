"""allauth's session list ("Your sessions": where and when each of my sessions was last seen),
kept up to date for a fraction of the cost.

allauth's own `UserSessionsMiddleware` writes the session's row on every request a signed-in
person makes (a transaction with two reads and an update: five queries, and on SQLite the write
lock, which every request then queued for). This one writes it as allauth does, but at most
once per `TRACK_INTERVAL` seconds for the same session, address and browser in a process: a new
address or browser is written (and allauth's `session_client_changed` sent) at once, as before;
only "last seen" moves in steps of `TRACK_INTERVAL` instead of at every click.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from allauth.usersessions.internal import usersessionkit
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

# Seconds between two writes of the same session's "last seen" by one process.
TRACK_INTERVAL = 60.0
# Sessions remembered per process; past it the memory starts again (each is written once more).
MAX_TRACKED = 20_000

_tracked: dict[tuple[str, str, str], float] = {}
_lock = threading.Lock()


def _now() -> float:
    return time.monotonic()


def _client(request: HttpRequest) -> tuple[str, str]:
    from allauth.account.adapter import get_adapter

    return str(get_adapter().get_client_ip(request)), request.META.get("HTTP_USER_AGENT", "")


def track_activity(request: HttpRequest) -> None:
    """allauth's `track_activity` for this request, unless this process wrote the same session,
    address and browser less than `TRACK_INTERVAL` seconds ago."""
    user: Any = getattr(request, "user", None)
    session: Any = getattr(request, "session", None)
    if user is None or session is None or not user.is_authenticated or not session.session_key:
        return
    key = (session.session_key, *_client(request))
    now = _now()
    seen = _tracked.get(key)
    if seen is not None and now - seen < TRACK_INTERVAL:
        return
    usersessionkit.track_activity(request, user=user, session=session)
    with _lock:
        if len(_tracked) >= MAX_TRACKED:
            _tracked.clear()
        _tracked[key] = now


def forget_tracked() -> None:
    """Tests: every session is written again at its next request."""
    with _lock:
        _tracked.clear()


class UserSessionsMiddleware:
    """In place of `allauth.usersessions.middleware.UserSessionsMiddleware`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        track_activity(request)
        _unwrap_user(request)
        return self.get_response(request)


def _unwrap_user(request: HttpRequest) -> None:
    """The person `track_activity` has just read, in place of Django's lazy wrapper around them:
    a page reads `request.user` some 900 times (templates, rights, menus), and each read through
    the wrapper costs three Python calls (issue 15's profile of the home page)."""
    user: Any = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and user._wrapped is not empty:
        request.user = user._wrapped
