"""Importing .ics files: what clients export (a series with EXDATE and an override, all-day,
floating and zoned times) becomes events and occurrences; bad events are refused with a reason
and leave nothing; a file that is not iCalendar changes nothing; a round trip of Cercle's own
export gives the same occurrences."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cercle.agenda import actions, ical, ics_import, queries
from cercle.agenda.models import Event, Occurrence
from cercle.agenda.recurrence import Window
from tests.factories import make_event, make_user
from tests.helpers.api import api

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")

FILE = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN\r
BEGIN:VTIMEZONE\r
TZID:Europe/Paris\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
TZNAME:CEST\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
TZNAME:CET\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r
END:STANDARD\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:weekly-1@example.org\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Point hebdo\r
LOCATION:Salle 3\r
DTSTART;TZID=Europe/Paris:20260302T093000\r
DTEND;TZID=Europe/Paris:20260302T101500\r
RRULE:FREQ=WEEKLY;COUNT=6\r
EXDATE;TZID=Europe/Paris:20260309T093000\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:weekly-1@example.org\r
DTSTAMP:20260101T000000Z\r
RECURRENCE-ID;TZID=Europe/Paris:20260316T093000\r
SUMMARY:Point hebdo (d\xc3\xa9plac\xc3\xa9)\r
DTSTART;TZID=Europe/Paris:20260316T140000\r
DTEND;TZID=Europe/Paris:20260316T144500\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:holiday@example.org\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Pont de l'Ascension\r
DTSTART;VALUE=DATE:20260515\r
DTEND;VALUE=DATE:20260516\r
CLASS:PRIVATE\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:floating@example.org\r
DTSTAMP:20260101T000000Z\r
SUMMARY:Caf\xc3\xa9\r
DTSTART:20260304T160000\r
DURATION:PT30M\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:backwards@example.org\r
DTSTAMP:20260101T000000Z\r
SUMMARY:\xc3\x80 l'envers\r
DTSTART:20260305T160000Z\r
DTEND:20260305T150000Z\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:untitled@example.org\r
DTSTAMP:20260101T000000Z\r
DTSTART:20260306T160000Z\r
DTEND:20260306T170000Z\r
END:VEVENT\r
END:VCALENDAR\r
"""


def _march(user: Any) -> list[Any]:
    window = Window(
        dt.datetime(2026, 3, 1, tzinfo=PARIS), dt.datetime(2026, 6, 1, tzinfo=PARIS), "Europe/Paris"
    )
    return queries.occurrences_between(user, window, [actions.personal_calendar(user)])


def test_a_client_export_is_imported_with_its_exceptions_and_a_report() -> None:
    anne = make_user()
    report = ics_import.import_ics(actor=anne, calendar=actions.personal_calendar(anne), data=FILE)
    assert sorted(report.imported) == ["Café", "Point hebdo", "Pont de l'Ascension"]
    refused = dict(report.refused)
    assert set(refused) == {"À l'envers", "untitled@example.org"}
    assert "title" in refused["untitled@example.org"] or "titre" in refused["untitled@example.org"]
    weekly = Event.objects.get(uid="weekly-1@example.org")
    assert weekly.time_zone == "Europe/Paris" and weekly.place == "Salle 3"
    occurrences = [o for o in _march(anne) if o.event.pk == weekly.pk]
    starts = [o.timing.start.astimezone(PARIS) for o in occurrences]
    assert dt.datetime(2026, 3, 9, 9, 30, tzinfo=PARIS) not in starts  # EXDATE
    assert dt.datetime(2026, 3, 16, 14, 0, tzinfo=PARIS) in starts  # moved
    assert dt.datetime(2026, 3, 30, 9, 30, tzinfo=PARIS) in starts  # after summer time, 09:30
    assert len(starts) == 5
    holiday = Event.objects.get(uid="holiday@example.org")
    assert holiday.all_day and holiday.visibility == "private"
    cafe = Event.objects.get(uid="floating@example.org")
    assert cafe.start == dt.datetime(2026, 3, 4, 16, tzinfo=ZoneInfo(anne.time_zone))
    assert cafe.end - cafe.start == dt.timedelta(minutes=30)
    assert not Event.objects.filter(uid__in=["backwards@example.org", "untitled@example.org"])
    # The same file again: nothing doubles.
    again = ics_import.import_ics(actor=anne, calendar=actions.personal_calendar(anne), data=FILE)
    assert again.imported == [] and len(again.refused) == 5
    assert Event.objects.count() == 3


@pytest.mark.parametrize(
    "data", [b"", b"hello", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", b"\xff\xfe"]
)
def test_a_file_that_is_not_icalendar_changes_nothing(data: bytes) -> None:
    anne = make_user()
    with pytest.raises(ValidationError):
        ics_import.import_ics(actor=anne, calendar=actions.personal_calendar(anne), data=data)
    assert Event.objects.count() == 0


def test_only_those_who_may_write_import() -> None:
    anne, bob = make_user(), make_user()
    with pytest.raises(PermissionDenied):
        ics_import.import_ics(actor=bob, calendar=actions.personal_calendar(anne), data=FILE)
    assert Event.objects.count() == 0


def test_export_then_import_gives_the_same_occurrences() -> None:
    anne, bob = make_user(), make_user()
    event = make_event(organiser=anne, rule="FREQ=WEEKLY;COUNT=5", title="Série")
    actions.cancel_event(
        actor=anne, event=event, scope="this", occurrence=dt.datetime(2026, 3, 9, 9, tzinfo=PARIS)
    )
    actions.change_event(
        actor=anne,
        event=event,
        scope="this",
        occurrence=dt.datetime(2026, 3, 16, 9, tzinfo=PARIS),
        details=actions.Details(title="Série (déplacée)"),
    )
    exported = ical.calendar_bytes([(Event.objects.get(pk=event.pk), False)])
    Event.objects.filter(pk=event.pk).update(uid="old@cercle")  # so the UID is free again
    report = ics_import.import_ics(
        actor=bob, calendar=actions.personal_calendar(bob), data=exported
    )
    assert report.imported == ["Série"]

    def shape(user: Any) -> list[tuple[Any, str]]:
        return [(o.timing.start, o.title) for o in _march(user)]

    assert shape(bob) == shape(anne)
    assert Occurrence.objects.filter(event__calendar__owner=bob).count() == 2


def test_the_page_imports_an_upload_and_shows_the_report() -> None:
    anne = make_user()
    client = api(anne)
    assert client.get("/agenda/import/").status_code == 200
    calendar = actions.personal_calendar(anne)
    response = client.post(
        "/agenda/import/",
        {"calendar": calendar.pk, "file": SimpleUploadedFile("agenda.ics", FILE, "text/calendar")},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "3 événements importés" in page and "À l&#x27;envers" in page
    program = client.post(
        "/agenda/import/",
        {
            "calendar": calendar.pk,
            "file": SimpleUploadedFile("x.ics", b"MZ\x90\x00" + b"\x00" * 64),
        },
    )
    assert program.status_code == 400
    not_ics = client.post(
        "/agenda/import/",
        {"calendar": calendar.pk, "file": io.BytesIO(b"just words")},
    )
    assert not_ics.status_code == 400
    assert Event.objects.count() == 3
