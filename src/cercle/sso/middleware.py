"""Two-factor authentication required by the organisation: once their grace period is over, a
person who must have it and has not set it up is sent to set it up (and may only do that, use
their account pages or log out) — the pattern of GitLab's "require two-factor authentication".

The deadline is worked out at sign-in and kept in the session, then again every few minutes
(a policy change reaches open sessions within `RECHECK`), so ordinary pages cost no query."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cercle.sso.queries import session_limits, two_factor_deadline

SESSION_KEY = "cercle.sso.two_factor"
RECHECK = 300  # seconds
# What stays open before two-factor authentication is set up.
ALLOWED_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/", "/healthz", "/ws/")


def remember_deadline(request: HttpRequest, user: object) -> None:
    deadline = two_factor_deadline(user)
    request.session[SESSION_KEY] = {
        "checked": time.time(),
        "deadline": deadline.isoformat() if deadline else "",
    }


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(ALLOWED_PREFIXES)
        ):
            state = request.session.get(SESSION_KEY)
            if not isinstance(state, dict) or time.time() - state.get("checked", 0) > RECHECK:
                remember_deadline(request, user)
                state = request.session[SESSION_KEY]
            deadline = state.get("deadline")
            if deadline and datetime.fromisoformat(deadline) <= timezone.now():
                messages.warning(
                    request,
                    _(
                        "Your organisation requires two-factor authentication: set it up to "
                        "continue."
                    ),
                )
                return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


# --- Session lifetime (OWASP ASVS 3.3.1, 3.3.2) -------------------------------------------------

STARTED_KEY = "cercle.session.started"
SEEN_KEY = "cercle.session.seen"
# Activity is written to the session at most this often (a write per request would cost a query
# per request); the idle limit is therefore exact to within this many seconds.
SEEN_RESOLUTION = 60
# Requests the page makes by itself (the bell, the new-posts count): they keep nobody signed in.
BACKGROUND_HEADER = "HTTP_X_CERCLE_BACKGROUND"


def start_session_clock(request: HttpRequest) -> None:
    now = time.time()
    request.session[STARTED_KEY] = now
    request.session[SEEN_KEY] = now


class SessionLifetimeMiddleware:
    """Signs a person out once their session has been idle, or alive, longer than the
    organisation allows (`SessionPolicy`), then sends them to sign in again (the API answers 401
    as for anyone signed out)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            idle, lifetime = session_limits()
            now = time.time()
            session = request.session
            started = session.get(STARTED_KEY)
            seen = session.get(SEEN_KEY)
            if not isinstance(started, float | int) or not isinstance(seen, float | int):
                start_session_clock(request)  # a session older than this policy: counts from now
            elif (idle and now - seen > idle) or (lifetime and now - started > lifetime):
                logout(request)
                if request.path.startswith("/api/") or request.headers.get("HX-Request"):
                    return self.get_response(request)
                messages.info(request, _("Your session has ended: please sign in again."))
                return HttpResponseRedirect(
                    f"{reverse('account_login')}?{urlencode({'next': request.get_full_path()})}"
                )
            elif now - seen > SEEN_RESOLUTION and not request.META.get(BACKGROUND_HEADER):
                session[SEEN_KEY] = now
        return self.get_response(request)
