"""Restoring one occurrence of a series (its cancellation or its change undone): an audited
action, offered on the event's page to whoever may change the event, and used by CalDAV."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cercle.agenda import actions, queries
from cercle.agenda.models import Event, Occurrence
from cercle.agenda.recurrence import Window
from cercle.audit.models import AuditEntry
from cercle.notifications.models import Notification
from tests.factories import make_event, make_user
from tests.helpers.api import api

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
MARCH = Window(
    dt.datetime(2026, 3, 1, tzinfo=PARIS), dt.datetime(2026, 4, 1, tzinfo=PARIS), "Europe/Paris"
)


def paris(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=PARIS)


def _days(person: Any) -> list[int]:
    found = queries.occurrences_between(person, MARCH)
    return [o.timing.start.astimezone(PARIS).day for o in found if o.timing.start]


def test_a_cancelled_occurrence_comes_back_audited_and_invitees_hear_of_it(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    organiser = make_user()
    guest = make_user(email="invitee@example.org")
    event = make_event(organiser=organiser, rule="FREQ=WEEKLY;COUNT=4")
    actions.invite(actor=organiser, event=event, people=[guest])
    actions.cancel_event(actor=organiser, event=event, scope="this", occurrence=paris(9))
    assert _days(organiser) == [2, 16, 23]
    before = Event.objects.get(pk=event.pk).sequence
    with django_capture_on_commit_callbacks(execute=True):
        actions.restore_occurrence(actor=organiser, event=event, occurrence=paris(9))
    assert _days(organiser) == [2, 9, 16, 23]
    assert not Occurrence.objects.filter(event=event).exists()
    assert Event.objects.get(pk=event.pk).sequence == before + 1
    entry = AuditEntry.objects.get(action="agenda.occurrence_restored")
    assert entry.extra == {"occurrence": "2026-03-09T08:00:00+00:00"}
    assert entry.old_value["cancelled"] is True
    assert Notification.objects.filter(recipient=guest, kind="event_changed").count() == 1
    (request,) = mailoutbox
    assert request.to == ["invitee@example.org"] and request.subject.startswith("[Cercle] Modifié")


def test_a_changed_occurrence_is_put_back_as_the_series_has_it() -> None:
    organiser = make_user()
    event = make_event(organiser=organiser, rule="FREQ=WEEKLY;COUNT=4")
    actions.change_event(
        actor=organiser,
        event=event,
        scope="this",
        occurrence=paris(9),
        details=actions.Details(title="Déplacé"),
    )
    actions.restore_occurrence(actor=organiser, event=event, occurrence=paris(9))
    titles = {o.title for o in queries.occurrences_between(organiser, MARCH)}
    assert titles == {event.title}


def test_bad_requests_are_refused_and_change_nothing() -> None:
    organiser, other = make_user(), make_user()
    event = make_event(organiser=organiser, rule="FREQ=WEEKLY;COUNT=4")
    actions.cancel_event(actor=organiser, event=event, scope="this", occurrence=paris(9))
    single = make_event(organiser=organiser)
    with pytest.raises(PermissionDenied):
        actions.restore_occurrence(actor=other, event=event, occurrence=paris(9))
    with pytest.raises(ValidationError) as refused:
        actions.restore_occurrence(actor=organiser, event=event, occurrence=paris(16))
    assert "occurrence" in refused.value.message_dict
    with pytest.raises(ValidationError):
        actions.restore_occurrence(actor=organiser, event=event, occurrence=None)
    with pytest.raises(ValidationError):
        actions.restore_occurrence(actor=organiser, event=single, occurrence=paris(2))
    assert Occurrence.objects.filter(event=event, cancelled=True).count() == 1
    assert not AuditEntry.objects.filter(action="agenda.occurrence_restored").exists()


def test_the_event_page_offers_restoring_to_the_organiser_only() -> None:
    organiser, colleague = make_user(), make_user()
    event = make_event(organiser=organiser, rule="FREQ=WEEKLY;COUNT=4")
    actions.cancel_event(actor=organiser, event=event, scope="this", occurrence=paris(9))
    page = api(organiser).get(f"/agenda/events/{event.pk}/").content.decode()
    assert "Occurrences annulées" in page and f"/agenda/events/{event.pk}/restore" in page
    assert "2026-03-09T08:00:00+00:00" in page
    seen = api(colleague).get(f"/agenda/events/{event.pk}/").content.decode()
    assert "/restore" not in seen
    url = f"/agenda/events/{event.pk}/restore"
    # Someone who may not change it: a 403, nothing changed.
    refused = api(colleague).post(url, {"occurrence": "2026-03-09T08:00:00+00:00"})
    assert refused.status_code == 403
    # An occurrence that cannot be read: a 404; one that is not cancelled: a message.
    client = api(organiser)
    assert client.post(url, {"occurrence": "not a date"}).status_code == 404
    assert client.post(url, {"occurrence": "2026-03-09T08:00:00"}).status_code == 404
    answer = client.post(url, {"occurrence": "2026-03-16T08:00:00+00:00"}, follow=True)
    assert answer.status_code == 200
    assert "ni annulée ni modifiée" in answer.content.decode()
    assert Occurrence.objects.filter(event=event, cancelled=True).count() == 1
    done = client.post(url, {"occurrence": "2026-03-09T08:00:00+00:00"})
    assert done.status_code == 302 and done["Location"] == f"/agenda/events/{event.pk}/"
    assert not Occurrence.objects.filter(event=event).exists()
    assert client.get(f"/agenda/events/{event.pk}/").content.decode().count("/restore") == 0


def test_the_list_of_cancelled_occurrences_costs_the_same_whatever_its_length() -> None:
    organiser = make_user()
    event = make_event(organiser=organiser, rule="FREQ=DAILY;COUNT=20")
    client = api(organiser)
    actions.cancel_event(actor=organiser, event=event, scope="this", occurrence=paris(3))
    client.get(f"/agenda/events/{event.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/agenda/events/{event.pk}/")
    for day in range(4, 12):
        actions.cancel_event(actor=organiser, event=event, scope="this", occurrence=paris(day))
    with CaptureQueriesContext(connection) as more:
        page = client.get(f"/agenda/events/{event.pk}/").content.decode()
    assert page.count("Rétablir cette occurrence") == 9
    assert len(more) == len(few)
