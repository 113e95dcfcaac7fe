"""Invitations by e-mail through a real SMTP server (aiosmtpd), read back with `icalendar`: a
REQUEST on invitation and on change (SEQUENCE raised), a CANCEL on cancellation and when someone
is no longer invited, each in the person's language."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cercle.accounts.models import User
from cercle.agenda import actions
from tests.factories import make_event, make_user

pytestmark = pytest.mark.django_db(transaction=True)

PARIS = ZoneInfo("Europe/Paris")


def _calendar_parts(message: Any) -> tuple[Any, Any]:
    """The `text/calendar` alternative and the `.ics` attachment of a mail."""
    inline = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    attached = [p for p in message.walk() if p.get_filename() == "invite.ics"]
    assert len(inline) == 1 and len(attached) == 1
    return inline[0], attached[0]


def _read(message: Any) -> icalendar.Calendar:
    inline, attached = _calendar_parts(message)
    calendar = icalendar.Calendar.from_ical(inline.get_content())
    assert calendar.to_ical() == icalendar.Calendar.from_ical(attached.get_content()).to_ical()
    assert inline.get_param("method") == str(calendar["METHOD"])
    return calendar


def _events(calendar: icalendar.Calendar) -> list[icalendar.Event]:
    return list(calendar.walk("VEVENT"))


def _attendees(component: icalendar.Event) -> dict[str, str]:
    found = component.get("ATTENDEE", [])
    found = found if isinstance(found, list) else [found]
    return {str(a).removeprefix("mailto:"): a.params["PARTSTAT"] for a in found}


def _to(smtp_server: Any, address: str) -> list[Any]:
    return [m for m in smtp_server.messages if address in m["To"]]


def test_an_invitation_is_a_request_clients_accept_in_the_person_s_language(
    smtp_server: Any,
) -> None:
    organiser = make_user(first_name="Anne", last_name="Martin", email="anne@example.org")
    claire = make_user(first_name="Claire", email="claire@example.org")
    bob = make_user(first_name="Bob", email="bob@example.org")
    User.objects.filter(pk=claire.pk).update(language="fr")
    User.objects.filter(pk=bob.pk).update(language="en")
    event = make_event(
        organiser=organiser, title="Point projet", rule="FREQ=WEEKLY;COUNT=4", place="Salle 2"
    )
    actions.invite(actor=organiser, event=event, people=[claire, bob])
    messages = smtp_server.wait_for(2)
    assert len(messages) == 2
    french, english = _to(smtp_server, "claire@")[0], _to(smtp_server, "bob@")[0]
    assert french["Subject"] == "[Cercle] Invitation : Point projet"
    assert english["Subject"] == "[Cercle] Invitation: Point projet"
    assert "Anne Martin vous invite" in french.get_body(("plain",)).get_content()
    assert "Where: Salle 2" in english.get_body(("plain",)).get_content()
    assert french.get_content_type() == "multipart/mixed"
    calendar = _read(french)
    assert str(calendar["METHOD"]) == "REQUEST"
    (vevent,) = _events(calendar)
    assert str(vevent["UID"]) == event.uid
    assert int(vevent["SEQUENCE"]) == event.sequence
    assert "DTSTAMP" in vevent
    assert str(vevent["ORGANIZER"]) == "mailto:anne@example.org"
    assert vevent["ORGANIZER"].params["CN"] == "Anne Martin"
    assert _attendees(vevent) == {
        "claire@example.org": "NEEDS-ACTION",
        "bob@example.org": "NEEDS-ACTION",
    }
    assert vevent["DTSTART"].dt == dt.datetime(2026, 3, 2, 9, tzinfo=PARIS)
    assert vevent["RRULE"]["COUNT"] == [4]
    assert calendar.walk("VTIMEZONE"), "the zone travels with the invitation"


def test_a_change_is_a_new_request_with_a_higher_sequence_to_those_who_did_not_decline(
    smtp_server: Any,
) -> None:
    organiser = make_user(email="orga@example.org")
    yes = make_user(email="yes@example.org")
    no = make_user(email="no@example.org")
    event = make_event(organiser=organiser)
    actions.invite(actor=organiser, event=event, people=[yes, no])
    actions.respond(actor=yes, event=event, answer="yes", comment="J'y serai")
    actions.respond(actor=no, event=event, answer="no")
    smtp_server.wait_for(2)
    smtp_server.messages.clear()
    first_sequence = event.sequence
    actions.change_event(actor=organiser, event=event, details=actions.Details(title="Déplacé"))
    (changed,) = smtp_server.wait_for(1)
    assert "yes@example.org" in changed["To"]
    assert changed["Subject"].startswith("[Cercle] Modifié")
    (vevent,) = _events(_read(changed))
    assert int(vevent["SEQUENCE"]) == first_sequence + 1
    assert str(vevent["SUMMARY"]) == "Déplacé"
    assert _attendees(vevent) == {"yes@example.org": "ACCEPTED", "no@example.org": "DECLINED"}


def test_cancelling_one_occurrence_the_whole_event_and_an_invitation_send_cancels(
    smtp_server: Any,
) -> None:
    organiser = make_user(email="orga@example.org")
    claire = make_user(email="claire@example.org")
    bob = make_user(email="bob@example.org")
    event = make_event(organiser=organiser, rule="FREQ=WEEKLY;COUNT=4")
    actions.invite(actor=organiser, event=event, people=[claire, bob])
    smtp_server.wait_for(2)
    smtp_server.messages.clear()

    second = dt.datetime(2026, 3, 9, 9, tzinfo=PARIS)
    actions.cancel_event(actor=organiser, event=event, scope="this", occurrence=second)
    assert len(smtp_server.wait_for(2)) == 2
    calendar = _read(smtp_server.messages[0])
    assert str(calendar["METHOD"]) == "CANCEL"
    (vevent,) = _events(calendar)
    assert vevent["RECURRENCE-ID"].dt == second
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert int(vevent["SEQUENCE"]) == 1
    smtp_server.messages.clear()

    event.refresh_from_db()
    assert actions.uninvite(actor=organiser, event=event, person=bob)
    (withdrawn,) = smtp_server.wait_for(1)
    assert "bob@example.org" in withdrawn["To"]
    (vevent,) = _events(_read(withdrawn))
    assert "RECURRENCE-ID" not in vevent
    assert _attendees(vevent) == {"bob@example.org": "NEEDS-ACTION"}
    assert int(vevent["SEQUENCE"]) == 2
    smtp_server.messages.clear()

    uid = event.uid
    actions.cancel_event(actor=organiser, event=event)
    (gone,) = smtp_server.wait_for(1)
    assert "claire@example.org" in gone["To"]
    calendar = _read(gone)
    assert str(calendar["METHOD"]) == "CANCEL"
    (vevent,) = _events(calendar)
    assert str(vevent["UID"]) == uid and int(vevent["SEQUENCE"]) == 3


def test_a_refused_change_mails_nothing(smtp_server: Any) -> None:
    organiser = make_user()
    event = make_event(organiser=organiser)
    actions.invite(actor=organiser, event=event, people=[make_user()])
    smtp_server.wait_for(1)
    smtp_server.messages.clear()
    with pytest.raises(ValidationError):
        actions.change_event(actor=organiser, event=event, details=actions.Details(title=""))
    with pytest.raises(PermissionDenied):
        actions.change_event(actor=make_user(), event=event, details=actions.Details(title="X"))
    assert smtp_server.messages == []
