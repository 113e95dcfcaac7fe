"""Reading the audit log: admins only, filtered, keyset-paginated (newest first)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone

from cercle.audit.models import AuditEntry
from cercle.core.pagination import InvalidCursor, Page, decode_cursor, encode_cursor

PAGE_SIZE = 50


@dataclass
class AuditFilters:
    action: str = ""
    actor: str = ""  # username or email, or part of one
    target: str = ""  # the target's id or part of its name
    date_from: dt.date | None = None  # in the viewer's time zone, inclusive
    date_to: dt.date | None = None
    ip: str = ""


def _require_admin(viewer: Any) -> None:
    if not getattr(viewer, "is_authenticated", False) or not viewer.is_admin:
        raise PermissionDenied


def audit_actions(viewer: Any) -> list[str]:
    """The action names recorded so far, for the filter's choices."""
    _require_admin(viewer)
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_entries(viewer: Any, filters: AuditFilters) -> QuerySet[AuditEntry]:
    _require_admin(viewer)
    entries = AuditEntry.objects.select_related("actor")
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.actor:
        term = filters.actor.strip()
        entries = entries.filter(
            Q(actor__username__icontains=term)
            | Q(actor__email__icontains=term)
            | Q(actor__last_name__icontains=term)
        )
    if filters.target:
        term = filters.target.strip()
        entries = entries.filter(Q(target_id=term) | Q(target_repr__icontains=term))
    if filters.date_from:
        entries = entries.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        entries = entries.filter(created_at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    if filters.ip:
        try:
            entries = entries.filter(ip_address=str(ipaddress.ip_address(filters.ip.strip())))
        except ValueError:
            entries = entries.none()
    return entries.order_by("-created_at", "-id")


def audit_page(
    viewer: Any, filters: AuditFilters, *, cursor: str = "", size: int = PAGE_SIZE
) -> Page[AuditEntry]:
    """One page after `cursor` (keyset on created_at, id): two queries at most, at any depth."""
    entries = audit_entries(viewer, filters)
    if cursor:
        created, pk = decode_cursor(cursor, length=2)
        if not isinstance(created, str) or not isinstance(pk, int):
            raise InvalidCursor("invalid cursor")
        try:
            when = dt.datetime.fromisoformat(created)
        except ValueError as error:
            raise InvalidCursor("invalid cursor") from error
        if timezone.is_naive(when):
            raise InvalidCursor("invalid cursor")
        entries = entries.filter(Q(created_at__lt=when) | Q(created_at=when, id__lt=pk))
    items = list(entries[: size + 1])
    next_cursor = None
    if len(items) > size:
        items = items[:size]
        last = items[-1]
        next_cursor = encode_cursor([last.created_at.isoformat(), last.pk])
    return Page(items=items, next_cursor=next_cursor)


def describe_change(old: Any, new: Any) -> list[tuple[str, str, str]]:
    """Rows of (field, old, new) that a person can read; one row without a field otherwise."""

    def show(value: Any) -> str:
        if value is None:
            return "—"
        if isinstance(value, bool):
            return "✓" if value else "✗"
        if isinstance(value, str):
            return value or "—"
        return json.dumps(value, ensure_ascii=False)

    if isinstance(old, dict) or isinstance(new, dict):
        old_dict = old if isinstance(old, dict) else {}
        new_dict = new if isinstance(new, dict) else {}
        keys = list(dict.fromkeys([*old_dict, *new_dict]))
        return [(str(key), show(old_dict.get(key)), show(new_dict.get(key))) for key in keys]
    if old is None and new is None:
        return []
    return [("", show(old), show(new))]
