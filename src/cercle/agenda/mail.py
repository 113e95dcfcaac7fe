"""Invitations by e-mail, as iTIP (RFC 5546) over iMIP (RFC 6047): what mail clients (Thunderbird,
Outlook, Apple Mail, Gmail) show with "Accept / Decline" buttons and add to the person's calendar.

- An invitation, and every change of an event (its SEQUENCE raised by the action), is a
  `METHOD:REQUEST` to those invited who have not declined;
- a cancelled event, occurrence, or a person no longer invited gets a `METHOD:CANCEL`.

Each mail is `multipart/mixed`: a `multipart/alternative` of a plain text (in the person's
language and time zone) and the `text/calendar; method=…` part clients act on, then the same
calendar as an `invite.ics` attachment for those that only read attachments. The mails leave
after the action's transaction commits (`transaction.on_commit`), so a refused change mails
nothing; their calendar is built inside it, while the event (and, for a cancellation, its
invitations) still exists.

ORGANIZER is the organiser's address, or `CERCLE_AGENDA_REPLY_ADDRESS` when set (with the
organiser's name): mail clients send their iTIP REPLY there, and `replies.receive_message`
reads it when that mailbox is piped to `manage.py receive_mail`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.agenda import ical, recurrence
from cercle.agenda.models import Answer, Event, Invitation
from cercle.agenda.recurrence import Timing
from cercle.core.mail import absolute_url

REQUEST = "REQUEST"
CANCEL = "CANCEL"

# Off within `quiet()`: the demo organisation's invitations are not mailed.
_SENDING: ContextVar[bool] = ContextVar("agenda_mail_sending", default=True)


@contextmanager
def quiet() -> Iterator[None]:
    token = _SENDING.set(False)
    try:
        yield
    finally:
        _SENDING.reset(token)


class InvitationMessage(EmailMultiAlternatives):
    """A mail whose `text/calendar` alternative carries the iTIP method as a parameter."""

    def __init__(self, *args: Any, method: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.method = method

    def _create_mime_attachment(self, content: Any, mimetype: str) -> Any:
        part = super()._create_mime_attachment(content, mimetype)  # type: ignore[misc]
        if mimetype == "text/calendar":
            part.set_param("method", self.method)
        return part


def reply_address() -> str:
    return str(getattr(settings, "CERCLE_AGENDA_REPLY_ADDRESS", "") or "").strip()


def organizer_address(event: Event) -> tuple[str, str]:
    """The ORGANIZER's address and name, as the mails say them."""
    organiser = event.organiser
    name = organiser.display_name if organiser is not None else ""
    address = reply_address() or (organiser.email if organiser is not None else "")
    if not address:
        address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address, name


def _organizer(event: Event) -> icalendar.vCalAddress:
    address, name = organizer_address(event)
    value = icalendar.vCalAddress(f"mailto:{address}")
    if name:
        value.params["CN"] = name
    return value


def _attendee(person: User, answer: str) -> icalendar.vCalAddress:
    value = icalendar.vCalAddress(f"mailto:{person.email}")
    value.params["CN"] = person.display_name
    value.params["PARTSTAT"] = ical.PARTSTAT.get(answer, "NEEDS-ACTION")
    value.params["ROLE"] = "REQ-PARTICIPANT"
    value.params["RSVP"] = "TRUE"
    return value


def _calendar(method: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", ical.PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def _finish(calendar: icalendar.Calendar) -> bytes:
    calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data


def request_ics(event: Event, *, now: dt.datetime | None = None) -> bytes:
    """The event as it stands, every invitee with their answer: `METHOD:REQUEST`."""
    stamp = now or timezone.now()
    calendar = _calendar(REQUEST)
    # Fresh: the invitations just made, and one query for all their people.
    prefetch_related_objects(
        [event], "invitations__person", "invitations__occurrence_answers", "occurrences"
    )
    invitations = list(event.invitations.all())
    # Answers for single occurrences, on their overriding VEVENTs.
    singles: dict[tuple[int, dt.datetime | None], str] = {
        (invitation.pk, row.occurrence): row.answer
        for invitation in invitations
        for row in invitation.occurrence_answers.all()
    }
    for component in ical.components(event):
        rid = component.get("recurrence-id")
        key = _key(rid.dt) if rid is not None else None
        for name in ("DTSTAMP", "ORGANIZER", "ATTENDEE"):
            component.pop(name, None)
        component.add("dtstamp", stamp)
        component.add("organizer", _organizer(event))
        for invitation in invitations:
            if invitation.person.email:
                answer = singles.get((invitation.pk, key), invitation.answer)
                component.add("attendee", _attendee(invitation.person, answer))
        component.add("status", "CONFIRMED")
        calendar.add_component(component)
    return _finish(calendar)


def _key(value: dt.date | dt.datetime) -> dt.datetime:
    """The recurrence id of a RECURRENCE-ID as `ical` writes it (aware, or a date)."""
    return recurrence.occurrence_key(value)


def _recurrence_id(key: dt.datetime, event: Event) -> dt.date | dt.datetime:
    """RECURRENCE-ID as `ical` writes it: a date for all-day series, else local time."""
    return key.date() if event.all_day else key.astimezone(ZoneInfo(event.time_zone))


def cancel_ics(
    event: Event,
    people: Iterable[User],
    *,
    occurrence: Timing | None = None,
    recurrence_id: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """`METHOD:CANCEL` of the whole event, or of one occurrence (`recurrence_id`, its `occurrence`
    timing), for `people` (all those invited, or the one no longer invited)."""
    stamp = now or timezone.now()
    calendar = _calendar(CANCEL)
    prefetch_related_objects([event], "occurrences")
    master = ical.components(event, busy=True)[0]
    component = icalendar.Event()
    component.add("uid", event.uid)
    component.add("dtstamp", stamp)
    component.add("sequence", event.sequence)
    if recurrence_id is not None and occurrence is not None:
        component.add("recurrence-id", _recurrence_id(recurrence_id, event))
        if occurrence.all_day:
            component.add("dtstart", occurrence.start_date)
            component.add("dtend", occurrence.end_date)
        else:
            assert occurrence.start is not None and occurrence.end is not None
            tz = ZoneInfo(event.time_zone)
            component.add("dtstart", occurrence.start.astimezone(tz))
            component.add("dtend", occurrence.end.astimezone(tz))
    else:
        for name in ("DTSTART", "DTEND", "RRULE"):
            if name in master:
                component.add(name, master[name])
    component.add("summary", event.title)
    component.add("organizer", _organizer(event))
    for person in people:
        if person.email:
            component.add("attendee", _attendee(person, Answer.PENDING))
    component.add("status", "CANCELLED")
    calendar.add_component(component)
    return _finish(calendar)


# --- The mails -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    """One mail, its text decided in the recipient's language."""

    to: str
    subject: str
    body: str
    method: str
    ics: bytes


def _when(timing: Timing, person: User) -> str:
    if timing.all_day:
        assert timing.start_date is not None and timing.end_date is not None
        last = timing.end_date - dt.timedelta(days=1)
        if last == timing.start_date:
            return formats.date_format(timing.start_date, "DATE_FORMAT")
        return _("%(first)s to %(last)s") % {
            "first": formats.date_format(timing.start_date, "DATE_FORMAT"),
            "last": formats.date_format(last, "DATE_FORMAT"),
        }
    assert timing.start is not None and timing.end is not None
    try:
        zone = ZoneInfo(person.time_zone)
    except (ValueError, KeyError, OSError):
        zone = ZoneInfo("UTC")
    start, end = timing.start.astimezone(zone), timing.end.astimezone(zone)
    text = _("%(start)s to %(end)s") % {
        "start": formats.date_format(start, "DATETIME_FORMAT"),
        "end": formats.time_format(end, "TIME_FORMAT")
        if start.date() == end.date()
        else formats.date_format(end, "DATETIME_FORMAT"),
    }
    return f"{text} ({person.time_zone})"


def _language(person: User) -> str:
    return person.language or settings.LANGUAGE_CODE


def _compose(
    *, person: User, event: Event, method: str, change: bool, ics: bytes, timing: Timing | None
) -> Mail:
    organiser = event.organiser.display_name if event.organiser is not None else "Cercle"
    with translation.override(_language(person)):
        if method == CANCEL:
            subject = _("Cancelled: %(title)s") % {"title": event.title}
            opening = _("%(name)s cancelled this event, or your invitation to it.") % {
                "name": organiser
            }
        elif change:
            subject = _("Changed: %(title)s") % {"title": event.title}
            opening = _("%(name)s changed an event you are invited to.") % {"name": organiser}
        else:
            subject = _("Invitation: %(title)s") % {"title": event.title}
            opening = _("%(name)s invites you to an event.") % {"name": organiser}
        lines = [
            opening,
            "",
            event.title,
            _("When: %(when)s") % {"when": _when(timing or event.own_timing(), person)},
        ]
        if event.rule and timing is None:
            lines.append(_("Repeats: %(rule)s") % {"rule": event.rule})
        if event.place:
            lines.append(_("Where: %(place)s") % {"place": event.place})
        if event.meeting_url:
            lines.append(_("Online: %(url)s") % {"url": event.meeting_url})
        if method == REQUEST:
            lines += [
                "",
                _("Answer in your calendar application, or on Cercle: %(url)s")
                % {"url": absolute_url(reverse("agenda_event", args=[event.pk]))},
            ]
    return Mail(
        to=person.email,
        subject=f"[Cercle] {subject}",
        body="\n".join(lines) + "\n",
        method=method,
        ics=ics,
    )


def _send(mails: list[Mail]) -> None:
    if not mails or not _SENDING.get():
        return
    reply_to = [reply_address()] if reply_address() else None

    def deliver() -> None:
        for mail in mails:
            message = InvitationMessage(
                subject=mail.subject,
                body=mail.body,
                to=[mail.to],
                reply_to=reply_to,
                method=mail.method,
            )
            text = mail.ics.decode("utf-8")
            message.attach_alternative(text, "text/calendar")
            message.attach("invite.ics", mail.ics, "application/ics")
            message.send()

    transaction.on_commit(deliver)


def _reachable(people: Iterable[User]) -> list[User]:
    return [p for p in people if p.is_active and p.email]


def send_request(event: Event, people: Iterable[User], *, change: bool) -> None:
    """The event as it stands to `people` (new invitees, or those who have not declined a
    change), after commit."""
    reachable = _reachable(people)
    if not reachable:
        return
    ics = request_ics(event)
    _send(
        [
            _compose(person=p, event=event, method=REQUEST, change=change, ics=ics, timing=None)
            for p in reachable
        ]
    )


def send_change(event: Event) -> None:
    """A change of `event` to those invited who have not declined."""
    send_request(event, invited_people(event), change=True)


def invited_people(event: Event, *, declined: bool = False) -> list[User]:
    invitations = Invitation.objects.filter(event=event).select_related("person")
    if not declined:
        invitations = invitations.exclude(answer=Answer.NO)
    return [i.person for i in invitations]


def send_cancel(
    event: Event,
    people: Iterable[User],
    *,
    occurrence: Timing | None = None,
    recurrence_id: dt.datetime | None = None,
) -> None:
    """`METHOD:CANCEL` to `people`, built now (the event may be deleted before the commit)."""
    reachable = _reachable(people)
    if not reachable:
        return
    ics = cancel_ics(event, reachable, occurrence=occurrence, recurrence_id=recurrence_id)
    _send(
        [
            _compose(person=p, event=event, method=CANCEL, change=False, ics=ics, timing=occurrence)
            for p in reachable
        ]
    )
