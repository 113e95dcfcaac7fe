"""RFC 6638's outbox: a calendar application asks when people are busy by POSTing an iTIP
VFREEBUSY request (METHOD:REQUEST) to the person's schedule outbox; each ATTENDEE gets a
VFREEBUSY reply in a `schedule-response`. Busy times come from `cercle.agenda.freebusy`, with
its rules (colleagues may ask about each other, guests about no one; only periods, never a
title). Invitations themselves are scheduled implicitly, on PUT and DELETE (`store`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import icalendar
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.agenda import freebusy
from cercle.agenda.caldav.store import DavError, read_calendar, within_kept_years
from cercle.agenda.recurrence import Window

MAX_RECIPIENTS = freebusy.MAX_PEOPLE
# A request for a longer range is answered for its first MAX_DAYS (the reply's DTEND says so).
MAX_DAYS = freebusy.MAX_DAYS

SUCCESS = "2.0;Success"
UNKNOWN_USER = "3.7;Invalid calendar user"
NO_PRIVILEGE = "3.8;No authority"


@dataclass
class Answer:
    recipient: str  # as the request wrote it (mailto:…)
    status: str
    calendar: bytes | None = None


def _address(value: object) -> str:
    address = str(value).strip()
    if address.lower().startswith("mailto:"):
        address = address[7:]
    return address.lower() if "@" in address and len(address) <= 254 else ""


def _moment(component: icalendar.cal.Component, name: str) -> dt.datetime:
    prop = component.get(name)
    value = prop.dt if prop is not None else None
    if not isinstance(value, dt.datetime):
        raise DavError(
            400,
            _("A free-busy request needs DTSTART and DTEND times."),
            "valid-scheduling-message",
        )
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return within_kept_years(value.astimezone(dt.UTC))


def free_busy_request(actor: User, body: bytes) -> list[Answer]:
    """The answers to a VFREEBUSY request POSTed by `actor` (DavError when it is not one)."""
    calendar = read_calendar(body)
    method = str(calendar.get("method", "")).upper()
    components = [c for c in calendar.subcomponents if c.name != "VTIMEZONE"]
    if method != "REQUEST" or len(components) != 1 or components[0].name != "VFREEBUSY":
        raise DavError(
            403,
            _(
                "The outbox answers free-busy requests (VFREEBUSY, METHOD:REQUEST); invitations "
                "are sent by saving the event in a calendar."
            ),
            "valid-scheduling-message",
        )
    request = components[0]
    organizer = _address(request.get("organizer", ""))
    if not organizer or organizer != (actor.email or "").lower():
        raise DavError(403, _("The ORGANIZER of the request must be you."), "organizer-allowed")
    found = request.get("attendee")
    recipients = found if isinstance(found, list) else [found] if found is not None else []
    if not recipients:
        raise DavError(403, _("Name whom to ask about (ATTENDEE)."), "recipient-specified")
    if len(recipients) > MAX_RECIPIENTS:
        raise DavError(
            403,
            _("Ask about at most %(n)d people.") % {"n": MAX_RECIPIENTS},
            "valid-scheduling-message",
        )
    start, end = _moment(request, "dtstart"), _moment(request, "dtend")
    if end <= start:
        raise DavError(400, _("The end must be after the start."), "valid-scheduling-message")
    end = min(end, start + dt.timedelta(days=MAX_DAYS))
    addresses = {a for r in recipients if (a := _address(r))}
    wanted = Q()
    for address in sorted(addresses):  # e-mail addresses are compared case aside
        wanted |= Q(email__iexact=address)
    people = {
        (p.email or "").lower(): p
        for p in (User.objects.filter(wanted, is_active=True) if addresses else [])
    }
    window = Window(start, end)
    try:
        busy = freebusy.busy_periods(actor, list(people.values()), window) if people else {}
        allowed = True
    except PermissionDenied:
        busy, allowed = {}, False
    except ValidationError as exc:
        raise DavError(403, "; ".join(exc.messages), "valid-scheduling-message") from exc
    answers = []
    for recipient in recipients:
        person = people.get(_address(recipient))
        if person is None:
            answers.append(Answer(str(recipient), UNKNOWN_USER))
        elif not allowed:
            answers.append(Answer(str(recipient), NO_PRIVILEGE))
        else:
            periods = busy.get(person.pk, [])
            reply = _reply(request, recipient, start, end, periods)
            answers.append(Answer(str(recipient), SUCCESS, reply))
    return answers


def _reply(
    request: icalendar.cal.Component,
    recipient: object,
    start: dt.datetime,
    end: dt.datetime,
    periods: list[freebusy.Period],
) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Cercle//Agenda//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REPLY")
    reply = icalendar.FreeBusy()
    if request.get("uid") is not None:
        reply.add("uid", str(request["uid"]))
    reply.add("dtstamp", dt.datetime.now(dt.UTC))
    reply.add("dtstart", start)
    reply.add("dtend", end)
    reply.add("organizer", request["organizer"])
    reply.add("attendee", recipient)
    for period in periods:
        reply.add("freebusy", (period.start.astimezone(dt.UTC), period.end.astimezone(dt.UTC)))
    calendar.add_component(reply)
    data: bytes = calendar.to_ical()
    return data
