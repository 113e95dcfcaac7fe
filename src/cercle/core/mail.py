"""Mail: the address links in emails use, the record of the last mail sent, and the check that
stops a production server from mailing links to a wrong address.

Links in emails (`absolute_url`) use, in this order:
1. `SITE_URL` when it is set (the public address, what production sets);
2. else the address of the request that triggered the mail (kept by
   `cercle.core.requests.CurrentRequestMiddleware`), so `make run PORT=8200` mails links to
   port 8200 — a task queued from a request is handed `site_url()` when it is queued;
3. else, outside any request (a task, a management command) in development only,
   `DEVELOPMENT_SITE_URL`. In production (`DEBUG` off) a mail that really goes out needs
   `SITE_URL`: the system check `cercle.E001` refuses to start without it.

`RecordingBackend` wraps the configured backend (`CERCLE_EMAIL_BACKEND`) and keeps when the last
mail left and to how many people, for the administration's overview.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import DisallowedHost
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError
from django.utils import timezone

from cercle.core.models import MailRecord
from cercle.core.requests import current_request

logger = logging.getLogger(__name__)

DEVELOPMENT_SITE_URL = "http://127.0.0.1:8000"
# Backends that never send a mail out: no public address is needed for them.
LOCAL_BACKENDS = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
    }
)
RECORDING_BACKEND = "cercle.core.mail.RecordingBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


def site_url(request: Any = None) -> str:
    """The address the server is reached at, without a trailing slash (see the module's doc)."""
    configured = str(settings.SITE_URL or "").rstrip("/")
    if configured:
        return configured
    request = request if request is not None else current_request()
    if request is not None:
        try:
            return f"{request.scheme}://{request.get_host()}"
        except DisallowedHost:
            pass
    return DEVELOPMENT_SITE_URL


def absolute_url(path: str, *, base: str = "", request: Any = None) -> str:
    """`path` (e.g. from `reverse`) as a link for an email: on `base` when given (a task handed
    the address at queueing time), else on `site_url()`."""
    return f"{(base or site_url(request)).rstrip('/')}{path}"


def real_backend() -> str:
    """The backend that sends (the configured one, behind `RecordingBackend`)."""
    backend: str = settings.EMAIL_BACKEND
    if backend == RECORDING_BACKEND:
        backend = str(getattr(settings, "CERCLE_EMAIL_BACKEND", "")) or CONSOLE_BACKEND
    return backend


@checks.register(checks.Tags.compatibility, deploy=False)
def check_site_url(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Production (DEBUG off) sending real mail needs SITE_URL: links in mails must not point to
    a guessed address."""
    if settings.DEBUG or settings.SITE_URL:
        return []
    if real_backend() in LOCAL_BACKENDS:
        return []
    return [
        checks.Error(
            "SITE_URL is not set, and mail goes out (EMAIL_URL) with DEBUG off: the links in "
            "emails (invitations, password resets, notifications) would point to a guessed "
            "address.",
            hint="Set SITE_URL to the address people reach Cercle at, e.g. "
            "SITE_URL=https://cercle.example.org (see docs/configuration.md).",
            id="cercle.E001",
        )
    ]


# --- The last mail sent -----------------------------------------------------------------------


@dataclass(frozen=True)
class LastMail:
    sent_at: datetime
    recipients: int
    subject: str


def record_sent(messages: Sequence[EmailMessage]) -> None:
    """Keep when the last mail left (one row, overwritten)."""
    if not messages:
        return
    last = messages[-1]
    MailRecord.objects.update_or_create(
        pk=1,
        defaults={
            "sent_at": timezone.now(),
            "recipients": len(last.recipients()),
            "subject": str(last.subject)[:200],
        },
    )


def last_mail() -> LastMail | None:
    record = MailRecord.objects.filter(pk=1).first()
    if record is None:
        return None
    return LastMail(record.sent_at, record.recipients, record.subject)


class RecordingBackend(BaseEmailBackend):
    """Sends through the configured backend (`CERCLE_EMAIL_BACKEND`) and records the last mail."""

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently)
        self.inner = get_connection(real_backend(), fail_silently=fail_silently, **kwargs)

    def open(self) -> bool | None:
        return self.inner.open()

    def close(self) -> None:
        self.inner.close()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = self.inner.send_messages(email_messages)
        if sent:
            try:
                record_sent(list(email_messages))
            except DatabaseError:
                # The mail has gone; its record is only for the overview page.
                logger.warning("Could not record the last mail sent", exc_info=True)
        return sent
