"""CalDAV with times at the edges of what a calendar can say (the year 1, 9999): an answer or a
clear 4xx, never a 500 (the API refuses these years with `recurrence.check_years`; CalDAV
clients send such ranges to mean "everything")."""

from __future__ import annotations

import datetime as dt

import pytest

from cercle.agenda.models import Event
from tests.agenda.caldav.test_protocol import Dav, ics
from tests.agenda.caldav.test_scheduling import FREEBUSY
from tests.factories import make_event, make_user

pytestmark = pytest.mark.django_db

EDGES = [
    ("00010101T000000Z", "99991231T235959Z"),
    ("00010101T000000Z", "00020101T000000Z"),
    ("99990101T000000Z", "99991231T235959Z"),
    ("19700101T000000Z", "99991231T235959Z"),
]


def _query(start: str, end: str, inner: str = "", data: str = "<c:calendar-data/>") -> str:
    return (
        "<c:calendar-query xmlns:d='DAV:' xmlns:c='urn:ietf:params:xml:ns:caldav'>"
        f"<d:prop><d:getetag/>{data}</d:prop><c:filter><c:comp-filter name='VCALENDAR'>"
        f"<c:comp-filter name='VEVENT'><c:time-range start='{start}' end='{end}'/>{inner}"
        "</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"
    )


@pytest.mark.parametrize(("start", "end"), EDGES)
def test_time_ranges_at_the_calendars_edges_answer(start: str, end: str) -> None:
    user = make_user()
    make_event(organiser=user, title="Hebdo", start=dt.datetime(2026, 1, 5, 9), rule="FREQ=WEEKLY")
    make_event(organiser=user, title="Mars", start=dt.datetime(2026, 3, 10, 9))
    dav = Dav(user)
    alarm = ics(
        "alarm@test",
        extra="BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT15M\r\nDESCRIPTION:x\r\nEND:VALARM\r\n",
    )
    assert dav.request("PUT", dav.personal + "alarm.ics", alarm).status_code == 201
    bodies = [
        _query(start, end),
        _query(
            start,
            end,
            data=f"<c:calendar-data><c:expand start='{start}' end='{end}'/></c:calendar-data>",
        ),
        _query(
            start,
            end,
            inner=f"<c:comp-filter name='VALARM'><c:time-range start='{start}' "
            f"end='{end}'/></c:comp-filter>",
        ),
        _query(
            start,
            end,
            inner="<c:prop-filter name='SUMMARY'><c:text-match>Mars</c:text-match></c:prop-filter>",
        ),
        "<c:free-busy-query xmlns:c='urn:ietf:params:xml:ns:caldav'>"
        f"<c:time-range start='{start}' end='{end}'/></c:free-busy-query>",
    ]
    for body in bodies:
        response = dav.request("REPORT", dav.personal, body, depth="1")
        assert response.status_code in {200, 207, 400, 403}, (
            body,
            response.status_code,
            response.content[:300],
        )


@pytest.mark.parametrize(("start", "end"), EDGES)
def test_free_busy_requests_at_the_calendars_edges_answer(start: str, end: str) -> None:
    user = make_user(email="org@example.org")
    make_user(email="lea@example.org")
    dav = Dav(user)
    body = (
        FREEBUSY.format(
            organizer="org@example.org", attendees="ATTENDEE:mailto:lea@example.org\r\n"
        )
        .replace("DTSTART:20260310T000000Z", f"DTSTART:{start}")
        .replace("DTEND:20260311T000000Z", f"DTEND:{end}")
    )
    response = dav.client.generic(
        "POST",
        f"/caldav/principals/{user.pk}/outbox/",
        body,
        content_type="text/calendar",
        HTTP_AUTHORIZATION=dav.auth,
    )
    assert response.status_code in {200, 400, 403}, response.content[:300]


@pytest.mark.parametrize("year", ["0001", "0999", "3000", "9999"])
def test_an_event_beyond_the_kept_years_is_refused_and_changes_nothing(year: str) -> None:
    user = make_user()
    dav = Dav(user)
    body = ics("far@test", start=f"{year}0310T090000")
    response = dav.request("PUT", dav.personal + "far.ics", body)
    assert response.status_code in {400, 403}, response.content[:300]
    assert not Event.objects.filter(uid="far@test").exists()
