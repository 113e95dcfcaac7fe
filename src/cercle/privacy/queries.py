"""Reads of personal data and retention: one's downloads, the audit log's export rows."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404
from django.utils import timezone

from cercle.accounts.models import User
from cercle.audit import queries as audit_queries
from cercle.audit.labels import action_label
from cercle.privacy.models import DataExport, LegalHold, RetentionPolicy, RetentionRun
from cercle.spaces.models import Space


def my_exports(person: User, *, limit: int = 5) -> list[DataExport]:
    return list(DataExport.objects.filter(person=person)[:limit])


def access_export(person: User, export_id: int) -> DataExport:
    """The person's own export; missing and not theirs are the same 404."""
    export = DataExport.objects.filter(pk=export_id, person=person).first()
    if export is None:
        raise Http404
    return export


def downloadable(export: DataExport) -> bool:
    return (
        export.status == DataExport.Status.READY
        and bool(export.file_name)
        and export.expires_at is not None
        and export.expires_at > timezone.now()
    )


def holds() -> list[LegalHold]:
    return list(LegalHold.objects.select_related("space", "person", "created_by"))


def policies() -> list[RetentionPolicy]:
    return list(RetentionPolicy.objects.select_related("space"))


def recent_runs(limit: int = 10) -> list[RetentionRun]:
    return list(RetentionRun.objects.select_related("started_by")[:limit])


def spaces_for_choice() -> list[Space]:
    return list(Space.objects.order_by("name")[:1000])


AUDIT_COLUMNS = [
    "created_at",
    "actor_id",
    "actor",
    "action",
    "action_label",
    "target_type",
    "target_id",
    "target",
    "ip_address",
    "old_value",
    "new_value",
    "extra",
]


def _cell(value: Any) -> str:
    """A CSV cell a spreadsheet does not run: a leading = + - @ reads as text."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    text = str(value)
    return f"'{text}" if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def _entry_row(entry: Any) -> dict[str, Any]:
    return {
        "created_at": entry.created_at.isoformat(),
        "actor_id": entry.actor_id,
        "actor": entry.actor.username if entry.actor else "",
        "action": entry.action,
        "action_label": action_label(entry.action),
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "target": entry.target_repr,
        "ip_address": entry.ip_address or "",
        "old_value": entry.old_value,
        "new_value": entry.new_value,
        "extra": entry.extra,
    }


def _entries(viewer: User, filters: audit_queries.AuditFilters) -> Iterator[Any]:
    # The whole log, read in chunks from the database: memory stays flat at any size.
    return audit_queries.audit_entries(viewer, filters).iterator(chunk_size=2000)


def audit_csv_lines(viewer: User, filters: audit_queries.AuditFilters) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow(AUDIT_COLUMNS)
    yield take()
    for entry in _entries(viewer, filters):
        row = _entry_row(entry)
        writer.writerow([_cell(row[key]) for key in AUDIT_COLUMNS])
        yield take()


def audit_json_lines(viewer: User, filters: audit_queries.AuditFilters) -> Iterator[str]:
    for entry in _entries(viewer, filters):
        yield json.dumps(_entry_row(entry), cls=DjangoJSONEncoder, ensure_ascii=False) + "\n"
