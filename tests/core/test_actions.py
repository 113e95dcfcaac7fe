"""The writes of core: the socket's one-use tickets (cercle.core.actions)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cercle.core import actions
from cercle.core.models import RealtimeTicket
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_tickets_are_one_use_and_short_lived() -> None:
    anne = make_user()
    key, ticket = actions.issue_ticket(actor=anne)
    assert ticket.user == anne
    assert ticket.key_hash != key  # only its hash is stored
    assert actions.redeem_ticket(key=key) == anne
    assert actions.redeem_ticket(key=key) is None
    key2, ticket2 = actions.issue_ticket(actor=anne)
    RealtimeTicket.objects.filter(pk=ticket2.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert actions.redeem_ticket(key=key2) is None
    assert actions.redeem_ticket(key="nonsense") is None
    assert actions.redeem_ticket(key="") is None
    assert actions.redeem_ticket(key="x" * 101) is None


def test_a_ticket_of_a_person_deactivated_since_opens_nothing() -> None:
    anne = make_user()
    key, _ticket = actions.issue_ticket(actor=anne)
    anne.is_active = False
    anne.save(update_fields=["is_active"])
    assert actions.redeem_ticket(key=key) is None


def test_a_deactivated_person_gets_no_ticket() -> None:
    anne = make_user(is_active=False)
    with pytest.raises(PermissionDenied):
        actions.issue_ticket(actor=anne)
    assert not RealtimeTicket.objects.exists()


def test_issuing_a_ticket_deletes_those_expired_for_an_hour() -> None:
    anne = make_user()
    _key, old = actions.issue_ticket(actor=anne)
    _key, recent = actions.issue_ticket(actor=anne)
    RealtimeTicket.objects.filter(pk=old.pk).update(
        expires_at=timezone.now() - timedelta(hours=1, seconds=1)
    )
    RealtimeTicket.objects.filter(pk=recent.pk).update(
        expires_at=timezone.now() - timedelta(minutes=59)
    )
    _key, new = actions.issue_ticket(actor=anne)
    assert set(RealtimeTicket.objects.values_list("pk", flat=True)) == {recent.pk, new.pk}
