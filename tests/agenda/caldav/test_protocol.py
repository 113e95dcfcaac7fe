"""The CalDAV server through Django's test client: discovery, authentication, PROPFIND, the
REPORTs, PUT and DELETE with ETags, rights, bad input (never a 500), query counts."""

from __future__ import annotations

import base64
import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

import icalendar
import pytest
from defusedxml import ElementTree as SafeET
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cercle.accounts.actions.auth import create_api_token
from cercle.agenda import actions
from cercle.agenda.models import Event, Occurrence
from cercle.audit.models import AuditEntry
from cercle.spaces import queries as space_queries
from tests.factories import add_member, make_event, make_space, make_user

pytestmark = pytest.mark.django_db
NS = {"d": "DAV:", "c": "urn:ietf:params:xml:ns:caldav", "cs": "http://calendarserver.org/ns/"}


def basic(login: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{login}:{secret}".encode()).decode()


class Dav:
    def __init__(self, user: Any) -> None:
        self.user = user
        _, self.secret = create_api_token(user=user, name="CalDAV")
        self.client = Client()
        self.auth = basic(user.username, self.secret)

    def request(self, method: str, path: str, body: str | bytes = b"", **headers: str) -> Any:
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        return self.client.generic(
            method,
            path,
            body,
            content_type="application/xml" if method != "PUT" else "text/calendar",
            HTTP_AUTHORIZATION=self.auth,
            **extra,
        )

    @property
    def home(self) -> str:
        return f"/caldav/calendars/{self.user.pk}/"

    @property
    def personal(self) -> str:
        return self.home + "personal/"


def xml(response: Any) -> ET.Element:
    assert response.status_code == 207, response.content
    root: ET.Element = SafeET.fromstring(response.content)
    return root


def ics(uid: str, summary: str = "Café", extra: str = "", start: str = "20260310T090000") -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        "BEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART;TZID=Europe/Paris:{start}\r\nDTEND;TZID=Europe/Paris:{start[:9]}100000\r\n"
        f"SUMMARY:{summary}\r\n{extra}"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


PROPS = """<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"
 xmlns:cs="http://calendarserver.org/ns/"><d:prop><d:displayname/><d:resourcetype/>
 <cs:getctag/><d:sync-token/><c:supported-calendar-component-set/><d:current-user-privilege-set/>
 <d:getetag/><c:calendar-home-set/><d:current-user-principal/></d:prop></d:propfind>"""


def test_well_known_redirects_to_the_root() -> None:
    response = Client().get("/.well-known/caldav")
    assert response.status_code == 301
    assert response["Location"] == "/caldav/"


def test_authentication_by_app_token_only() -> None:
    user = make_user(username="alice")
    dav = Dav(user)
    assert Client().generic("PROPFIND", "/caldav/").status_code == 401
    assert "Basic" in Client().generic("PROPFIND", "/caldav/")["WWW-Authenticate"]
    # The password is not an app token; a session is not enough either.
    wrong = Client().generic("PROPFIND", "/caldav/", HTTP_AUTHORIZATION=basic("alice", "password"))
    assert wrong.status_code == 401
    session = Client()
    session.force_login(user)
    assert session.generic("PROPFIND", "/caldav/").status_code == 401
    # Another person's name with my token: refused.
    other = make_user(username="bob")
    bad = Client().generic("PROPFIND", "/caldav/", HTTP_AUTHORIZATION=basic("bob", dav.secret))
    assert bad.status_code == 401 and other.pk
    by_email = Client().generic(
        "PROPFIND", "/caldav/", HTTP_AUTHORIZATION=basic(user.email.upper(), dav.secret)
    )
    assert by_email.status_code == 207
    for garbage in ("Basic !!!", "Basic " + base64.b64encode(b"\xff\xfe").decode(), "Bearer x"):
        assert (
            Client().generic("PROPFIND", "/caldav/", HTTP_AUTHORIZATION=garbage).status_code == 401
        )


def test_principal_and_home_list_the_calendars() -> None:
    user = make_user()
    space = make_space(owner=make_user(), name="Projet Alpha")
    add_member(space, user)
    read_only = make_space(owner=make_user(), name="Annonces", kind="open", is_organisation=False)
    dav = Dav(user)
    root = xml(dav.request("PROPFIND", "/caldav/", PROPS, depth="0"))
    principal = root.find(".//d:current-user-principal/d:href", NS)
    assert principal is not None and principal.text == f"/caldav/principals/{user.pk}/"
    found = xml(dav.request("PROPFIND", principal.text, PROPS, depth="0"))
    assert found.find(".//c:calendar-home-set/d:href", NS).text == dav.home  # type: ignore[union-attr]
    listing = xml(dav.request("PROPFIND", dav.home, PROPS, depth="1"))
    names = {
        r.findtext("d:href", namespaces=NS): r.findtext(".//d:displayname", namespaces=NS)
        for r in listing.findall("d:response", NS)
    }
    assert names[dav.personal] == user.display_name
    assert names[dav.home + f"space-{space.pk}/"] == "Projet Alpha"
    assert dav.home + f"space-{read_only.pk}/" not in names  # not a member: not in the home
    calendar = listing.find(f"d:response[d:href='{dav.personal}']", NS)
    assert calendar is not None
    assert calendar.find(".//d:resourcetype/c:calendar", NS) is not None
    assert calendar.find(".//c:supported-calendar-component-set/c:comp", NS).get("name") == "VEVENT"  # type: ignore[union-attr]
    assert calendar.find(".//d:current-user-privilege-set//d:write", NS) is not None
    assert calendar.findtext(".//cs:getctag", namespaces=NS) == calendar.findtext(
        ".//d:sync-token", namespaces=NS
    )


def test_put_get_etag_and_conditional_requests() -> None:
    user = make_user()
    dav = Dav(user)
    href = dav.personal + "my-event.ics"
    created = dav.request("PUT", href, ics("abc@test"), if_none_match="*")
    assert created.status_code == 201, created.content
    tag = created["ETag"]
    event = Event.objects.get(uid="abc@test")
    assert event.title == "Café" and event.time_zone == "Europe/Paris"
    assert event.start == dt.datetime(2026, 3, 10, 8, tzinfo=dt.UTC)
    again = dav.request("PUT", href, ics("abc@test"), if_none_match="*")
    assert again.status_code == 412
    got = dav.request("GET", href)
    assert got.status_code == 200 and got["ETag"] == tag
    parsed = icalendar.Calendar.from_ical(got.content)
    assert parsed.walk("VEVENT")[0]["SUMMARY"] == "Café"
    stale = dav.request("PUT", href, ics("abc@test", "Thé"), if_match='"stale"')
    assert stale.status_code == 412
    assert Event.objects.get(uid="abc@test").title == "Café"
    changed = dav.request("PUT", href, ics("abc@test", "Thé"), if_match=tag)
    assert changed.status_code == 204 and changed["ETag"] != tag
    assert Event.objects.get(uid="abc@test").title == "Thé"
    # The same UID at another name: refused.
    clash = dav.request("PUT", dav.personal + "other.ics", ics("abc@test"))
    assert clash.status_code == 403 and b"no-uid-conflict" in clash.content
    assert dav.request("DELETE", href, if_match='"stale"').status_code == 412
    assert dav.request("DELETE", href, if_match=changed["ETag"]).status_code == 204
    assert not Event.objects.filter(uid="abc@test").exists()
    assert dav.request("GET", href).status_code == 404


def test_recurrence_with_exdate_and_an_override() -> None:
    user = make_user()
    dav = Dav(user)
    body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:weekly@test\r\nDTSTAMP:20260101T000000Z\r\n"
        "DTSTART;TZID=Europe/Paris:20260305T090000\r\nDTEND;TZID=Europe/Paris:20260305T100000\r\n"
        "RRULE:FREQ=WEEKLY;COUNT=6\r\nEXDATE;TZID=Europe/Paris:20260312T090000\r\n"
        "SUMMARY:Point\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:weekly@test\r\nDTSTAMP:20260101T000000Z\r\n"
        "RECURRENCE-ID;TZID=Europe/Paris:20260402T090000\r\n"
        "DTSTART;TZID=Europe/Paris:20260402T140000\r\nDTEND;TZID=Europe/Paris:20260402T150000\r\n"
        "SUMMARY:Point moved\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert dav.request("PUT", dav.personal + "weekly.ics", body).status_code == 201
    event = Event.objects.get(uid="weekly@test")
    rows = {o.recurrence_id: o for o in Occurrence.objects.filter(event=event)}
    # 12 March 09:00 Paris is 08:00 UTC (winter); 2 April 09:00 is 07:00 UTC (summer).
    assert rows[dt.datetime(2026, 3, 12, 8, tzinfo=dt.UTC)].cancelled
    moved = rows[dt.datetime(2026, 4, 2, 7, tzinfo=dt.UTC)]
    assert moved.title == "Point moved"
    assert moved.start == dt.datetime(2026, 4, 2, 12, tzinfo=dt.UTC)
    got = dav.request("GET", dav.personal + "weekly.ics")
    exported = icalendar.Calendar.from_ical(got.content)
    # The ETag is the same however it is read: GET, PROPFIND, sync-collection.
    sync = xml(
        dav.request(
            "REPORT",
            dav.personal,
            '<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level>'
            "<d:prop><d:getetag/></d:prop></d:sync-collection>",
        )
    )
    listing = xml(dav.request("PROPFIND", dav.personal, PROPS, depth="1"))
    tags = {
        sync.findtext(".//d:getetag", namespaces=NS),
        listing.findtext("d:response[2]//d:getetag", namespaces=NS),
    }
    assert tags == {got["ETag"]}
    events = exported.walk("VEVENT")
    assert len(events) == 2
    # Without the EXDATE: the occurrence is back.
    plain = body.replace("EXDATE;TZID=Europe/Paris:20260312T090000\r\n", "")
    assert dav.request("PUT", dav.personal + "weekly.ics", plain).status_code == 204
    assert not Occurrence.objects.filter(event=event, cancelled=True).exists()
    assert Occurrence.objects.filter(event=event, title="Point moved").exists()
    # Through the action: audited, with the occurrence named.
    restored = AuditEntry.objects.get(action="agenda.occurrence_restored")
    assert restored.extra["occurrence"] == "2026-03-12T08:00:00+00:00"
    assert restored.old_value["cancelled"] is True
    # Expanded over March and April: 6 occurrences, the moved one at 14:00 Paris.
    query = """<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
      <d:prop><d:getetag/><c:calendar-data><c:expand start="20260301T000000Z"
      end="20260501T000000Z"/></c:calendar-data></d:prop>
      <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
      <c:time-range start="20260301T000000Z" end="20260501T000000Z"/>
      </c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"""
    found = xml(dav.request("REPORT", dav.personal, query, depth="1"))
    data = found.findtext(".//c:calendar-data", namespaces=NS)
    assert data is not None
    occurrences = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert len(occurrences) == 6
    assert not any("RRULE" in o for o in occurrences)
    starts = sorted(o.decoded("dtstart") for o in occurrences)
    assert dt.datetime(2026, 4, 2, 12, tzinfo=dt.UTC) in starts


def test_time_range_query_and_multiget() -> None:
    user = make_user()
    make_event(organiser=user, title="Mars", start=dt.datetime(2026, 3, 10, 9))
    make_event(organiser=user, title="Avril", start=dt.datetime(2026, 4, 10, 9))
    make_event(organiser=user, title="Hebdo", start=dt.datetime(2026, 1, 5, 9), rule="FREQ=WEEKLY")
    dav = Dav(user)
    query = """<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
      <d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR">
      <c:comp-filter name="VEVENT"><c:time-range start="20260401T000000Z"
      end="20260501T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"""
    found = xml(dav.request("REPORT", dav.personal, query, depth="1"))
    hrefs = [h.text for h in found.findall("d:response/d:href", NS)]
    assert len(hrefs) == 2  # Avril and the weekly series
    multiget = (
        '<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
        "<d:prop><d:getetag/><c:calendar-data/></d:prop>"
        + "".join(f"<d:href>{h}</d:href>" for h in hrefs)
        + f"<d:href>{dav.personal}missing.ics</d:href></c:calendar-multiget>"
    )
    got = xml(dav.request("REPORT", dav.personal, multiget, depth="1"))
    titles = set()
    for data in got.findall(".//c:calendar-data", NS):
        titles.add(str(icalendar.Calendar.from_ical(data.text).walk("VEVENT")[0]["SUMMARY"]))
    assert titles == {"Avril", "Hebdo"}
    statuses = [s.text for s in got.findall("d:response/d:status", NS)]
    assert statuses == ["HTTP/1.1 404 Not Found"]


def test_sync_collection_reports_changes_and_deletions() -> None:
    user = make_user()
    first = make_event(organiser=user, title="Un", start=dt.datetime(2026, 3, 10, 9))
    dav = Dav(user)
    sync = """<d:sync-collection xmlns:d="DAV:"><d:sync-token>{}</d:sync-token>
      <d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"""
    initial = xml(dav.request("REPORT", dav.personal, sync.format("")))
    token = initial.findtext("d:sync-token", namespaces=NS)
    assert token and len(initial.findall("d:response", NS)) == 1
    same = xml(dav.request("REPORT", dav.personal, sync.format(token)))
    assert same.findall("d:response", NS) == []
    assert same.findtext("d:sync-token", namespaces=NS) == token
    # Changes made elsewhere (the pages, the API) are seen too.
    second = make_event(organiser=user, title="Deux", start=dt.datetime(2026, 3, 11, 9))
    actions.cancel_event(actor=user, event=first)
    later = xml(dav.request("REPORT", dav.personal, sync.format(token)))
    responses = {
        r.findtext("d:href", namespaces=NS): r.findtext("d:status", namespaces=NS)
        for r in later.findall("d:response", NS)
    }
    assert responses[dav.personal + f"{first.uid}.ics"] == "HTTP/1.1 404 Not Found"
    assert dav.personal + f"{second.uid}.ics" in responses
    assert later.findtext("d:sync-token", namespaces=NS) != token
    bad = dav.request("REPORT", dav.personal, sync.format("http://cercle.invalid/sync/nope"))
    assert bad.status_code == 403 and b"valid-sync-token" in bad.content


def test_rights_other_personal_calendar_and_read_only_space() -> None:
    user = make_user()
    other = make_user()
    make_event(organiser=other, title="Secret", start=dt.datetime(2026, 3, 10, 9))
    org_space = space_queries.organisation_space()
    dav = Dav(user)
    other_dav = Dav(other)
    # Another person's calendars: not found, whichever way asked.
    assert dav.request("PROPFIND", other_dav.personal, PROPS, depth="1").status_code == 404
    assert dav.request("PROPFIND", other_dav.home, PROPS, depth="1").status_code == 404
    assert dav.request("PUT", other_dav.personal + "x.ics", ics("x@test")).status_code == 404
    # The organisation space: readable by every colleague, writable by staff and its admins only.
    href = dav.home + f"space-{org_space.pk}/"
    listing = xml(dav.request("PROPFIND", href, PROPS, depth="0"))
    assert listing.find(".//d:current-user-privilege-set//d:read", NS) is not None
    assert listing.find(".//d:current-user-privilege-set//d:write", NS) is None
    refused = dav.request("PUT", href + "y.ics", ics("y@test"))
    assert refused.status_code == 403
    assert not Event.objects.filter(uid="y@test").exists()


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("PROPFIND", "<d:propfind xmlns:d='DAV:'><d:prop>"),
        ("REPORT", "not xml at all"),
        ("REPORT", "<x/>"),
        (
            "REPORT",
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        ),
        ("REPORT", "<c:calendar-query xmlns:c='urn:ietf:params:xml:ns:caldav'/>"),
        (
            "REPORT",
            "<c:calendar-query xmlns:c='urn:ietf:params:xml:ns:caldav' xmlns:d='DAV:'>"
            "<c:filter><c:comp-filter name='VCALENDAR'><c:comp-filter name='VEVENT'>"
            "<c:time-range start='yesterday'/></c:comp-filter></c:comp-filter></c:filter>"
            "</c:calendar-query>",
        ),
        ("PUT", "BEGIN:VCALENDAR\r\nnonsense"),
        ("PUT", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"),
        ("PUT", ics("bad@test", extra="RRULE:FREQ=SECONDLY\r\n")),
        ("PUT", ics("bad@test", extra="RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30\r\n")),
        ("PUT", ics("bad@test").replace("DTEND;TZID=Europe/Paris:20260310", "DTEND:20260309")),
        (  # a to-do and a journal entry in one resource
            "PUT",
            ics("bad@test")
            .replace("BEGIN:VEVENT", "BEGIN:VJOURNAL\r\nUID:j@test\r\nEND:VJOURNAL\r\nBEGIN:VTODO")
            .replace("END:VEVENT", "END:VTODO"),
        ),
        ("PUT", b"\xff\xfe\x00garbage"),
        ("PUT", "BEGIN:VCALENDAR\r\n" + "X-A:" + "b" * (3 * 1024 * 1024) + "\r\nEND:VCALENDAR\r\n"),
        ("PROPFIND", "<d:propfind xmlns:d='DAV:'>" + "<d:x/>" * 300000 + "</d:propfind>"),
    ],
)
def test_bad_input_is_a_clear_error_and_changes_nothing(method: str, body: str | bytes) -> None:
    user = make_user()
    dav = Dav(user)
    before = Event.objects.count()
    response = dav.request(method, dav.personal + ("bad.ics" if method == "PUT" else ""), body)
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert Event.objects.count() == before


def test_report_query_count_does_not_grow_with_events() -> None:
    user = make_user()
    space = make_space(owner=user, name="Équipe")
    dav = Dav(user)
    query = """<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
      <d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR">
      <c:comp-filter name="VEVENT"><c:time-range start="20260301T000000Z"
      end="20260401T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"""
    href = dav.home + f"space-{space.pk}/"
    dav.request("PROPFIND", dav.home, PROPS, depth="1")  # makes the calendars

    sync = (
        '<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level>'
        "<d:prop><d:getetag/><d:getcontenttype/></d:prop></d:sync-collection>"
    )

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            found = xml(dav.request("REPORT", href, query, depth="1"))
        with CaptureQueriesContext(connection) as synced:
            listed = xml(dav.request("REPORT", href, sync, depth="1"))
        assert len(listed.findall("d:response", NS)) == len(found.findall("d:response", NS))
        return len(queries) + 1000 * len(synced), len(found.findall("d:response", NS))

    for day in range(3):
        make_event(organiser=user, space=space, start=dt.datetime(2026, 3, 2 + day, 9))
    few, listed_few = count()
    for day in range(20):
        make_event(
            organiser=user,
            space=space,
            start=dt.datetime(2026, 3, 5 + day, 9),
            rule="FREQ=DAILY;COUNT=3" if day % 2 else "",
        )
    many, listed_many = count()
    assert (listed_few, listed_many) == (3, 23)
    assert many == few


CUSTOM_ZONE = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VTIMEZONE\r
TZID:Heure de Paris (Outlook)\r
BEGIN:STANDARD\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
END:DAYLIGHT\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:{uid}\r
DTSTAMP:20260101T000000Z\r
DTSTART;TZID={zone}:20260710T090000\r
DTEND;TZID={zone}:20260710T100000\r
SUMMARY:Été\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.mark.parametrize(
    ("zone", "stored"),
    [
        ("Heure de Paris (Outlook)", "Europe/Paris"),  # matched to the person's zone
        ("W. Europe Standard Time", "Europe/Berlin"),  # a Windows name
    ],
)
def test_vtimezone_is_honoured(zone: str, stored: str) -> None:
    user = make_user()
    user.time_zone = "Europe/Paris"
    user.save(update_fields=["time_zone"])
    dav = Dav(user)
    body = CUSTOM_ZONE.format(uid=f"tz-{len(zone)}@test", zone=zone)
    assert dav.request("PUT", dav.personal + "tz.ics", body).status_code == 201
    event = Event.objects.get(uid=f"tz-{len(zone)}@test")
    # 09:00 in summer at UTC+2 is 07:00 UTC, whichever way the zone was given.
    assert event.start == dt.datetime(2026, 7, 10, 7, tzinfo=dt.UTC)
    assert event.time_zone == stored


def test_everything_emitted_parses_with_icalendar() -> None:
    user = make_user()
    colleague = make_user()
    space = make_space(owner=user, name="Équipe")
    make_event(
        organiser=user, title="Privé", start=dt.datetime(2026, 3, 2, 9), visibility="private"
    )
    make_event(organiser=user, title="Congés", start=dt.date(2026, 3, 9), all_day=True, days=3)
    weekly = make_event(
        organiser=user,
        space=space,
        title="Hebdo",
        start=dt.datetime(2026, 3, 3, 9),
        rule="FREQ=WEEKLY;COUNT=4",
    )
    actions.invite(actor=user, event=weekly, people=[colleague])
    actions.cancel_event(
        actor=user,
        event=weekly,
        scope=actions.THIS,
        occurrence=dt.datetime(2026, 3, 10, 8, tzinfo=dt.UTC),
    )
    dav = Dav(user)
    xml(dav.request("PROPFIND", dav.home, PROPS, depth="1"))
    query = """<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
      <d:prop><d:getetag/><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"/>
      </c:filter></c:calendar-query>"""
    seen = []
    for href in (dav.personal, dav.home + f"space-{space.pk}/"):
        found = xml(dav.request("REPORT", href, query, depth="1"))
        for data in found.findall(".//c:calendar-data", NS):
            parsed = icalendar.Calendar.from_ical(data.text)
            for component in parsed.walk("VEVENT"):
                seen.append(str(component["SUMMARY"]))
                assert component.decoded("dtstart") < component.decoded("dtend")
            assert parsed.walk("VEVENT")[0].get("uid")
    assert sorted(seen) == ["Congés", "Hebdo", "Privé"]


def test_implicit_scheduling_attendees_put_by_the_organiser_are_invited() -> None:
    """RFC 6638: the organiser's client PUTs an event with ATTENDEEs; the people of Cercle among
    them are invited as from the pages (`actions.invite`: in the app and by mail), others
    are left alone."""
    organiser = make_user(username="orga", email="orga@example.org")
    make_user(username="lea", email="Lea.Martin@example.org")
    make_user(username="gone", email="gone@example.org", is_active=False)
    dav = Dav(organiser)
    attendees = (
        "ORGANIZER:mailto:orga@example.org\r\n"
        "ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:lea.martin@example.org\r\n"
        "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:gone@example.org\r\n"
        "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:someone@elsewhere.example\r\n"
    )
    response = dav.request("PUT", dav.personal + "meet.ics", ics("meet@test", extra=attendees))
    assert response.status_code == 201, response.content
    event = Event.objects.get(uid="meet@test")
    assert list(event.invitations.values_list("person__username", "answer")) == [("lea", "pending")]

    # Written back unchanged (as clients do): no second invitation.
    again = dav.request("PUT", dav.personal + "meet.ics", ics("meet@test", extra=attendees))
    assert again.status_code == 204
    assert event.invitations.count() == 1


def test_implicit_scheduling_an_invitees_partstat_is_their_answer() -> None:
    """An invitee who may not change the event (a space member, not its organiser) writes it back
    with their PARTSTAT: that is their answer, and nothing else of the event changes."""
    organiser = make_user(username="orga", email="orga@example.org")
    invitee = make_user(username="lea", email="lea@example.org")
    space = make_space(owner=organiser)
    add_member(space, invitee)
    event = make_event(
        organiser=organiser, space=space, title="Revue", start=dt.datetime(2026, 3, 10, 9)
    )
    actions.invite(actor=organiser, event=event, people=[invitee])
    dav = Dav(invitee)
    path = f"{dav.home}space-{space.pk}/"
    listing = dav.request("PROPFIND", path, PROPS, Depth="1")
    href = next(
        h.text for h in xml(listing).iter("{DAV:}href") if h.text and h.text.endswith(".ics")
    )
    body = dav.request("GET", href).content.decode()
    assert "PARTSTAT=NEEDS-ACTION" in body
    answered = body.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED").replace(
        "SUMMARY:Revue", "SUMMARY:Changed by an invitee"
    )
    response = dav.request("PUT", href, answered)
    assert response.status_code == 204, response.content
    event.refresh_from_db()
    assert event.title == "Revue"
    assert event.invitations.get(person=invitee).answer == "yes"
    assert "PARTSTAT=ACCEPTED" in dav.request("GET", href).content.decode()
    # Someone neither organiser nor invitee still may not write it.
    other = make_user(username="max", email="max@example.org")
    add_member(space, other)
    refused = Dav(other).request(
        "PUT", href.replace(f"/calendars/{invitee.pk}/", f"/calendars/{other.pk}/"), answered
    )
    assert refused.status_code == 403
