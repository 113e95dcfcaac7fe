"""Structured logs: one JSON object per line (CERCLE_LOG_FORMAT=json).

Each line has `time` (UTC, ISO 8601), `level`, `logger`, `message`, and what is known of the
context it was written in: `request_id` (the request's, also in the tasks and realtime events it
caused), `user_id`, `task_id` (in the task worker), and for the access line of each request
(`cercle.request`) `route`, `method`, `status`, `duration_ms`. An exception adds `exc_info` (the
traceback as text). Any other `extra={...}` given to a log call is kept when it is JSON-able.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from cercle.core.operations.context import request_id_var, task_id_var, user_id_var

# The attributes every LogRecord has: anything else was given through `extra` (but uvicorn's
# `color_message`, its message with terminal colours).
_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys()
    | {"message", "asctime", "color_message"}
)
_CONTEXT_FIELDS = ("route", "method", "status", "duration_ms")


def _current_request_facts(record: logging.LogRecord) -> dict[str, Any]:
    """The id, user and route of the request the line is about (Django's `django.request` lines
    name it, written after the middleware is done) or being served, when known (no query)."""
    from django.http import HttpRequest

    from cercle.core.requests import current_request

    request = record.__dict__.get("request")
    if not isinstance(request, HttpRequest):
        request = current_request()
    if request is None:
        return {}
    from cercle.core.operations.middleware import route_of, user_id_of

    facts: dict[str, Any] = {}
    request_id = getattr(request, "request_id", None)
    if isinstance(request_id, str):
        facts["request_id"] = request_id
    user_id = user_id_of(request)
    if user_id is not None:
        facts["user_id"] = user_id
    if getattr(request, "resolver_match", None) is not None:
        facts["route"] = route_of(request)
    return facts


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id is not None:
            entry["request_id"] = request_id
        user_id = user_id_var.get()
        if user_id is not None:
            entry["user_id"] = user_id
        task_id = task_id_var.get()
        if task_id is not None:
            entry["task_id"] = task_id
        for key, value in _current_request_facts(record).items():
            entry.setdefault(key, value)
        for key, value in record.__dict__.items():
            if key in _STANDARD or key.startswith("_") or key == "request":
                continue
            if key == "status_code":  # Django's lines about a response (django.request)
                key = "status"
            if value is None and key == "user_id":
                continue
            entry[key] = value if _jsonable(value) else repr(value)
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _jsonable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | list | dict | tuple)


def logging_config(*, log_format: str, level: str, access_log: bool) -> dict[str, Any]:
    """Django's LOGGING: text (Django's default lines) or JSON, one handler on stderr."""
    json_lines = log_format == "json"
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        # A 403 or 404 is one warning line ("Forbidden (Permission denied): /manage/"), not a
        # traceback.
        "filters": {"client_errors": {"()": "cercle.core.logging.ClientErrorWithoutTraceback"}},
        "formatters": {"json": {"()": "cercle.core.operations.logs.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                **({"formatter": "json"} if json_lines else {}),
            }
        },
        "loggers": {
            "django.request": {"filters": ["client_errors"]},
            "cercle.request": {"level": "INFO" if access_log else "WARNING"},
        },
        "root": {"handlers": ["console"], "level": level},
    }
    if json_lines:
        # uvicorn's own lines (startup, errors, its access log unless --no-access-log) in JSON too.
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            config["loggers"][name] = {"handlers": ["console"], "propagate": False}
    return config
