"""RFC 6638 scheduling through the CalDAV server (Django's test client, raw requests): the
principal's and collections' properties, implicit scheduling by PUT and DELETE through the
agenda's invitation actions (invite, answer, un-invite, cancel), SCHEDULE-STATUS, the empty
inbox, free-busy by the outbox; and bad input refused with nothing changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import icalendar
import pytest
from defusedxml import ElementTree as SafeET

from cercle.accounts.models import Role
from cercle.agenda import actions
from cercle.agenda.models import Event, Invitation
from tests.agenda.caldav.test_protocol import Dav, ics, xml
from tests.factories import add_member, make_event, make_space, make_user

pytestmark = pytest.mark.django_db
C = "{urn:ietf:params:xml:ns:caldav}"
D = "{DAV:}"

SCHEDULING_PROPS = """<?xml version="1.0"?><d:propfind xmlns:d="DAV:"
 xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:schedule-inbox-URL/><c:schedule-outbox-URL/>
 <c:calendar-user-address-set/><c:calendar-user-type/><d:resourcetype/>
 <c:schedule-default-calendar-URL/><c:schedule-calendar-transp/><d:sync-token/>
 </d:prop></d:propfind>"""


def found(root: Any, name: str) -> list[Any]:
    """The elements `name` in the 200 propstats of a multistatus."""
    return [
        prop
        for propstat in root.iter(f"{D}propstat")
        if "200" in (propstat.findtext(f"{D}status") or "")
        for prop in propstat.iter(name)
    ]


def hrefs_of(element: Any) -> list[str]:
    return [h.text or "" for h in element.iter(f"{D}href")]


@pytest.fixture
def people() -> dict[str, Any]:
    return {
        "orga": make_user(username="orga", email="orga@example.org"),
        "lea": make_user(username="lea", email="Lea@example.org"),
        "max": make_user(username="max", email="max@example.org"),
    }


def invitation_ics(uid: str, *attendees: str, extra: str = "") -> str:
    lines = "ORGANIZER;CN=Orga:mailto:orga@example.org\r\n" + "".join(
        f"ATTENDEE;CN=x;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{a}\r\n" for a in attendees
    )
    return ics(uid, summary="Comité", extra=lines + extra)


def test_principal_inbox_outbox_and_calendar_properties(people: dict[str, Any]) -> None:
    lea = people["lea"]
    dav = Dav(lea)
    options = dav.request("OPTIONS", "/caldav/")
    assert "calendar-auto-schedule" in options["DAV"]
    assert "POST" in options["Allow"]

    principal = xml(dav.request("PROPFIND", f"/caldav/principals/{lea.pk}/", SCHEDULING_PROPS))
    inbox = hrefs_of(found(principal, f"{C}schedule-inbox-URL")[0])
    outbox = hrefs_of(found(principal, f"{C}schedule-outbox-URL")[0])
    assert inbox == [f"/caldav/principals/{lea.pk}/inbox/"]
    assert outbox == [f"/caldav/principals/{lea.pk}/outbox/"]
    assert "mailto:Lea@example.org" in hrefs_of(
        found(principal, f"{C}calendar-user-address-set")[0]
    )
    assert found(principal, f"{C}calendar-user-type")[0].text == "INDIVIDUAL"

    box = xml(dav.request("PROPFIND", inbox[0], SCHEDULING_PROPS, Depth="1"))
    assert len(box.findall(f"{D}response")) == 1  # empty: Cercle delivers into calendars
    assert found(box, f"{C}schedule-inbox")
    assert hrefs_of(found(box, f"{C}schedule-default-calendar-URL")[0]) == [dav.personal]
    sync = dav.request(
        "REPORT",
        inbox[0],
        '<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level>'
        "<d:prop><d:getetag/></d:prop></d:sync-collection>",
    )
    assert xml(sync).findtext(f"{D}sync-token")
    assert found(xml(dav.request("PROPFIND", outbox[0], SCHEDULING_PROPS)), f"{C}schedule-outbox")
    # Not someone else's boxes.
    other = people["max"]
    assert dav.request("PROPFIND", f"/caldav/principals/{other.pk}/inbox/").status_code == 404

    space = make_space(owner=lea)
    home = xml(dav.request("PROPFIND", dav.home, SCHEDULING_PROPS, Depth="1"))
    transp = {}
    for response in home.findall(f"{D}response"):
        value = found(response, f"{C}schedule-calendar-transp")
        if value:
            transp[response.findtext(f"{D}href")] = value[0][0].tag
    assert transp[dav.personal] == f"{C}opaque"
    assert transp[f"{dav.home}space-{space.pk}/"] == f"{C}transparent"


def test_organiser_put_invites_delivers_and_marks_schedule_status(
    people: dict[str, Any], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    orga, lea = people["orga"], people["lea"]
    dav = Dav(orga)
    body = invitation_ics("comite@test", "lea@example.org", "stranger@elsewhere.example")
    with django_capture_on_commit_callbacks(execute=True):
        response = dav.request("PUT", dav.personal + "comite.ics", body)
    assert response.status_code == 201, response.content
    assert "ETag" not in response  # the stored text has SCHEDULE-STATUS: not what was sent
    event = Event.objects.get(uid="comite@test")
    assert [i.person_id for i in event.invitations.all()] == [lea.pk]
    assert [m.to for m in mailoutbox] == [["Lea@example.org"]]  # the agenda's own mail
    assert "METHOD:REQUEST" in mailoutbox[0].alternatives[0][0]

    stored = icalendar.Calendar.from_ical(dav.request("GET", dav.personal + "comite.ics").content)
    statuses = {
        str(a).lower(): a.params.get("SCHEDULE-STATUS")
        for a in stored.walk("VEVENT")[0].get("attendee")
    }
    assert statuses == {
        "mailto:lea@example.org": "1.2",  # delivered in Cercle
        "mailto:stranger@elsewhere.example": "5.3",  # outside Cercle: no scheduling
    }

    # The invitee finds it in her own calendar (not in a space's), and sees it in full.
    mine = Dav(lea)
    listing = xml(mine.request("PROPFIND", mine.personal, "", Depth="1"))
    names = [h for h in hrefs_of(listing) if h.endswith(".ics")]
    assert names == [mine.personal + "comite.ics"]
    got = mine.request("GET", names[0])
    assert got.status_code == 200 and b"SUMMARY:Comit" in got.content
    # Its sync token moved with the invitation, and a sync reports it.
    sync = xml(
        mine.request(
            "REPORT",
            mine.personal,
            '<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level>'
            "<d:prop><d:getetag/></d:prop></d:sync-collection>",
        )
    )
    assert [h for h in hrefs_of(sync) if h.endswith(".ics")] == names


def test_invitee_put_answers_and_delete_declines(
    people: dict[str, Any], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    orga, lea = people["orga"], people["lea"]
    event = make_event(organiser=orga, title="Comité", start=dt.datetime(2026, 3, 10, 9))
    actions.invite(actor=orga, event=event, people=[lea])
    mine = Dav(lea)
    href = mine.personal + f"{event.uid}.ics"
    body = mine.request("GET", href).content.decode()
    assert "PARTSTAT=NEEDS-ACTION" in body
    before = mine.request("PROPFIND", href, "", Depth="0")
    answered = body.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=TENTATIVE")
    response = mine.request("PUT", href, answered)
    assert response.status_code == 204, response.content
    assert Invitation.objects.get(event=event, person=lea).answer == "maybe"
    assert mine.request("PROPFIND", href, "", Depth="0").content != before.content  # new ETag

    # Adding someone is the organiser's to do: refused, nothing changed.
    crowd = answered.replace(
        "END:VEVENT", "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:max@example.org\r\nEND:VEVENT"
    )
    refused = mine.request("PUT", href, crowd)
    assert refused.status_code == 403, refused.content
    assert b"need-privileges" in refused.content
    assert list(event.invitations.values_list("person__username", flat=True)) == ["lea"]

    # DELETE by the invitee is "no": the event stays, and leaves her calendar.
    with django_capture_on_commit_callbacks(execute=True):
        assert mine.request("DELETE", href).status_code == 204
    assert Event.objects.filter(pk=event.pk).exists()
    assert Invitation.objects.get(event=event, person=lea).answer == "no"
    assert mine.request("GET", href).status_code == 404
    assert mailoutbox == []  # an answer mails no one


def test_invitee_put_declined_leaves_her_calendar(people: dict[str, Any]) -> None:
    orga, lea = people["orga"], people["lea"]
    event = make_event(organiser=orga, title="Comité", start=dt.datetime(2026, 3, 10, 9))
    actions.invite(actor=orga, event=event, people=[lea])
    mine = Dav(lea)
    href = mine.personal + f"{event.uid}.ics"
    body = mine.request("GET", href).content.decode()
    declined = mine.request("PUT", href, body.replace("NEEDS-ACTION", "DECLINED"))
    assert declined.status_code == 204, declined.content
    assert Invitation.objects.get(event=event, person=lea).answer == "no"
    assert mine.request("GET", href).status_code == 404
    # The organiser's own copy says so.
    assert (
        "PARTSTAT=DECLINED"
        in Dav(orga).request("GET", Dav(orga).personal + f"{event.uid}.ics").content.decode()
    )


def test_reply_for_one_occurrence_is_recorded_for_that_occurrence(people: dict[str, Any]) -> None:
    """An invitee's RECURRENCE-ID override answering differently from the series is their
    answer for that occurrence only (`OccurrenceAnswer`), shown back in the event's iCalendar;
    one that agrees with the series forgets it; an override naming no occurrence is refused."""
    orga, lea = people["orga"], people["lea"]
    event = make_event(
        organiser=orga,
        title="Hebdo",
        start=dt.datetime(2026, 3, 2, 9),
        rule="FREQ=WEEKLY;COUNT=5",
    )
    actions.invite(actor=orga, event=event, people=[lea])
    mine = Dav(lea)
    href = mine.personal + f"{event.uid}.ics"
    body: str = mine.request("GET", href).content.decode()
    override = (
        "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
        "RECURRENCE-ID;TZID=Europe/Paris:{day}T090000\r\n"
        "DTSTART;TZID=Europe/Paris:{day}T090000\r\nDTEND;TZID=Europe/Paris:{day}T100000\r\n"
        "SUMMARY:Hebdo\r\nORGANIZER:mailto:orga@example.org\r\n"
        "ATTENDEE;PARTSTAT={partstat}:mailto:lea@example.org\r\nEND:VEVENT\r\n"
    )

    def with_override(series: str, one: str, day: str = "20260309") -> str:
        text = body.replace("PARTSTAT=NEEDS-ACTION", f"PARTSTAT={series}")
        return text.replace(
            "END:VCALENDAR",
            override.format(uid=event.uid, partstat=one, day=day) + "END:VCALENDAR",
        )

    key = dt.datetime(2026, 3, 9, 8, tzinfo=dt.UTC)
    taken = mine.request("PUT", href, with_override("ACCEPTED", "DECLINED"))
    assert taken.status_code == 204, taken.content
    invitation = Invitation.objects.get(event=event, person=lea)
    assert invitation.answer == "yes"
    assert [(r.occurrence, r.answer) for r in invitation.occurrence_answers.all()] == [(key, "no")]
    assert not event.occurrences.exists()  # an invitee's PUT changes nothing else
    # Read back: the series accepted, the occurrence of 9 March declined.
    back = icalendar.Calendar.from_ical(mine.request("GET", href).content)
    partstats = {
        str(c.get("recurrence-id").dt.isoformat()) if c.get("recurrence-id") else "series": [
            a.params["PARTSTAT"] for a in _list(c.get("attendee"))
        ]
        for c in back.walk("VEVENT")
    }
    assert partstats == {"series": ["ACCEPTED"], "2026-03-09T09:00:00+01:00": ["DECLINED"]}
    # The organiser's view of the occurrence shows it too; the organiser's client writing it
    # back as it reads it changes nothing (no occurrence is made of it).
    organiser = Dav(orga)
    theirs = organiser.request("GET", organiser.personal + f"{event.uid}.ics")
    assert b"RECURRENCE-ID" in theirs.content and b"PARTSTAT=DECLINED" in theirs.content
    rewritten = organiser.request("PUT", organiser.personal + f"{event.uid}.ics", theirs.content)
    assert rewritten.status_code == 204, rewritten.content
    assert not event.occurrences.exists()

    # An override naming no occurrence of the series: refused, nothing changed.
    refused = mine.request("PUT", href, with_override("ACCEPTED", "TENTATIVE", day="20260310"))
    assert refused.status_code == 403, refused.content
    assert [(r.occurrence, r.answer) for r in invitation.occurrence_answers.all()] == [(key, "no")]

    agrees = mine.request("PUT", href, with_override("ACCEPTED", "ACCEPTED"))
    assert agrees.status_code == 204, agrees.content
    assert Invitation.objects.get(event=event, person=lea).answer == "yes"
    assert not invitation.occurrence_answers.exists()
    assert not event.occurrences.exists()


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value is not None else []


def test_organiser_removing_an_attendee_uninvites_and_delete_cancels(
    people: dict[str, Any], mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    orga = people["orga"]
    dav = Dav(orga)
    path = dav.personal + "comite.ics"
    with django_capture_on_commit_callbacks(execute=True):
        dav.request(
            "PUT", path, invitation_ics("comite@test", "lea@example.org", "max@example.org")
        )
    event = Event.objects.get(uid="comite@test")
    assert event.invitations.count() == 2
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = dav.request("PUT", path, invitation_ics("comite@test", "lea@example.org"))
    assert response.status_code == 204, response.content
    assert list(event.invitations.values_list("person__username", flat=True)) == ["lea"]
    assert [m.to for m in mailoutbox] == [["max@example.org"]]
    assert "METHOD:CANCEL" in mailoutbox[0].alternatives[0][0]
    mine = Dav(people["max"])
    assert mine.request("GET", mine.personal + "comite.ics").status_code == 404
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert dav.request("DELETE", path).status_code == 204
    assert not Event.objects.filter(uid="comite@test").exists()
    assert [m.to for m in mailoutbox] == [["Lea@example.org"]]
    assert "METHOD:CANCEL" in mailoutbox[0].alternatives[0][0]


def test_schedule_agent_client_is_left_to_the_client(people: dict[str, Any]) -> None:
    dav = Dav(people["orga"])
    extra = "ATTENDEE;SCHEDULE-AGENT=CLIENT:mailto:max@example.org\r\n"
    response = dav.request("PUT", dav.personal + "c.ics", invitation_ics("c@test", extra=extra))
    assert response.status_code == 201
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:nonsense\r\n",
        b"\xff\xfe not text",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
    ],
)
def test_bad_input_with_attendees_changes_nothing(
    people: dict[str, Any], body: str | bytes, mailoutbox: list[Any]
) -> None:
    dav = Dav(people["orga"])
    response = dav.request("PUT", dav.personal + "bad.ics", body)
    assert 400 <= response.status_code < 500, response.content
    assert not Event.objects.exists() and not Invitation.objects.exists()
    assert mailoutbox == []


FREEBUSY = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VFREEBUSY\r\nUID:fb-1@test\r\nDTSTAMP:20260101T000000Z\r\n"
    "DTSTART:20260310T000000Z\r\nDTEND:20260311T000000Z\r\n"
    "ORGANIZER:mailto:{organizer}\r\n{attendees}END:VFREEBUSY\r\nEND:VCALENDAR\r\n"
)


def post_freebusy(dav: Dav, organizer: str, *attendees: str) -> Any:
    lines = "".join(f"ATTENDEE:mailto:{a}\r\n" for a in attendees)
    body = FREEBUSY.format(organizer=organizer, attendees=lines)
    return dav.client.generic(
        "POST",
        f"/caldav/principals/{dav.user.pk}/outbox/",
        body,
        content_type="text/calendar",
        HTTP_AUTHORIZATION=dav.auth,
    )


def answers(response: Any) -> dict[str, tuple[str, Any]]:
    assert response.status_code == 200, response.content
    root = SafeET.fromstring(response.content)
    assert root.tag == f"{C}schedule-response"
    found: dict[str, tuple[str, Any]] = {}
    for item in root.findall(f"{C}response"):
        href = (item.findtext(f"{C}recipient/{D}href") or "").lower()
        data = item.findtext(f"{C}calendar-data")
        found[href] = (
            item.findtext(f"{C}request-status") or "",
            icalendar.Calendar.from_ical(data) if data else None,
        )
    return found


def test_outbox_free_busy_request(people: dict[str, Any]) -> None:
    orga, lea, max_ = people["orga"], people["lea"], people["max"]
    make_event(
        organiser=lea,
        title="Secret",
        start=dt.datetime(2026, 3, 10, 9),
        visibility="private",
    )
    make_event(organiser=max_, title="Ailleurs", start=dt.datetime(2026, 3, 12, 9))
    dav = Dav(orga)
    result = answers(
        post_freebusy(dav, "orga@example.org", "LEA@example.org", "max@example.org", "x@else.org")
    )
    status, reply = result["mailto:lea@example.org"]
    assert status.startswith("2.0")
    assert reply is not None and str(reply["METHOD"]) == "REPLY"
    busy = reply.walk("VFREEBUSY")[0]
    periods = busy.get("freebusy")
    periods = periods if isinstance(periods, list) else [periods]
    assert [(p.dt[0], p.dt[1]) for p in periods] == [
        (dt.datetime(2026, 3, 10, 8, tzinfo=dt.UTC), dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC))
    ]
    assert b"Secret" not in reply.to_ical()  # a period, never a title
    assert result["mailto:max@example.org"][0].startswith("2.0")
    assert result["mailto:max@example.org"][1].walk("VFREEBUSY")[0].get("freebusy") is None
    assert result["mailto:x@else.org"] == ("3.7;Invalid calendar user", None)

    # Guests see no one's busy times (the agenda's rule): each recipient says so.
    guest = make_user(username="guest", email="guest@example.org", role=Role.GUEST)
    refused = answers(post_freebusy(Dav(guest), "guest@example.org", "lea@example.org"))
    assert refused["mailto:lea@example.org"] == ("3.8;No authority", None)


@pytest.mark.parametrize(
    ("organizer", "body", "status"),
    [
        ("lea@example.org", None, 403),  # asking as someone else
        ("orga@example.org", b"not a calendar", 400),
        (
            "orga@example.org",
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
            "UID:a\r\nDTSTART:20260310T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            403,
        ),
    ],
)
def test_outbox_refuses_bad_requests(
    people: dict[str, Any], organizer: str, body: Any, status: int
) -> None:
    dav = Dav(people["orga"])
    if body is None:
        response = post_freebusy(dav, organizer, "max@example.org")
    else:
        response = dav.client.generic(
            "POST",
            f"/caldav/principals/{dav.user.pk}/outbox/",
            body,
            content_type="text/calendar",
            HTTP_AUTHORIZATION=dav.auth,
        )
    assert response.status_code == status, response.content
    # POST elsewhere than one's outbox is not allowed.
    assert dav.request("POST", dav.personal, "x").status_code == 405


def test_space_invitations_stay_in_the_space_collection(people: dict[str, Any]) -> None:
    orga, lea = people["orga"], people["lea"]
    space = make_space(owner=orga, kind="private")
    add_member(space, lea)
    event = make_event(organiser=orga, space=space, start=dt.datetime(2026, 3, 10, 9))
    actions.invite(actor=orga, event=event, people=[lea])
    mine = Dav(lea)
    listing = xml(mine.request("PROPFIND", mine.personal, "", Depth="1"))
    assert not [h for h in hrefs_of(listing) if h.endswith(".ics")]  # not twice
    in_space = xml(mine.request("PROPFIND", f"{mine.home}space-{space.pk}/", "", Depth="1"))
    assert [h for h in hrefs_of(in_space) if h.endswith(".ics")]


def partstat(data: bytes, who: str, value: str) -> bytes:
    """The event with the PARTSTAT of the attendee whose address starts with `who` set."""
    calendar = icalendar.Calendar.from_ical(data)
    for attendee in calendar.walk("VEVENT")[0].get("attendee"):
        if str(attendee).lower().startswith(f"mailto:{who}"):
            attendee.params["PARTSTAT"] = value
    result: bytes = calendar.to_ical()
    return result


def test_schedule_tag_moves_with_the_organiser_not_with_answers(people: dict[str, Any]) -> None:
    """RFC 6638, 3.2.10: the Schedule-Tag of an event with invitations stays when an invitee
    answers (its ETag moves), so another invitee's client writes its answer with
    If-Schedule-Tag-Match; a stale tag is refused (412), nothing changed."""
    orga, lea, max_ = people["orga"], people["lea"], people["max"]
    alone = make_event(organiser=orga, title="Seul", start=dt.datetime(2026, 3, 9, 9))
    dav = Dav(orga)
    assert "Schedule-Tag" not in dav.request("GET", dav.personal + f"{alone.uid}.ics")
    event = make_event(organiser=orga, title="Comité", start=dt.datetime(2026, 3, 10, 9))
    actions.invite(actor=orga, event=event, people=[lea, max_])
    his, hers = Dav(max_), Dav(lea)
    href = f"{event.uid}.ics"
    first = his.request("GET", his.personal + href)
    tag, etag = first["Schedule-Tag"], first["ETag"]
    assert tag and tag != etag
    answered = partstat(hers.request("GET", hers.personal + href).content, "lea@", "ACCEPTED")
    assert hers.request("PUT", hers.personal + href, answered).status_code == 204
    second = his.request("GET", his.personal + href)
    assert second["Schedule-Tag"] == tag and second["ETag"] != etag

    mine = partstat(first.content, "max@", "TENTATIVE")
    stale = his.request("PUT", his.personal + href, mine, **{"If-Match": etag})
    assert stale.status_code == 412
    taken = his.request("PUT", his.personal + href, mine, **{"If-Schedule-Tag-Match": tag})
    assert taken.status_code == 204, taken.content
    answers = dict(event.invitations.values_list("person__username", "answer"))
    assert answers == {"lea": "yes", "max": "maybe"}  # Léa's answer is not undone

    # The organiser changes the event: a new tag, and the old one no longer matches.
    organiser_copy = dav.request("GET", dav.personal + href).content.decode()
    moved = dav.request("PUT", dav.personal + href, organiser_copy.replace("Comité", "Comité 2"))
    assert moved.status_code == 204, moved.content
    assert his.request("GET", his.personal + href)["Schedule-Tag"] != tag
    refused = his.request("PUT", his.personal + href, mine, **{"If-Schedule-Tag-Match": tag})
    assert refused.status_code == 412
    assert Event.objects.get(pk=event.pk).title == "Comité 2"


def test_listing_propfind_agrees_with_the_full_one(people: dict[str, Any]) -> None:
    """A PROPFIND asking only names, ETags and types (what clients list a calendar with) is
    answered from plain values: the same ETags and types as the full answer, delivered
    invitations and to-dos included."""
    orga, lea = people["orga"], people["lea"]
    event = make_event(organiser=orga, title="Comité", start=dt.datetime(2026, 3, 10, 9))
    actions.invite(actor=orga, event=event, people=[lea])
    make_event(organiser=lea, title="Mien", start=dt.datetime(2026, 3, 11, 9))
    mine = Dav(lea)
    todo = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VTODO\r\nUID:t@test\r\n"
        "DTSTAMP:20260101T000000Z\r\nSUMMARY:Faire\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    )
    assert mine.request("PUT", mine.personal + "t.ics", todo).status_code == 201

    def listing(extra: str) -> dict[str, tuple[str, str]]:
        body = (
            '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/>'
            f"<d:resourcetype/>{extra}</d:prop></d:propfind>"
        )
        root = xml(mine.request("PROPFIND", mine.personal, body, Depth="1"))
        return {
            r.findtext(f"{D}href") or "": (
                r.findtext(f".//{D}getetag") or "",
                r.findtext(f".//{D}getcontenttype") or "",
            )
            for r in root.findall(f"{D}response")
            if (r.findtext(f"{D}href") or "").endswith(".ics")
        }

    fast, full = listing(""), listing("<d:displayname/>")
    assert fast == full and len(fast) == 3
    assert fast[mine.personal + "t.ics"][1].endswith("component=vtodo")
