"""Facts about the HTTP request shared by audit and rate limiting.

`CurrentRequestMiddleware` keeps the request being served in a context variable, so that the
audit log records the client's address for every action done in a request, also for actions that
are not handed the request (spaces, feed, chat: their signatures stay `(*, actor, ...)`). Outside a
request (task worker, management commands, sockets) there is none."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_current_request: ContextVar[HttpRequest | None] = ContextVar("cercle_request", default=None)


def current_request() -> HttpRequest | None:
    """The HTTP request this code runs for, if any."""
    return _current_request.get()


class CurrentRequestMiddleware:
    """Sets `current_request()` for the view and everything it calls; resets it afterwards."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address; behind a proxy, the first address of CLIENT_IP_HEADER."""
    if request is None:
        return None
    header = settings.CLIENT_IP_HEADER
    if header:
        forwarded = request.headers.get(header, "")
        if forwarded:
            return forwarded.split(",")[0].strip()[:45] or None
    return request.META.get("REMOTE_ADDR")
