"""calendar-multiget served from plain values and the already written `.ics` of each event (its
ETag as key): the same answer as reading each event, a fixed number of queries however many
events are asked, and a changed event never served from its former text."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cercle.agenda import actions
from cercle.agenda.caldav import store
from cercle.agenda.models import Answer
from tests.agenda.caldav.test_protocol import NS, Dav, ics, xml
from tests.factories import make_event, make_user

pytestmark = pytest.mark.django_db

PROPS = "<d:getetag/><c:calendar-data/><c:schedule-tag/><d:getlastmodified/><d:displayname/>"


def multiget(dav: Dav, names: list[str], props: str = PROPS) -> ET.Element:
    body = (
        '<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
        f"<d:prop>{props}</d:prop>"
        + "".join(f"<d:href>{dav.personal}{quote(n, safe='@+')}</d:href>" for n in names)
        + "</c:calendar-multiget>"
    )
    return xml(dav.request("REPORT", dav.personal, body, depth="1"))


def answers(root: ET.Element) -> dict[str, dict[str, str | None]]:
    """{href: {property: text}} of a multistatus (the 200 properties)."""
    found: dict[str, dict[str, str | None]] = {}
    for response in root.findall("d:response", NS):
        href = response.findtext("d:href", namespaces=NS) or ""
        props: dict[str, str | None] = {}
        for propstat in response.findall("d:propstat", NS):
            if propstat.findtext("d:status", namespaces=NS) == "HTTP/1.1 200 OK":
                props.update({p.tag: p.text for p in propstat.find("d:prop", NS) or []})
        found[href] = props
    return found


def cold() -> None:
    """Forget every `.ics` written (this process's and the shared cache)."""
    store._ICS_CACHE.clear()
    cache.clear()


@pytest.fixture
def people() -> dict[str, Any]:
    return {"owner": make_user(), "guest": make_user(), "other": make_user()}


def _calendar_of(people: dict[str, Any], count: int) -> list[str]:
    """`count` events of the owner's, among them a weekly series with a moved occurrence, an
    event with an invitee who answered (one occurrence apart), and one written by a client
    (kept as written): their resource names."""
    owner, guest = people["owner"], people["guest"]
    dav = Dav(owner)
    names = []
    for n in range(count - 1):
        event = make_event(
            organiser=owner,
            title=f"Réunion {n}",
            start=dt.datetime(2026, 3, 2 + n % 15, 9),
            rule="FREQ=WEEKLY;COUNT=5" if n % 3 == 0 else "",
        )
        if n % 3 == 0:
            actions.change_event(
                actor=owner,
                event=event,
                details=actions.Details(title="Déplacée"),
                scope=actions.THIS,
                occurrence=event.start + dt.timedelta(days=7),
            )
        if n % 5 == 1:
            actions.invite(actor=owner, event=event, people=[guest])
            actions.respond(actor=guest, event=event, answer=Answer.YES)
            if event.rule:
                actions.respond(actor=guest, event=event, answer=Answer.NO, occurrence=event.start)
        names.append(store.resource_name(event))
    written = dav.request(
        "PUT", dav.personal + "client.ics", ics("client-1", extra="CATEGORIES:Projet\r\n")
    )
    assert written.status_code == 201, written.content
    names.append("client.ics")
    return names


def test_multiget_answers_as_each_event_is_read(people: dict[str, Any]) -> None:
    dav = Dav(people["owner"])
    names = _calendar_of(people, 12)
    cold()
    first = answers(multiget(dav, names))  # written now
    again = answers(multiget(dav, names))  # read from what was written
    cold()
    assert answers(multiget(dav, names)) == first == again
    assert len(first) == len(names)
    for href, props in first.items():
        # PROPFIND of the resource alone: the event loaded and its `.ics` written from it.
        cold()
        alone = answers(
            xml(
                dav.request(
                    "PROPFIND",
                    href,
                    '<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
                    f"<d:prop>{PROPS}</d:prop></d:propfind>",
                    depth="0",
                )
            )
        )
        assert alone == {href: props}
    tags = [p.get("{urn:ietf:params:xml:ns:caldav}schedule-tag") for p in first.values()]
    assert any(tags) and not all(tags)  # the events with an invitee have one
    client = first[dav.personal + "client.ics"]
    assert "CATEGORIES:Projet" in (client["{urn:ietf:params:xml:ns:caldav}calendar-data"] or "")


def test_a_changed_event_is_not_served_from_its_former_text(people: dict[str, Any]) -> None:
    owner = people["owner"]
    dav = Dav(owner)
    event = make_event(organiser=owner, title="Avant", start=dt.datetime(2026, 3, 10, 9))
    name = store.resource_name(event)
    data = "{urn:ietf:params:xml:ns:caldav}calendar-data"
    before = answers(multiget(dav, [name]))[dav.personal + name]
    assert "SUMMARY:Avant" in (before[data] or "")
    actions.change_event(actor=owner, event=event, details=actions.Details(title="Après"))
    after = answers(multiget(dav, [name]))[dav.personal + name]
    assert "SUMMARY:Après" in (after[data] or "")
    assert after["{DAV:}getetag"] != before["{DAV:}getetag"]
    # An answer changes the ETag and the text too (the invitee's PARTSTAT).
    actions.invite(actor=owner, event=event, people=[people["guest"]])
    invited = answers(multiget(dav, [name]))[dav.personal + name]
    actions.respond(actor=people["guest"], event=event, answer=Answer.MAYBE)
    answered = answers(multiget(dav, [name]))[dav.personal + name]
    assert answered["{DAV:}getetag"] != invited["{DAV:}getetag"]
    assert "PARTSTAT=TENTATIVE" in (answered[data] or "")
    # A client's write is served as written; once changed in Cercle, no longer.
    assert dav.request("PUT", dav.personal + "c.ics", ics("c-1", summary="Écrit")).status_code
    assert "SUMMARY:Écrit" in (
        answers(multiget(dav, ["c.ics"]))[dav.personal + "c.ics"][data] or ""
    )
    written = store.find_event(store.personal_calendar(owner), "c.ics")
    assert written is not None
    actions.change_event(actor=owner, event=written, details=actions.Details(title="Changé"))
    changed = answers(multiget(dav, ["c.ics"]))[dav.personal + "c.ics"][data] or ""
    assert "SUMMARY:Changé" in changed and "Écrit" not in changed


@pytest.mark.parametrize("warm", [False, True])
def test_multiget_query_count_does_not_grow_with_events(people: dict[str, Any], warm: bool) -> None:
    dav = Dav(people["owner"])
    names = _calendar_of(people, 30)
    few, many = names[:2] + names[-1:], names

    def count(asked: list[str]) -> int:
        if warm:
            multiget(dav, asked)
        else:
            cold()
        with CaptureQueriesContext(connection) as queries:
            got = multiget(dav, asked)
        assert len(got.findall("d:response", NS)) == len(asked)
        assert len(got.findall(".//c:calendar-data", NS)) == len(asked)
        return len(queries)

    assert count(few) == count(many)
    if warm:  # nothing loaded: the app token, the calendar, then names, ETags and texts in one
        assert count(many) <= 3


TODO = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VTODO\r\nUID:todo-1\r\n"
    "DTSTAMP:20260101T000000Z\r\nSUMMARY:À faire\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
)


def test_multiget_of_invitations_objects_and_unknown_properties(people: dict[str, Any]) -> None:
    """The person's main calendar holds the events they are invited to elsewhere (not those
    declined), their to-dos are answered as written, a property Cercle does not have is a 404
    in its own namespace, and an href outside the calendar is a 404."""
    owner, guest = people["owner"], people["guest"]
    dav = Dav(guest)
    kept = make_event(organiser=owner, title="Invitée", start=dt.datetime(2026, 3, 3, 9))
    declined = make_event(organiser=owner, title="Refusée", start=dt.datetime(2026, 3, 4, 9))
    for event in (kept, declined):
        actions.invite(actor=owner, event=event, people=[guest])
    actions.respond(actor=guest, event=kept, answer=Answer.YES)
    actions.respond(actor=guest, event=declined, answer=Answer.NO)
    assert dav.request("PUT", dav.personal + "todo.ics", TODO).status_code == 201
    names = [store.resource_name(kept), store.resource_name(declined), "todo.ics", "none.ics"]
    props = PROPS + '<x:colour xmlns:x="http://example.com/ns"/>'
    root = multiget(dav, names, props)
    responses = root.findall("d:response", NS)
    hrefs = [r.findtext("d:href", default="", namespaces=NS) for r in responses]
    assert hrefs == [dav.personal + quote(n, safe="@+") for n in names]
    found = answers(root)
    data = "{urn:ietf:params:xml:ns:caldav}calendar-data"
    assert "SUMMARY:Invitée" in (found[hrefs[0]][data] or "")
    assert "PARTSTAT=ACCEPTED" in (found[hrefs[0]][data] or "")
    assert found[hrefs[0]]["{DAV:}getetag"] == store.etag(
        store.calendar_events(kept.calendar).get(pk=kept.pk)
    )
    assert found[hrefs[1]] == {} and found[hrefs[3]] == {}  # declined, unknown: 404
    assert (found[hrefs[2]][data] or "").replace("\n", "\r\n") == TODO
    missing = responses[0].findall("d:propstat", NS)[-1]
    assert missing.findtext("d:status", namespaces=NS) == "HTTP/1.1 404 Not Found"
    assert missing.find("d:prop/{http://example.com/ns}colour", NS) is not None
    outside = multiget(dav, [], props)
    assert outside.findall("d:response", NS) == []
    body = (
        '<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
        f"<d:prop>{PROPS}</d:prop><d:href>/caldav/elsewhere/a&amp;b.ics</d:href>"
        "</c:calendar-multiget>"
    )
    gone = xml(dav.request("REPORT", dav.personal, body, depth="1"))
    assert gone.findtext("d:response/d:href", namespaces=NS) == "/caldav/elsewhere/a&b.ics"
    assert gone.findtext("d:response/d:status", namespaces=NS) == "HTTP/1.1 404 Not Found"
    # allprop and propname: every property but the data; their names only.
    for asked, expect_text in (("<d:allprop/>", True), ("<d:propname/>", False)):
        body = (
            '<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
            f"{asked}<d:href>{dav.personal}{quote(names[0], safe='@+')}</d:href>"
            "</c:calendar-multiget>"
        )
        got = answers(xml(dav.request("REPORT", dav.personal, body, depth="1")))
        props_found = got[hrefs[0]]
        assert data not in props_found
        assert "{DAV:}getetag" in props_found and "{DAV:}displayname" in props_found
        assert bool(props_found["{DAV:}getetag"]) is expect_text
