"""The first middleware: the request id, the probes and /metrics, and each request's figures.

- Gives each request its id (`X-Request-ID` from the client or proxy when sane, else a new one),
  for every log line written while serving it and the tasks and events it causes; the response
  carries it back in `X-Request-ID`.
- Answers `/healthz`, `/readyz` and `/metrics` itself, before the session, locale, authentication
  and host middleware: a probe costs nothing of theirs and needs no login.
- Times the request and records it by route (the URL pattern, never the raw path) and status
  (`cercle_http_request_duration_seconds`), and writes one access log line on the
  `cercle.request` logger when it is enabled at INFO (CERCLE_ACCESS_LOG; on with JSON logs).
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseNotFound
from django.utils.functional import empty

from cercle.core.operations import health, metrics
from cercle.core.operations.context import new_request_id, request_id_var, sane_request_id

access_logger = logging.getLogger("cercle.request")

# A request that matched no URL pattern, or was answered before URL resolution (a redirect of
# CommonMiddleware, a refusal of a middleware).
UNMATCHED = "<unmatched>"


def route_of(request: HttpRequest) -> str:
    """The URL pattern that served the request, as a path: `/spaces/<slug:slug>/`, `/` for home."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return f"/{match.route}"


def user_id_of(request: HttpRequest) -> int | None:
    """The signed-in person's id if the request already knows it (never a query for it)."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return None
    pk = getattr(wrapped, "pk", None)
    return pk if isinstance(pk, int) else None


class MetricsAccess:
    """Who may read /metrics: CERCLE_METRICS_ALLOWED_IPS (networks; default loopback) or the
    bearer token CERCLE_METRICS_TOKEN. Behind a reverse proxy, every address the request names
    (`X-Forwarded-For`, `X-Real-IP`) must be allowed too, so that a public request relayed by a
    proxy on the loopback is not taken for a local one."""

    def allows(self, request: HttpRequest) -> bool:
        token = settings.CERCLE_METRICS_TOKEN
        if token:
            given = request.headers.get("Authorization", "")
            if given.startswith("Bearer ") and hmac.compare_digest(
                given[7:].strip().encode(), token.encode()
            ):
                return True
        networks = metrics.parse_networks(settings.CERCLE_METRICS_ALLOWED_IPS)
        if not networks:
            return False
        addresses = [request.META.get("REMOTE_ADDR", "")]
        addresses += request.headers.get("X-Forwarded-For", "").split(",")
        addresses += [request.headers.get("X-Real-IP", "")]
        named = [a.strip() for a in addresses if a.strip()]
        return bool(named) and all(metrics.address_allowed(a, networks) for a in named)


_ACCESS = MetricsAccess()


def metrics_view(request: HttpRequest) -> HttpResponseBase:
    """Prometheus's text format; a plain 404 for anyone not allowed (as if there were none)."""
    if not _ACCESS.allows(request):
        return HttpResponseNotFound(b"Not found", content_type="text/plain")
    body, content_type = metrics.render()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


PROBES: dict[str, Callable[[HttpRequest], HttpResponseBase]] = {
    "/healthz": health.healthz,
    "/readyz": health.readyz,
    "/metrics": metrics_view,
}


class OperationsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = sane_request_id(request.META.get("HTTP_X_REQUEST_ID")) or new_request_id()
        token = request_id_var.set(request_id)
        # For Django's own lines about the response, written after the middleware is done.
        request.request_id = request_id  # type: ignore[attr-defined]
        try:
            probe = PROBES.get(request.path_info)
            if probe is not None:
                response = probe(request)
                response["X-Request-ID"] = request_id
                return response
            started = time.perf_counter()
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            route = route_of(request)
            status = response.status_code
            metrics.observe_request(route, request.method or "", status, seconds)
            response["X-Request-ID"] = request_id
            if access_logger.isEnabledFor(logging.INFO):
                access_logger.info(
                    "%s %s %s",
                    request.method,
                    route,
                    status,
                    extra={
                        "route": route,
                        "method": request.method,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                        "user_id": user_id_of(request),
                    },
                )
            return response
        finally:
            request_id_var.reset(token)
