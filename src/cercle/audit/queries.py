"""Reading the audit log: admins only, filtered, keyset-paginated (newest first)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Q, QuerySet, Value
from django.utils import timezone
from django.utils.translation import ngettext

from cercle.audit.labels import (
    DETAIL_LABELS,
    MARKDOWN_KEYS,
    NAMED_IDS,
    TARGET_KINDS,
    VALUE_LABELS,
    entry_label,
)
from cercle.audit.models import AuditEntry
from cercle.core.markdown import markdown_to_text
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


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, str):
        return value or "—"
    return json.dumps(value, ensure_ascii=False)


# --- Ids in the details, shown as names -------------------------------------------------------

# Ids recorded in details (old, new or extra) are shown as names by what apps registered
# (`cercle.audit.labels.register_names`): people's display names, departments', spaces'…


def _kind_of(key: str) -> str | None:
    for named in NAMED_IDS.values():
        if key in named.keys:
            return named.kind
    return None


def _field_label(key: str) -> str:
    for named in NAMED_IDS.values():
        if key in named.keys:
            return str(named.keys[key])
    label = DETAIL_LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ")


EXCERPT_LENGTH = 120


@dataclass(frozen=True)
class Shown:
    """One value of an entry's details as a person reads it; `items` go in a <details> list."""

    text: str
    items: tuple[str, ...] = ()


@dataclass
class EntryDetails:
    changes: list[tuple[str, Shown, Shown]]  # (field, old, new)
    extra: list[tuple[str, Shown]]
    action_label: str = ""  # the action in words, read with its details
    target: str = ""  # the target in words ("Profile of “Anne Leroy”"), or ""


def _ids(value: Any) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]
    return []


def _dicts(entry: AuditEntry) -> list[dict[str, Any]]:
    return [d for d in (entry.old_value, entry.new_value, entry.extra) if isinstance(d, dict)]


def _names(entries: list[AuditEntry]) -> dict[tuple[str, int], str]:
    """The name of every id recorded in these entries, by (kind, id): one query for the models
    with a `name` column (departments, sites, spaces… in one UNION) and one for each other kind
    (people), whatever the number of entries."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        for details in _dicts(entry):
            for key, value in details.items():
                kind = _kind_of(key)
                if kind is not None:
                    wanted.setdefault(kind, set()).update(_ids(value))
    found: dict[tuple[str, int], str] = {}
    parts = []
    for kind, ids in wanted.items():
        named = NAMED_IDS[kind]
        if not ids:
            continue
        if named.names is not None:
            found.update(((kind, pk), name) for pk, name in named.names(ids).items())
        elif named.model is not None:
            parts.append(
                named.model._default_manager.filter(pk__in=ids)
                .annotate(audit_kind=Value(kind, output_field=CharField()))
                .values_list("audit_kind", "pk", "name")
                .order_by()
            )
    if parts:
        rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        for kind, pk, name in rows:
            found[(kind, pk)] = name
    return found


def describe_entries(viewer: Any, entries: list[AuditEntry]) -> list[EntryDetails]:
    """Each entry's changes and extra details with the recorded ids shown as names (a person's
    display name, a department's, site's or space's name; "#id" once it is gone). A list of
    people reads "12 people" (with the department's name when the entry names one), the names
    in `items`."""
    _require_admin(viewer)
    known = _names(entries)

    def person(pk: int) -> str:
        return known.get(("people", pk), f"#{pk}")

    def show(key: str, value: Any, entry_extra: dict[str, Any]) -> Shown:
        kind = _kind_of(key)
        if kind == "people" and _ids(value) and not isinstance(value, list):
            return Shown(person(value))
        if kind == "people" and isinstance(value, list) and len(_ids(value)) == len(value):
            names = tuple(sorted((person(pk) for pk in value), key=str.casefold))
            count = ngettext("%(count)d person", "%(count)d people", len(names)) % {
                "count": len(names)
            }
            department = entry_extra.get("department_id")
            if key == "user_ids" and isinstance(department, int):
                name = known.get(("department", department), f"#{department}")
                count = f"{name} ({count})"
            return Shown(count, names)
        if (
            kind is not None
            and _ids(value)
            and (not isinstance(value, list) or len(_ids(value)) == len(value))
        ):
            return Shown(", ".join(known.get((kind, pk), f"#{pk}") for pk in _ids(value)) or "—")
        if key in MARKDOWN_KEYS and isinstance(value, str):
            return Shown(markdown_to_text(value, limit=EXCERPT_LENGTH) or "—")
        words = VALUE_LABELS.get(key, {})
        if isinstance(value, str) and value in words:
            return Shown(str(words[value]))
        return Shown(_show(value))

    def label(key: str) -> str:
        return _field_label(key)

    targets = _target_names(entries)
    described = []
    for entry in entries:
        extra = entry.extra if isinstance(entry.extra, dict) else {}
        action, used = entry_label(entry.action, extra)
        if used is not None:
            extra = {key: value for key, value in extra.items() if key != used}
        old, new = entry.old_value, entry.new_value
        changes: list[tuple[str, Shown, Shown]]
        if isinstance(old, dict) or isinstance(new, dict):
            old_dict = old if isinstance(old, dict) else {}
            new_dict = new if isinstance(new, dict) else {}
            keys = list(dict.fromkeys([*old_dict, *new_dict]))
            changes = [
                (
                    label(key),
                    show(key, old_dict.get(key), extra),
                    show(key, new_dict.get(key), extra),
                )
                for key in keys
            ]
        elif old is None and new is None:
            changes = []
        else:
            changes = [("", Shown(_show(old)), Shown(_show(new)))]
        described.append(
            EntryDetails(
                changes=changes,
                extra=[(label(key), show(key, value, extra)) for key, value in extra.items()],
                action_label=action,
                target=_target_text(entry, targets),
            )
        )
    return described


def _target_names(entries: list[AuditEntry]) -> dict[tuple[str, str], str]:
    """The current name of each entry's target, by (type, id): one query per registered type
    on the page (whatever the number of entries), none for the others."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.target_type in TARGET_KINDS and entry.target_id.isdigit():
            wanted.setdefault(entry.target_type, set()).add(int(entry.target_id))
    found: dict[tuple[str, str], str] = {}
    for target_type, ids in wanted.items():
        kind = TARGET_KINDS[target_type]
        if kind.names is not None:
            names = kind.names(ids)
        elif kind.model is not None:
            names = dict(kind.model._default_manager.filter(pk__in=ids).values_list("pk", "name"))
        else:
            names = {}
        found.update(((target_type, str(pk)), name) for pk, name in names.items())
    return found


def _target_text(entry: AuditEntry, names: dict[tuple[str, str], str]) -> str:
    if not entry.target_type:
        return ""
    kind = TARGET_KINDS.get(entry.target_type)
    if kind is None:
        return entry.target_repr
    name = names.get((entry.target_type, entry.target_id))
    if name is None:  # gone: the name it had when the entry was written
        name = entry.target_repr
        if kind.markdown:
            name = markdown_to_text(name, limit=EXCERPT_LENGTH)
    return str(kind.label) % {"name": name or f"#{entry.target_id}"}
