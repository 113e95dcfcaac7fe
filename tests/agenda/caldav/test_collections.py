"""Calendars a person makes from a CalDAV client (MKCALENDAR, PROPPATCH, DELETE), the objects
Cercle keeps as written (to-dos, journal entries), and the event properties Cercle does not
model (CATEGORIES, VALARM, RELATED-TO) kept through a round trip: Django's test client."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from cercle.agenda import actions, personal_data, queries
from cercle.agenda.caldav.models import EventSource, RawObject
from cercle.agenda.models import Calendar, Event
from cercle.agenda.recurrence import Timing
from cercle.core.personal_data import ExportWriter
from tests.agenda.caldav.test_protocol import NS, Dav, ics, xml
from tests.factories import make_space, make_user

pytestmark = pytest.mark.django_db

MKCALENDAR = """<?xml version="1.0"?>
<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"
 xmlns:i="http://apple.com/ns/ical/"><d:set><d:prop>
 <d:displayname>Tâches</d:displayname><i:calendar-color>#CF222EFF</i:calendar-color>
 <c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set>
</d:prop></d:set></c:mkcalendar>"""

HOME_PROPS = """<?xml version="1.0"?><d:propfind xmlns:d="DAV:"
 xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:i="http://apple.com/ns/ical/"><d:prop>
 <d:displayname/><i:calendar-color/><i:calendar-order/><c:supported-calendar-component-set/>
 <d:resourcetype/></d:prop></d:propfind>"""

TODO = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//client//EN\r\n"
    "BEGIN:VTODO\r\nUID:todo-1@test\r\nDTSTAMP:20260101T000000Z\r\n"
    "DTSTART:20260310T090000Z\r\nDUE:20260312T170000Z\r\nSUMMARY:Relire le budget\r\n"
    "CATEGORIES:Finance,Urgent\r\nX-CLIENT-THING:kept as is\r\n"
    "END:VTODO\r\nEND:VCALENDAR\r\n"
)


def todo_query(start: str, end: str) -> str:
    return (
        "<c:calendar-query xmlns:c='urn:ietf:params:xml:ns:caldav' xmlns:d='DAV:'>"
        "<d:prop><d:getetag/><c:calendar-data/></d:prop>"
        "<c:filter><c:comp-filter name='VCALENDAR'><c:comp-filter name='VTODO'>"
        f"<c:time-range start='{start}' end='{end}'/>"
        "</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"
    )


def test_a_person_makes_lists_changes_and_deletes_a_calendar_of_their_own() -> None:
    user = make_user()
    other = make_user()
    dav = Dav(user)
    made = dav.request("MKCALENDAR", dav.home + "taches@home/", MKCALENDAR)
    assert made.status_code == 201, made.content
    calendar = Calendar.objects.get(owner=user, extra=True)
    assert calendar.name == "Tâches" and calendar.colour == "red"
    # In the person's agenda, with their own calendar, and only there.
    assert calendar in queries.my_calendars(user)
    assert queries.calendar_name(calendar) == "Tâches"
    assert calendar not in queries.my_calendars(other)
    # In the calendar home, as written.
    listing = xml(dav.request("PROPFIND", dav.home, HOME_PROPS, depth="1"))
    by_href = {r.findtext("d:href", namespaces=NS): r for r in listing.findall("d:response", NS)}
    mine = by_href[dav.home + "taches@home/"]
    assert mine.findtext(".//d:displayname", namespaces=NS) == "Tâches"
    assert mine.findtext(".//{http://apple.com/ns/ical/}calendar-color") == "#CF222EFF"
    comps = [x.get("name") for x in mine.findall(".//c:comp", NS)]
    assert comps == ["VTODO"]
    assert dav.personal in by_href  # the main calendar is still there

    # The same name again, a name Cercle keeps, another person's home: refused.
    assert dav.request("MKCALENDAR", dav.home + "taches@home/", MKCALENDAR).status_code == 405
    assert dav.request("MKCALENDAR", dav.home + "space-999999/", MKCALENDAR).status_code == 403
    assert dav.request("MKCALENDAR", dav.personal, MKCALENDAR).status_code == 405
    other_home = f"/caldav/calendars/{other.pk}/x/"
    assert dav.request("MKCALENDAR", other_home, MKCALENDAR).status_code == 404
    plain_mkcol = "<d:mkcol xmlns:d='DAV:'><d:set><d:prop><d:resourcetype><d:collection/>"
    plain_mkcol += "</d:resourcetype></d:prop></d:set></d:mkcol>"
    assert dav.request("MKCOL", dav.home + "folder/", plain_mkcol).status_code == 403
    assert Calendar.objects.filter(owner=user).count() == 2

    # A to-do calendar holds no event.
    refused = dav.request("PUT", dav.home + "taches@home/e.ics", ics("e@test"))
    assert refused.status_code == 403 and b"supported-calendar-component" in refused.content

    # PROPPATCH: name, colour, order; all or nothing.
    patch = (
        "<d:propertyupdate xmlns:d='DAV:' xmlns:i='http://apple.com/ns/ical/'><d:set><d:prop>"
        "<d:displayname>Courses</d:displayname><i:calendar-color>#2DA44E</i:calendar-color>"
        "<i:calendar-order>3</i:calendar-order></d:prop></d:set></d:propertyupdate>"
    )
    answer = xml(dav.request("PROPPATCH", dav.home + "taches@home/", patch))
    assert [s.text for s in answer.findall(".//d:status", NS)] == ["HTTP/1.1 200 OK"]
    calendar.refresh_from_db()
    assert (calendar.name, calendar.colour) == ("Courses", "green")
    listing = xml(dav.request("PROPFIND", dav.home + "taches@home/", HOME_PROPS, depth="0"))
    assert listing.findtext(".//{http://apple.com/ns/ical/}calendar-order") == "3"
    bad = patch.replace("<i:calendar-order>3</i:calendar-order>", "<d:getetag>x</d:getetag>")
    answer = xml(dav.request("PROPPATCH", dav.home + "taches@home/", bad))
    statuses = sorted(s.text for s in answer.findall(".//d:status", NS))
    assert statuses == ["HTTP/1.1 403 Forbidden", "HTTP/1.1 424 Failed Dependency"]
    calendar.refresh_from_db()
    assert calendar.name == "Courses"
    # The main calendar: renamed in the applications only (in Cercle it bears its owner's name).
    answer = xml(dav.request("PROPPATCH", dav.personal, patch))
    assert [s.text for s in answer.findall(".//d:status", NS)] == ["HTTP/1.1 200 OK"]
    listing = xml(dav.request("PROPFIND", dav.personal, HOME_PROPS, depth="0"))
    assert listing.findtext(".//d:displayname", namespaces=NS) == "Courses"
    assert queries.calendar_name(actions.personal_calendar(user)) == user.display_name

    # DELETE: a calendar one made, yes (with what it holds); the main one, no.
    assert dav.request("PUT", dav.home + "taches@home/t.ics", TODO).status_code == 201
    assert dav.request("DELETE", dav.personal).status_code == 403
    assert dav.request("DELETE", dav.home + "taches@home/").status_code == 204
    assert not Calendar.objects.filter(owner=user, extra=True).exists()
    assert not RawObject.objects.exists()
    assert dav.request("PROPFIND", dav.home + "taches@home/", HOME_PROPS).status_code == 404
    # The name is free again.
    assert dav.request("MKCALENDAR", dav.home + "taches@home/").status_code == 201


def test_events_of_a_calendar_one_made_are_in_the_agenda_and_deleted_with_it() -> None:
    user = make_user()
    dav = Dav(user)
    assert dav.request("MKCALENDAR", dav.home + "work/").status_code == 201
    assert dav.request("PUT", dav.home + "work/a.ics", ics("in-work@test")).status_code == 201
    event = Event.objects.get(uid="in-work@test")
    assert event.calendar.extra and event.calendar.owner_id == user.pk
    assert queries.can_write_in(user, event.calendar)
    # The agenda's page shows it among the person's calendars, with its event.
    browser = Client()
    browser.force_login(user)
    page = browser.get(reverse("agenda"), {"calendar": event.calendar.pk, "date": "2026-03-10"})
    assert page.status_code == 200
    assert b'value="%d" checked' % event.calendar.pk in page.content
    assert "Café" in page.content.decode()
    assert dav.request("DELETE", dav.home + "work/").status_code == 204
    assert not Event.objects.filter(uid="in-work@test").exists()


def test_a_to_do_and_a_journal_entry_round_trip_as_written() -> None:
    user = make_user()
    dav = Dav(user)
    href = dav.personal + "todo-1.ics"
    token_before = xml(
        dav.request(
            "REPORT",
            dav.personal,
            "<d:sync-collection xmlns:d='DAV:'><d:sync-token/><d:sync-level>1</d:sync-level>"
            "<d:prop><d:getetag/></d:prop></d:sync-collection>",
        )
    ).findtext("d:sync-token", namespaces=NS)
    put = dav.request("PUT", href, TODO, **{"If-None-Match": "*"})
    assert put.status_code == 201, put.content
    tag = put["ETag"]
    got = dav.request("GET", href)
    assert got.content == TODO.encode() and got["ETag"] == tag
    # Listed, found by time range (and not outside it), by multiget, by sync.
    listing = xml(dav.request("PROPFIND", dav.personal, HOME_PROPS, depth="1"))
    assert href in [h.text for h in listing.findall(".//d:href", NS)]
    found = xml(
        dav.request("REPORT", dav.personal, todo_query("20260311T000000Z", "20260320T000000Z"))
    )
    # (XML reads CRLF as LF)
    assert found.findtext(".//c:calendar-data", namespaces=NS) == TODO.replace("\r\n", "\n")
    none = xml(
        dav.request("REPORT", dav.personal, todo_query("20270101T000000Z", "20270201T000000Z"))
    )
    assert none.find("d:response", NS) is None
    events_only = todo_query("20260101T000000Z", "20261231T000000Z").replace("VTODO", "VEVENT")
    assert xml(dav.request("REPORT", dav.personal, events_only)).find("d:response", NS) is None
    multiget = (
        "<c:calendar-multiget xmlns:c='urn:ietf:params:xml:ns:caldav' xmlns:d='DAV:'>"
        f"<d:prop><d:getetag/></d:prop><d:href>{href}</d:href></c:calendar-multiget>"
    )
    assert (
        xml(dav.request("REPORT", dav.personal, multiget)).findtext(".//d:getetag", namespaces=NS)
        == tag
    )
    changes = xml(
        dav.request(
            "REPORT",
            dav.personal,
            "<d:sync-collection xmlns:d='DAV:'>"
            f"<d:sync-token>{token_before}</d:sync-token><d:sync-level>1</d:sync-level>"
            "<d:prop><d:getetag/></d:prop></d:sync-collection>",
        )
    )
    assert [h.text for h in changes.findall("d:response/d:href", NS)] == [href]
    # Text search on its categories.
    by_category = (
        "<c:calendar-query xmlns:c='urn:ietf:params:xml:ns:caldav' xmlns:d='DAV:'>"
        "<d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name='VCALENDAR'>"
        "<c:comp-filter name='VTODO'><c:prop-filter name='CATEGORIES'>"
        "<c:text-match>urgent</c:text-match></c:prop-filter>"
        "</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"
    )
    assert len(xml(dav.request("REPORT", dav.personal, by_category)).findall("d:response", NS)) == 1

    # Its UID is its own in this calendar; a stale If-Match is refused; bad text too.
    again = dav.request("PUT", dav.personal + "other.ics", TODO)
    assert again.status_code == 403 and b"no-uid-conflict" in again.content
    as_event = dav.request("PUT", dav.personal + "e.ics", ics("todo-1@test"))
    assert as_event.status_code == 403 and not Event.objects.filter(uid="todo-1@test").exists()
    # A space's calendar holds events only.
    space = make_space(owner=user, name="Équipe")
    in_space = dav.request("PUT", dav.home + f"space-{space.pk}/t.ics", TODO)
    assert in_space.status_code == 403 and b"supported-calendar-component" in in_space.content
    stale = dav.request("PUT", href, TODO.replace("budget", "bilan"), **{"If-Match": '"x"'})
    assert stale.status_code == 412
    broken = dav.request("PUT", href, TODO.replace("BEGIN:VTODO\r\n", ""))
    assert 400 <= broken.status_code < 500
    assert RawObject.objects.get().data == TODO
    # Completed: written again, with its ETag.
    done = TODO.replace("SUMMARY", "STATUS:COMPLETED\r\nSUMMARY")
    assert dav.request("PUT", href, done, **{"If-Match": tag}).status_code == 204
    assert dav.request("GET", href).content == done.encode()

    journal = TODO.replace("VTODO", "VJOURNAL").replace("todo-1", "journal-1")
    journal = journal.replace("DUE:20260312T170000Z\r\n", "")
    assert dav.request("PUT", dav.personal + "j.ics", journal).status_code == 201
    assert dav.request("GET", dav.personal + "j.ics").content == journal.encode()

    # In the person's data export, both.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        personal_data.export(user, ExportWriter(archive))
    exported = zipfile.ZipFile(buffer).read("agenda/tasks.ics").decode()
    assert "UID:todo-1@test" in exported and "UID:journal-1@test" in exported

    assert dav.request("DELETE", href, **{"If-Match": '"stale"'}).status_code == 412
    assert dav.request("DELETE", href).status_code == 204
    assert dav.request("GET", href).status_code == 404
    assert not RawObject.objects.filter(uid="todo-1@test").exists()


ALARMED = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//client//EN\r\n"
    "BEGIN:VEVENT\r\nUID:alarmed@test\r\nDTSTAMP:20260101T000000Z\r\n"
    "DTSTART:20260310T090000Z\r\nSUMMARY:Revue\r\nCATEGORIES:Projet\r\n"
    "RELATED-TO:parent@test\r\n"
    "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Revue\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_what_cercle_does_not_model_on_an_event_comes_back() -> None:
    user = make_user()
    dav = Dav(user)
    href = dav.personal + "alarmed.ics"
    assert dav.request("PUT", href, ALARMED).status_code == 201
    # As written, while nobody changed it.
    assert dav.request("GET", href).content == ALARMED.encode()
    query = (
        "<c:calendar-query xmlns:c='urn:ietf:params:xml:ns:caldav' xmlns:d='DAV:'>"
        "<d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name='VCALENDAR'>"
        "<c:comp-filter name='VEVENT'>{}</c:comp-filter></c:comp-filter></c:filter>"
        "</c:calendar-query>"
    )
    category = (
        "<c:prop-filter name='CATEGORIES'><c:text-match>projet</c:text-match></c:prop-filter>"
    )
    no_end = "<c:prop-filter name='DTEND'><c:is-not-defined/></c:prop-filter>"
    alarm = "<c:comp-filter name='VALARM'/>"
    # The alarm rings at 08:45 UTC.
    ringing = (
        "<c:comp-filter name='VALARM'>"
        "<c:time-range start='20260310T084000Z' end='20260310T085000Z'/></c:comp-filter>"
    )
    for part in (category, no_end, alarm, ringing):
        found = xml(dav.request("REPORT", dav.personal, query.format(part)))
        assert len(found.findall("d:response", NS)) == 1, part
    other = "<c:prop-filter name='CATEGORIES'><c:text-match>x</c:text-match></c:prop-filter>"
    silent = ringing.replace("T084000Z", "T085000Z").replace("T085000Z'/>", "T090000Z'/>")
    for part in (other, silent):
        answer = xml(dav.request("REPORT", dav.personal, query.format(part)))
        assert answer.find("d:response", NS) is None, part

    # Changed in Cercle: Cercle's event, and what it does not model kept.
    event = Event.objects.get(uid="alarmed@test")
    actions.change_event(
        actor=user,
        event=event,
        details=actions.Details(title="Revue du projet"),
        timing=Timing.timed(event.start, event.end, event.time_zone),
    )
    body = dav.request("GET", href).content.decode()
    assert "SUMMARY:Revue du projet" in body
    assert "CATEGORIES:Projet" in body and "RELATED-TO:parent@test" in body
    assert "BEGIN:VALARM" in body and "TRIGGER:-PT15M" in body
    assert EventSource.objects.filter(event=event).exists()
