"""Two-factor authentication required by the organisation: once their grace period is over, a
person who must have it and has not set it up is sent to set it up (and may only do that, use
their account pages or log out) — the pattern of GitLab's "require two-factor authentication".

The deadline is worked out at sign-in and kept in the session, then again every few minutes
(a policy change reaches open sessions within `RECHECK`), so ordinary pages cost no query."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cercle.sso.queries import two_factor_deadline

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
