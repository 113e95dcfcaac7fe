"""Logging filters."""

from __future__ import annotations

import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """Keeps 4xx responses (403 PermissionDenied, 404 Http404, 400…) to Django's one-line warning.

    Django logs them on `django.request` with the exception that caused them, so every 403 would
    print a full traceback and hide the real errors; 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500 and record.exc_info:
            record.exc_info = None
            record.exc_text = None
        return True
