"""Answers sent by mail clients: an iTIP `METHOD:REPLY` (RFC 5546) in a mail (RFC 6047) becomes
the invitee's answer, as if they had answered on the event's page.

A mail gateway (the MTA's pipe to `manage.py receive_mail`, or any code that holds the raw
message) calls `receive_message(raw)`. What is trusted, and why:
- the mail's `From` must be the address of the ATTENDEE that answers, and that address must be
  the one of a person invited to the event named by the UID; the ORGANIZER must be the one the
  invitation named. A reply that fails any of these, names an unknown event, or is not a REPLY is
  ignored and changes nothing. (The `From` header is only as good as the gateway's check of the
  sender: let through only mail the receiving server has authenticated — SPF/DKIM/DMARC.)
- an answer for one occurrence (RECURRENCE-ID) is that occurrence's answer only, as "this
  occurrence only" on the event's page; a RECURRENCE-ID that is no occurrence of the event is
  ignored.
- a malformed calendar, a huge message, a deactivated person: ignored, with the reason.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses

import icalendar
from django.core.exceptions import PermissionDenied, ValidationError

from cercle.accounts.models import User
from cercle.agenda import actions, mail
from cercle.agenda.models import Answer, Event, Invitation

MAX_BYTES = 2 * 1024 * 1024

ANSWERS = {"ACCEPTED": Answer.YES, "DECLINED": Answer.NO, "TENTATIVE": Answer.MAYBE}


@dataclass
class Outcome:
    """What a message did: the answers recorded and, for each thing ignored, why."""

    recorded: list[tuple[int, int, str]] = field(default_factory=list)  # (event, person, answer)
    ignored: list[str] = field(default_factory=list)
    # (UID, attendee) already read: a mail carries the same REPLY inline and attached.
    seen: set[tuple[str, str]] = field(default_factory=set)

    @property
    def understood(self) -> bool:
        return bool(self.recorded)


def _address(value: object) -> str:
    text = str(value or "").strip()
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    return text.strip().lower()


def _calendars(message: EmailMessage) -> list[bytes]:
    found: list[bytes] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        name = (part.get_filename() or "").lower()
        if kind in ("text/calendar", "application/ics") or name.endswith(".ics"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes) and payload not in found:
                found.append(payload)
    return found


def receive_message(raw: bytes) -> Outcome:
    """Read one mail; record the answers of the iTIP REPLYs it holds that pass the checks."""
    outcome = Outcome()
    if len(raw) > MAX_BYTES:
        outcome.ignored.append("the message is too large")
        return outcome
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    senders = getaddresses([str(message.get("From", ""))])
    sender = senders[0][1].strip().lower() if len(senders) == 1 else ""
    if not sender or "@" not in sender:
        outcome.ignored.append("no single sender address")
        return outcome
    calendars = _calendars(message)
    if not calendars:
        outcome.ignored.append("no calendar in the message")
    for data in calendars:
        try:
            calendar = icalendar.Calendar.from_ical(data)
        except (ValueError, IndexError, KeyError, TypeError):
            outcome.ignored.append("a calendar that cannot be read")
            continue
        if str(calendar.get("METHOD", "")).upper() != "REPLY":
            outcome.ignored.append("not an iTIP REPLY")
            continue
        for component in calendar.walk("VEVENT"):
            _reply(component, sender, outcome)
    return outcome


def _replied_event(uid: str, sender: str) -> Event | None:
    """The event a reply answers: a UID is unique in its calendar only (a person may keep a
    copy of an event in another calendar), so the one that invites the sender, if any."""
    events = Event.objects.select_related("organiser", "calendar__space").filter(uid=uid)
    invited = events.filter(
        invitations__person__email__iexact=sender, invitations__person__is_active=True
    )
    return invited.order_by("pk").first() or events.order_by("pk").first()


def _reply(component: icalendar.cal.Component, sender: str, outcome: Outcome) -> None:
    uid = str(component.get("UID", "")).strip()
    event = _replied_event(uid, sender) if uid and len(uid) <= 255 else None
    if event is None:
        outcome.ignored.append(f"unknown event {uid[:80]!r}")
        return
    organizer = _address(component.get("ORGANIZER"))
    if organizer and organizer != mail.organizer_address(event)[0].lower():
        outcome.ignored.append("the organizer is not the one invitations name")
        return
    attendees = component.get("ATTENDEE", [])
    attendees = attendees if isinstance(attendees, list) else [attendees]
    if len(attendees) != 1:
        outcome.ignored.append("a reply names exactly one attendee")
        return
    (attendee,) = attendees
    address = _address(attendee)
    if (uid, address) in outcome.seen:
        return
    outcome.seen.add((uid, address))
    if address != sender:
        outcome.ignored.append("the sender is not the attendee who answers")
        return
    answer = ANSWERS.get(str(attendee.params.get("PARTSTAT", "")).upper())
    if answer is None:
        outcome.ignored.append("no answer (PARTSTAT) in the reply")
        return
    invitation = (
        Invitation.objects.select_related("person")
        .filter(event=event, person__email__iexact=address, person__is_active=True)
        .first()
    )
    if invitation is None:
        outcome.ignored.append("the sender is not invited to this event")
        return
    person: User = invitation.person
    comment = str(component.get("COMMENT", "") or "").strip()[:500]
    try:
        occurrence = component.decoded("RECURRENCE-ID") if "RECURRENCE-ID" in component else None
        actions.respond(
            actor=person, event=event, answer=answer, comment=comment, occurrence=occurrence
        )
    except (ValueError, TypeError):  # a RECURRENCE-ID icalendar cannot read
        outcome.ignored.append("the occurrence (RECURRENCE-ID) cannot be read")
        return
    except (PermissionDenied, ValidationError) as error:
        outcome.ignored.append(f"refused: {error}")
        return
    outcome.recorded.append((event.pk, person.pk, str(answer)))
