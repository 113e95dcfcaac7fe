"""Every write of core: the socket's one-use tickets for API clients (`/ws/?ticket=...`)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cercle.core.models import RealtimeTicket

if TYPE_CHECKING:
    from cercle.accounts.models import User

TICKET_LIFETIME = timedelta(seconds=60)
# Used or expired tickets are deleted when a new one is issued this long after they expired.
TICKET_KEPT = timedelta(hours=1)
MAX_TICKET_LENGTH = 100


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def issue_ticket(*, actor: User) -> tuple[str, RealtimeTicket]:
    """A one-use ticket for /ws/?ticket=..., valid for a minute: (the key to give, its row)."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Your account is not active."))
    key = secrets.token_urlsafe(32)
    ticket = RealtimeTicket.objects.create(
        key_hash=_hash(key), user=actor, expires_at=timezone.now() + TICKET_LIFETIME
    )
    RealtimeTicket.objects.filter(expires_at__lt=timezone.now() - TICKET_KEPT).delete()
    return key, ticket


@transaction.atomic
def redeem_ticket(*, key: str) -> User | None:
    """The person a ticket was issued to, once: used or expired tickets give None."""
    if not key or len(key) > MAX_TICKET_LENGTH:
        return None
    now = timezone.now()
    used = RealtimeTicket.objects.filter(
        key_hash=_hash(key), used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not used:
        return None
    ticket = RealtimeTicket.objects.select_related("user").get(key_hash=_hash(key))
    user: User = ticket.user
    return user if user.is_active else None
