"""Health probes for load balancers and orchestrators.

- `/healthz`: the process is alive and answers (no database, nothing slow): a liveness probe.
- `/readyz`: the process can serve: the database answers, Redis answers (when REDIS_URL is set),
  the task queue's table answers (django-tasks-db). Each check runs with its own timeout
  (CERCLE_READY_TIMEOUT seconds, 2 by default), all at once; the answer is 200 with each check's
  result, or 503 naming the check that failed. Errors are named by their kind only (the detail,
  which may name hosts, goes to the log).

Both are answered by `OperationsMiddleware` before the session, locale, authentication and host
checks (a probe may call the pod's address): no login, no rate limit, no session.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse

logger = logging.getLogger(__name__)

# Checks run in these threads, so that one that hangs (a database that does not answer) is
# reported after its timeout instead of holding the probe; at most a few run at once.
_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="cercle-ready")


def _no_cache(response: JsonResponse) -> JsonResponse:
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: answers without touching the database."""
    return _no_cache(JsonResponse({"status": "ok"}))


def check_database() -> dict[str, Any]:
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        # This thread is not a request's: give the connection back (to the pool on PostgreSQL).
        connection.close()
    return {}


def check_redis() -> dict[str, Any] | None:
    url = settings.REDIS_URL
    if not url:
        return None
    import redis

    timeout = ready_timeout()
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()
    return {}


def check_tasks() -> dict[str, Any]:
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    backend = task_backends["default"]
    if not isinstance(backend, DatabaseBackend):
        # Tasks run in the request (immediate) or elsewhere: nothing of ours to reach.
        return {"backend": type(backend).__name__}
    from django_tasks_db.models import DBTaskResult

    connection = connections["default"]
    try:
        DBTaskResult.objects.order_by().values_list("id").first()
    finally:
        connection.close()
    return {"backend": "database"}


CHECKS: dict[str, Callable[[], dict[str, Any] | None]] = {
    "database": check_database,
    "redis": check_redis,
    "tasks": check_tasks,
}


def ready_timeout() -> float:
    return float(getattr(settings, "CERCLE_READY_TIMEOUT", 2.0))


def _timed(check: Callable[[], dict[str, Any] | None]) -> tuple[dict[str, Any] | None, float]:
    started = time.perf_counter()
    result = check()
    return result, (time.perf_counter() - started) * 1000


def run_checks() -> tuple[bool, dict[str, dict[str, Any]]]:
    timeout = ready_timeout()
    futures = {name: _executor.submit(_timed, check) for name, check in CHECKS.items()}
    deadline = time.monotonic() + timeout
    results: dict[str, dict[str, Any]] = {}
    healthy = True
    for name, future in futures.items():
        try:
            result, ms = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            healthy = False
            results[name] = {"status": "fail", "error": "timeout", "timeout_s": timeout}
            logger.warning("readiness check %s: no answer within %s s", name, timeout)
            continue
        except Exception as error:
            healthy = False
            results[name] = {"status": "fail", "error": type(error).__name__}
            logger.warning("readiness check %s failed: %s", name, error)
            continue
        if result is None:
            continue  # not configured (Redis without REDIS_URL)
        results[name] = {"status": "ok", "ms": round(ms, 1), **result}
    return healthy, results


def readyz(request: HttpRequest) -> JsonResponse:
    """Ready: 200 when every check passes, else 503; each check's result either way."""
    healthy, checks = run_checks()
    return _no_cache(
        JsonResponse(
            {"status": "ok" if healthy else "fail", "checks": checks},
            status=200 if healthy else 503,
        )
    )
