"""A UID names one event of a calendar (RFC 4791, 5.3.2.1), not one event of Cercle: a person may
keep a copy of an event in a second calendar, as Radicale and the clients allow; an event with
people invited names one event among all the person's calendars (RFC 6638, 3.2.4.1), so that
answers and changes reach one event. The `.ics` import and the replies by mail follow."""

from __future__ import annotations

from typing import Any

import icalendar
import pytest
from django.utils import translation

from cercle.agenda import actions, ics_import, replies
from cercle.agenda.models import Event, Invitation
from cercle.audit.models import AuditEntry
from tests.agenda.caldav.test_protocol import NS, Dav, ics, xml
from tests.agenda.test_replies import _eml, _reply_ics
from tests.factories import make_event, make_user

pytestmark = pytest.mark.django_db

INVITING = (
    "ORGANIZER:mailto:orga@example.org\r\n"
    "ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:lea@example.org\r\n"
)


SYNC_PROPS = "<d:propfind xmlns:d='DAV:'><d:prop><d:sync-token/><d:getetag/></d:prop></d:propfind>"


def _token(response: Any) -> str:
    token = xml(response).findtext(".//d:sync-token", namespaces=NS)
    assert token
    return token


def _sync(token: str) -> str:
    return (
        "<d:sync-collection xmlns:d='DAV:'>"
        f"<d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>"
        "<d:prop><d:getetag/></d:prop></d:sync-collection>"
    )


def _second_calendar(dav: Dav) -> tuple[Any, str]:
    calendar = actions.create_extra_calendar(actor=dav.user, name="Perso")
    return calendar, dav.home + f"calendar-{calendar.pk}/"


def _summary(dav: Dav, href: str) -> str:
    got = dav.request("GET", href)
    assert got.status_code == 200, got.content
    return str(icalendar.Calendar.from_ical(got.content).walk("VEVENT")[0]["SUMMARY"])


def test_the_same_uid_in_two_calendars_is_two_events() -> None:
    dav = Dav(make_user())
    calendar, second = _second_calendar(dav)
    assert dav.request("PUT", dav.personal + "copy.ics", ics("copy@test")).status_code == 201
    made = dav.request("PUT", second + "copy.ics", ics("copy@test"))
    assert made.status_code == 201, made.content
    assert Event.objects.filter(uid="copy@test").count() == 2
    # Changed in one, the other stays; deleted from one, the other stays.
    assert dav.request("PUT", second + "copy.ics", ics("copy@test", "Thé")).status_code == 204
    assert _summary(dav, second + "copy.ics") == "Thé"
    assert _summary(dav, dav.personal + "copy.ics") == "Café"
    assert dav.request("DELETE", dav.personal + "copy.ics").status_code == 204
    assert list(Event.objects.filter(uid="copy@test").values_list("calendar", flat=True)) == [
        calendar.pk
    ]
    # Within one calendar, a UID is still one resource's.
    clash = dav.request("PUT", second + "other-name.ics", ics("copy@test"))
    assert clash.status_code == 403 and b"no-uid-conflict" in clash.content
    assert Event.objects.filter(uid="copy@test").count() == 1


def test_another_persons_uid_is_neither_refused_nor_told() -> None:
    """Someone else's event, which I cannot see, does not stop mine: the refusal told me once
    that a UID existed somewhere in Cercle."""
    theirs = make_event(organiser=make_user(), title="Secret")
    dav = Dav(make_user())
    made = dav.request("PUT", dav.personal + "mine.ics", ics(theirs.uid, "Mine"))
    assert made.status_code == 201, made.content
    assert Event.objects.get(pk=theirs.pk).title == "Secret"


def test_an_invitation_in_my_calendar_keeps_its_uid() -> None:
    """My main calendar holds the events I am invited to: a second resource with one's UID would
    be two resources of one UID in the collection."""
    organiser = make_user(email="orga@example.org")
    lea = make_user(email="lea@example.org")
    event = make_event(organiser=organiser)
    actions.invite(actor=organiser, event=event, people=[lea])
    dav = Dav(lea)
    clash = dav.request("PUT", dav.personal + "again.ics", ics(event.uid, "Copy"))
    assert clash.status_code == 403 and b"no-uid-conflict" in clash.content
    assert Event.objects.filter(uid=event.uid).count() == 1


def test_an_event_with_people_invited_is_one_among_my_calendars() -> None:
    organiser = make_user(email="orga@example.org")
    lea = make_user(email="lea@example.org")
    dav = Dav(organiser)
    _, second = _second_calendar(dav)
    made = dav.request("PUT", dav.personal + "meet.ics", ics("meet@test", extra=INVITING))
    assert made.status_code == 201, made.content
    refused = dav.request("PUT", second + "meet.ics", ics("meet@test", extra=INVITING))
    assert refused.status_code == 403
    assert b"unique-scheduling-object-resource" in refused.content
    assert Event.objects.filter(uid="meet@test").count() == 1
    assert Invitation.objects.filter(person=lea).count() == 1
    # A plain copy (nobody invited) may be kept beside it.
    plain = dav.request("PUT", second + "meet.ics", ics("meet@test"))
    assert plain.status_code == 201, plain.content


@translation.override("en")
def test_the_import_refuses_a_uid_only_where_it_would_double() -> None:
    person = make_user(email="lea@example.org")
    personal = actions.personal_calendar(person)
    second = actions.create_extra_calendar(actor=person, name="Perso")
    data = ics("imported@test").encode()
    assert ics_import.import_ics(actor=person, calendar=personal, data=data).imported == ["Café"]
    again = ics_import.import_ics(actor=person, calendar=personal, data=data)
    assert again.imported == [] and [why for _, why in again.refused] == [
        "It is already in this calendar."
    ]
    assert ics_import.import_ics(actor=person, calendar=second, data=data).imported == ["Café"]
    assert Event.objects.filter(uid="imported@test").count() == 2
    # An event one is invited to is already in one's agenda.
    organiser = make_user()
    invitation = make_event(organiser=organiser, title="Point")
    actions.invite(actor=organiser, event=invitation, people=[person])
    copy = ics_import.import_ics(actor=person, calendar=second, data=ics(invitation.uid).encode())
    assert copy.imported == [] and [why for _, why in copy.refused] == [
        "You are already invited to it."
    ]


def test_a_reply_by_mail_answers_the_event_that_invites_the_sender() -> None:
    organiser = make_user(email="orga@example.org")
    claire = make_user(email="claire@example.org")
    # A copy with the same UID, made first, in another person's calendar: not the one answered.
    first = make_event(organiser=make_user(), title="Copie")
    invited = make_event(organiser=organiser, title="Point projet")
    Event.objects.filter(pk=invited.pk).update(uid=first.uid)
    actions.invite(actor=organiser, event=Event.objects.get(pk=invited.pk), people=[claire])
    raw = _eml("claire@example.org", _reply_ics(uid=first.uid, attendee="claire@example.org"))
    outcome = replies.receive_message(raw)
    assert outcome.recorded == [(invited.pk, claire.pk, "yes")]
    assert not Invitation.objects.filter(event=first).exists()


def test_move_takes_an_event_with_its_invitations_to_another_calendar() -> None:
    """How Apple Calendar moves an event: MOVE with a Destination. The event keeps its UID,
    invitations and answers; the source's sync-collection reports it gone, the destination's
    new; it is at its new name."""
    organiser = make_user(email="orga@example.org")
    lea = make_user(email="lea@example.org")
    dav = Dav(organiser)
    calendar, second = _second_calendar(dav)
    made = dav.request("PUT", dav.personal + "meet.ics", ics("meet@test", extra=INVITING))
    assert made.status_code == 201, made.content
    event = Event.objects.get(uid="meet@test")
    actions.respond(actor=lea, event=event, answer="yes")
    before = dav.request("PROPFIND", dav.personal, SYNC_PROPS, depth="1")
    token = _token(before)
    stale = dav.request(
        "MOVE", dav.personal + "meet.ics", destination=second + "moved.ics", if_match='"stale"'
    )
    assert stale.status_code == 412
    moved = dav.request(
        "MOVE", dav.personal + "meet.ics", destination="http://testserver" + second + "moved.ics"
    )
    assert moved.status_code == 201, moved.content
    event.refresh_from_db()
    assert event.calendar_id == calendar.pk and event.uid == "meet@test"
    assert list(event.invitations.values_list("person__email", "answer")) == [
        ("lea@example.org", "yes")
    ]
    assert dav.request("GET", dav.personal + "meet.ics").status_code == 404
    assert _summary(dav, second + "moved.ics") == "Café"
    gone = xml(dav.request("REPORT", dav.personal, _sync(token)))
    assert [r.findtext("d:status", namespaces=NS) for r in gone.findall("d:response", NS)] == [
        "HTTP/1.1 404 Not Found"
    ]
    # Back again, by its default name; Overwrite: F on a taken name is refused.
    dav.request("PUT", dav.personal + "other.ics", ics("other@test"))
    taken = dav.request(
        "MOVE", second + "moved.ics", destination=dav.personal + "other.ics", overwrite="F"
    )
    assert taken.status_code == 412 and Event.objects.filter(uid="other@test").exists()
    back = dav.request("MOVE", second + "moved.ics", destination=dav.personal + "meet@test.ics")
    assert back.status_code == 201, back.content
    assert _summary(dav, dav.personal + "meet@test.ics") == "Café"
    assert AuditEntry.objects.filter(action="agenda.event_moved").count() == 2


def test_a_move_that_may_not_be_is_refused_and_changes_nothing() -> None:
    organiser = make_user(email="orga@example.org")
    lea = make_user(email="lea@example.org")
    event = make_event(organiser=organiser, title="Point")
    actions.invite(actor=organiser, event=event, people=[lea])
    dav = Dav(lea)
    calendar, second = _second_calendar(dav)
    name = f"{event.uid}.ics"
    # An invitation delivered into my calendar is answered, not moved.
    refused = dav.request("MOVE", dav.personal + name, destination=second + name)
    assert refused.status_code == 403
    # Not into someone else's calendar, not out of this server, not onto itself.
    mine = dav.request("PUT", dav.personal + "mine.ics", ics("mine@test"))
    assert mine.status_code == 201
    other_home = f"/caldav/calendars/{organiser.pk}/personal/mine.ics"
    for destination, status in (
        (other_home, 409),
        ("https://elsewhere.example/caldav/x.ics", 502),
        (dav.personal + "mine2.ics", 403),
        ("", 502),
    ):
        response = dav.request("MOVE", dav.personal + "mine.ics", destination=destination)
        assert response.status_code == status, (destination, response.content)
    # The destination has an event with its UID.
    dav.request("PUT", second + "mine.ics", ics("mine@test"))
    clash = dav.request("MOVE", dav.personal + "mine.ics", destination=second + "elsewhere.ics")
    assert clash.status_code == 403 and b"no-uid-conflict" in clash.content
    assert Event.objects.get(pk=event.pk).calendar_id == actions.personal_calendar(organiser).pk
    assert sorted(Event.objects.filter(uid="mine@test").values_list("calendar", flat=True)) == (
        sorted([actions.personal_calendar(lea).pk, calendar.pk])
    )
