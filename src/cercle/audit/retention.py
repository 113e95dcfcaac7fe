"""The audit log's own retention: entries older than `AUDIT_RETENTION_DAYS` go (0: kept forever).
Called by the retention run (`cercle.privacy`)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from cercle.audit.models import AuditEntry


def retention_days() -> int:
    return int(getattr(settings, "AUDIT_RETENTION_DAYS", 0))


def delete_entries_before(*, now: dt.datetime | None = None) -> int:
    days = retention_days()
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    deleted, _rows = AuditEntry.objects.filter(created_at__lt=cutoff).delete()
    return deleted
