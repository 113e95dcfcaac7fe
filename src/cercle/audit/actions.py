"""Writing audit entries. Every other app's actions call `log_event`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.http import HttpRequest

from cercle.audit.models import AuditEntry
from cercle.core.requests import client_ip, current_request


def log_event(
    *,
    actor: Any | None,
    action: str,
    target: models.Model | None = None,
    old: Any = None,
    new: Any = None,
    request: HttpRequest | None = None,
    ip_address: str | None = None,
    extra: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record one audit entry; `actor` is None for the system or an anonymous visitor.

    The address is `ip_address`, else that of `request`, else that of the request being served
    (`core.requests.current_request`), so actions that are not handed the request record it too."""
    entry = _entry(
        actor=actor,
        action=action,
        target=target,
        old=old,
        new=new,
        request=request,
        ip_address=ip_address,
        extra=extra,
    )
    entry.save(force_insert=True)
    return entry


def log_events(events: Iterable[dict[str, Any]]) -> list[AuditEntry]:
    """Record many entries in one INSERT (a bulk action's one entry per person), each given as
    `log_event`'s keyword arguments."""
    return AuditEntry.objects.bulk_create([_entry(**event) for event in events], batch_size=500)


def _entry(
    *,
    actor: Any | None,
    action: str,
    target: models.Model | None = None,
    old: Any = None,
    new: Any = None,
    request: HttpRequest | None = None,
    ip_address: str | None = None,
    extra: dict[str, Any] | None = None,
) -> AuditEntry:
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        ip_address=ip_address or client_ip(request or current_request()),
        old_value=old,
        new_value=new,
        extra=extra or {},
    )
