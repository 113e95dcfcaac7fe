"""Answers from mail clients: real .eml files built with `email` and `icalendar`, as Thunderbird
or Outlook send them (an iTIP REPLY), read by `manage.py receive_mail` and its function; forged,
stale or unknown replies change nothing."""

from __future__ import annotations

import io
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import icalendar
import pytest
from django.core.management import call_command

from cercle.agenda import actions, replies
from cercle.agenda.models import Invitation
from tests.factories import make_event, make_user

pytestmark = pytest.mark.django_db


def _reply_ics(
    *,
    uid: str,
    attendee: str,
    partstat: str = "ACCEPTED",
    organizer: str = "orga@example.org",
    comment: str = "",
    method: str = "REPLY",
    recurrence_id: Any = None,
) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    vevent = icalendar.Event()
    vevent.add("uid", uid)
    vevent.add("dtstamp", icalendar.vDDDTypes.from_ical("20260301T120000Z"))
    vevent.add("sequence", 0)
    vevent.add("organizer", icalendar.vCalAddress(f"mailto:{organizer}"))
    address = icalendar.vCalAddress(f"mailto:{attendee}")
    address.params["PARTSTAT"] = partstat
    vevent.add("attendee", address)
    if comment:
        vevent.add("comment", comment)
    if recurrence_id is not None:
        vevent.add("recurrence-id", recurrence_id)
    calendar.add_component(vevent)
    data: bytes = calendar.to_ical()
    return data


def _eml(sender: str, ics: bytes, *, inline: bool = True) -> bytes:
    message = EmailMessage()
    message["From"] = f"Someone <{sender}>"
    message["To"] = "orga@example.org"
    message["Subject"] = "Accepted: Point projet"
    message.set_content("I will come.")
    if inline:
        message.add_alternative(ics.decode(), subtype="calendar", params={"method": "REPLY"})
    message.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")
    return message.as_bytes()


@pytest.fixture
def invited() -> tuple[Any, Any]:
    organiser = make_user(email="orga@example.org")
    claire = make_user(email="Claire@Example.org")
    event = make_event(organiser=organiser, rule="FREQ=WEEKLY;COUNT=3")
    actions.invite(actor=organiser, event=event, people=[claire])
    return event, claire


def _answer(event: Any, person: Any) -> tuple[str, str]:
    invitation = Invitation.objects.get(event=event, person=person)
    return invitation.answer, invitation.comment


@pytest.mark.parametrize(
    ("partstat", "answer"), [("ACCEPTED", "yes"), ("DECLINED", "no"), ("TENTATIVE", "maybe")]
)
def test_a_reply_records_the_answer_and_comment(
    invited: tuple[Any, Any], partstat: str, answer: str
) -> None:
    event, claire = invited
    raw = _eml(
        "claire@example.org",
        _reply_ics(
            uid=event.uid, attendee="claire@example.org", partstat=partstat, comment="En retard"
        ),
    )
    outcome = replies.receive_message(raw)
    assert outcome.recorded == [(event.pk, claire.pk, answer)]
    assert _answer(event, claire) == (answer, "En retard")


def test_the_command_reads_a_message_file_and_standard_input(
    invited: tuple[Any, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    event, claire = invited
    path = tmp_path / "reply.eml"
    path.write_bytes(
        _eml("claire@example.org", _reply_ics(uid=event.uid, attendee="claire@example.org"))
    )
    out = io.StringIO()
    call_command("receive_mail", str(path), stdout=out)
    assert f"recorded: event {event.pk}, person {claire.pk}: yes" in out.getvalue()
    raw = _eml(
        "claire@example.org",
        _reply_ics(uid=event.uid, attendee="claire@example.org", partstat="DECLINED"),
        inline=False,
    )

    class Stdin:
        buffer = io.BytesIO(raw)

    monkeypatch.setattr("sys.stdin", Stdin)
    call_command("receive_mail", stdout=io.StringIO())
    assert _answer(event, claire)[0] == "no"


@pytest.mark.parametrize(
    ("sender", "ics_args", "reason"),
    [
        # Someone else answering for Claire.
        ("mallory@example.org", {"attendee": "claire@example.org"}, "sender is not the attendee"),
        # Someone not invited.
        ("bob@example.org", {"attendee": "bob@example.org"}, "not invited"),
        ({"unknown": True}, {"attendee": "claire@example.org"}, "unknown event"),
        ("claire@example.org", {"attendee": "claire@example.org", "method": "REQUEST"}, "REPLY"),
        (
            "claire@example.org",
            {"attendee": "claire@example.org", "organizer": "other@example.org"},
            "organizer",
        ),
        (
            "claire@example.org",
            {"attendee": "claire@example.org", "partstat": "DELEGATED"},
            "PARTSTAT",
        ),
        (
            "claire@example.org",
            {
                "attendee": "claire@example.org",
                # No occurrence of the series at that time.
                "recurrence_id": icalendar.vDDDTypes.from_ical("20200309T080000Z"),
            },
            "refused",
        ),
    ],
)
def test_forged_unknown_or_other_replies_change_nothing(
    invited: tuple[Any, Any], sender: Any, ics_args: dict[str, Any], reason: str
) -> None:
    event, claire = invited
    uid = event.uid
    if isinstance(sender, dict):
        sender, uid = "claire@example.org", "nothing@elsewhere"
    outcome = replies.receive_message(_eml(sender, _reply_ics(uid=uid, **ics_args)))
    assert not outcome.understood
    assert any(reason in r for r in outcome.ignored), outcome.ignored
    assert _answer(event, claire) == ("pending", "")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not a mail at all",
        b"From: claire@example.org\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\nBROKEN",
        b"From: a@b, c@d\r\n\r\nhello",
        b"From: claire@example.org\r\n\r\n" + b"x" * (replies.MAX_BYTES + 1),
    ],
)
def test_broken_messages_are_ignored_safely(invited: tuple[Any, Any], raw: bytes) -> None:
    event, claire = invited
    outcome = replies.receive_message(raw)
    assert not outcome.understood and outcome.ignored
    assert _answer(event, claire) == ("pending", "")


def test_a_reply_to_an_invitation_mailed_by_cercle_round_trips(
    invited: tuple[Any, Any],
) -> None:
    """The REQUEST Cercle writes, answered as a client does (same UID, ORGANIZER), is understood."""
    from cercle.agenda import mail

    event, claire = invited
    request = icalendar.Calendar.from_ical(mail.request_ics(event))
    (vevent,) = request.walk("VEVENT")
    organizer = str(vevent["ORGANIZER"]).removeprefix("mailto:")
    raw = _eml(
        "claire@example.org",
        _reply_ics(uid=str(vevent["UID"]), attendee="claire@example.org", organizer=organizer),
    )
    assert replies.receive_message(raw).understood
    assert _answer(event, claire)[0] == "yes"


def test_a_reply_for_one_occurrence_answers_that_occurrence_only() -> None:
    """Thunderbird's "this occurrence only": a REPLY with RECURRENCE-ID (the occurrence's start in
    UTC) is that occurrence's answer, as on the event's page; the series' answer is untouched."""
    import datetime as dt

    organiser = make_user(email="orga@example.org")
    claire = make_user(email="claire@example.org")
    event = make_event(
        organiser=organiser, start=dt.datetime(2026, 3, 2, 9), rule="FREQ=WEEKLY;COUNT=3"
    )
    actions.invite(actor=organiser, event=event, people=[claire])
    second = icalendar.vDDDTypes.from_ical("20260309T080000Z")  # 9:00 in Paris, in winter
    ics = _reply_ics(
        uid=event.uid,
        attendee="claire@example.org",
        partstat="DECLINED",
        comment="En congé",
        recurrence_id=second,
    )
    outcome = replies.receive_message(_eml("claire@example.org", ics))
    assert outcome.recorded == [(event.pk, claire.pk, "no")], outcome.ignored
    invitation = Invitation.objects.get(event=event, person=claire)
    assert invitation.answer == "pending"
    assert [(r.occurrence, r.answer, r.comment) for r in invitation.occurrence_answers.all()] == [
        (second, "no", "En congé")
    ]
