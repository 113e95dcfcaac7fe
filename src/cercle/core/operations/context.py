"""The request id (and the person) that log lines, tasks and realtime events carry.

A request takes the id its client or proxy sent in `X-Request-ID` when it is sane, else a new one
(`OperationsMiddleware`); a socket frame gets a new one (`cercle.core.consumers`). The id follows:
- into the background tasks the request enqueues (`cercle.core.operations.tasks`: kept beside the
  task's arguments, set again by the worker while the task runs);
- into the realtime events it publishes (`cercle.core.realtime`: kept in the layer message, set
  again while a socket handles the event).
"""

from __future__ import annotations

import os
import re
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("cercle_request_id", default=None)
user_id_var: ContextVar[int | None] = ContextVar("cercle_user_id", default=None)
task_id_var: ContextVar[str | None] = ContextVar("cercle_task_id", default=None)

# Letters, digits and a few separators, as load balancers and tracing systems write them (UUIDs,
# AWS's "Root=1-...", hex trace ids): anything else is replaced, so that nobody can inject text
# into the logs or an endless header.
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}")


def new_request_id() -> str:
    """32 random hex digits (as a UUID's hex, at a quarter of uuid4's cost)."""
    return os.urandom(16).hex()


def sane_request_id(value: str | None) -> str | None:
    """The incoming id if it is sane (1–128 safe characters), else None."""
    if value and _SANE.fullmatch(value):
        return value
    return None


def current_request_id() -> str | None:
    return request_id_var.get()
