"""The server's cache kept right when another process writes, on the embedded default.

Production shares one cache (Redis) between every process. The embedded default has none: each
process keeps its own (Django's local-memory cache), and what the server keeps there under a
version — a person's roles in their spaces (an hour), an agenda's drawn periods, a page tree —
is moved only by writes made in the server. The task worker (the directory's synchronisation,
CSV imports) and the management commands write elsewhere: a person the directory put in a space
would not see it for up to an hour.

So, on the embedded default only: another process that has written rows (other than the ones
nothing keeps: its task queue, notifications, the audit log, sessions…) moves a number in the
database (`CacheGeneration`) when its task or command ends; the server reads that number at most
once a second, on the requests it serves, and empties its own cache when it has moved.
"""

from __future__ import annotations

import atexit
import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import DatabaseError, connection
from django.db.backends.signals import connection_created
from django.db.models import F
from django_tasks.signals import task_finished

from cercle.core.models import CacheGeneration

logger = logging.getLogger(__name__)

# Rows written all the time that no cached state is made from (a write there moves nothing).
UNKEPT_TABLES = (
    "django_tasks_db",
    "django_session",
    "notifications_",
    "audit_",
    "adoption_",
    "core_mailrecord",
    "core_cachegeneration",
    "usersessions_",
)
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
CHECK_SECONDS = 1.0


class _State:
    serving = False  # this process is the server (`serve`)
    checking = False  # …and its cache is its own: it reads the number
    wrote = False  # this process wrote rows something may keep since it last said so
    seen: int | None = None  # the server: the number last read
    checked_at = 0.0


state = _State()


def is_private_cache() -> bool:
    """Whether this process's cache is its own (the embedded default), not shared."""
    return isinstance(caches["default"], LocMemCache)


def serve() -> None:
    """This process is the server (`cercle.asgi`): it reads the number (on the embedded
    default), it never moves it."""
    state.serving = True
    state.checking = is_private_cache() and not settings.TESTING


def _note_writes(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    if not state.wrote and not state.serving:
        head = sql.lstrip()[:7].upper()
        if head.startswith(WRITES):
            lowered = sql[:200].lower()
            if not any(f'"{name}' in lowered or f" {name}" in lowered for name in UNKEPT_TABLES):
                state.wrote = True
    return execute(sql, params, many, context)


def _watch(sender: Any, connection: Any, **kwargs: Any) -> None:
    if not state.serving and is_private_cache() and _note_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(_note_writes)


def moved() -> None:
    """Another process has written: move the number (one statement), if it wrote anything
    kept. Called when a task or a management command ends."""
    if not state.wrote or state.serving:
        return
    state.wrote = False
    try:
        updated = CacheGeneration.objects.filter(pk=1).update(value=F("value") + 1)
        if not updated:
            CacheGeneration.objects.get_or_create(pk=1, defaults={"value": 1})
    except DatabaseError:  # the database gone (a test's, at exit): nothing to tell
        logger.debug("cache generation not moved", exc_info=True)


def check() -> None:
    """The server, on a request: empty its own cache if another process has written since it
    last looked (at most one query a second)."""
    if not state.checking:
        return
    now = time.monotonic()
    if now - state.checked_at < CHECK_SECONDS:
        return
    state.checked_at = now
    value = CacheGeneration.objects.filter(pk=1).values_list("value", flat=True).first() or 0
    if state.seen is not None and value != state.seen:
        cache.clear()
    state.seen = value


class CacheGenerationMiddleware:
    """`check` before each request is served (the embedded default's server only)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        check()
        return self.get_response(request)


def install() -> None:
    """Watch this process's writes (`CoreConfig.ready`, outside the tests): every process but
    the server, on the embedded default. The number moves when a task ends and at exit."""
    connection_created.connect(_watch, dispatch_uid="cercle.core.cache_generation")
    task_finished.connect(_task_finished, dispatch_uid="cercle.core.cache_generation")
    if connection.connection is not None:
        _watch(None, connection)
    atexit.register(moved)


def _task_finished(sender: Any, **kwargs: Any) -> None:
    moved()
