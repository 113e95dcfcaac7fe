"""Events as iCalendar (RFC 5545), written with `icalendar`: one event (its series, cancelled
occurrences as EXDATE, changed ones as VEVENTs with RECURRENCE-ID) or a whole calendar, with the
VTIMEZONE of every zone used, so that calendar applications read the same wall-clock times.

Private events of others are exported as "Busy" (`busy` set by the caller from the query's rule)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import icalendar
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.agenda.models import Event, Invitation, Occurrence, Visibility

PRODID = "-//Cercle//Agenda//EN"


def _times(component: icalendar.Event, item: Event | Occurrence, zone: str) -> None:
    if item.all_day:
        component.add("dtstart", item.start_date)
        component.add("dtend", item.end_date)
    else:
        tz = ZoneInfo(zone)
        assert item.start is not None and item.end is not None
        component.add("dtstart", item.start.astimezone(tz))
        component.add("dtend", item.end.astimezone(tz))


def _texts(component: icalendar.Event, item: Event | Occurrence, busy: bool) -> None:
    if busy:
        component.add("summary", _("Busy"))
        component.add("class", "PRIVATE")
        return
    component.add("summary", item.title)
    if item.description:
        component.add("description", item.description)
    if item.place:
        component.add("location", item.place)
    if item.meeting_url:
        component.add("url", item.meeting_url)


def _recurrence_id(key: dt.datetime, event: Event) -> dt.date | dt.datetime:
    if event.all_day:
        return key.date()
    return key.astimezone(ZoneInfo(event.time_zone))


def components(event: Event, *, busy: bool = False) -> list[icalendar.Event]:
    """The VEVENTs of one event: the series, then each changed occurrence and each occurrence
    an invitee answered on its own (with everyone's PARTSTAT for it). Uses
    `event.occurrences.all()`, `event.invitations.all()` and their `occurrence_answers.all()`
    (prefetch them for a calendar)."""
    stamp = event.updated_at or dt.datetime.now(dt.UTC)
    master = icalendar.Event()
    master.add("uid", event.uid)
    master.add("dtstamp", stamp)
    master.add("sequence", event.sequence)
    _times(master, event, event.time_zone)
    _texts(master, event, busy)
    if event.visibility == Visibility.PRIVATE and not busy:
        master.add("class", "PRIVATE")
    found = [master]
    if event.rule:
        master.add("rrule", icalendar.vRecur.from_ical(event.rule))
    exceptions = list(event.occurrences.all()) if event.rule else []
    # The invitees' answers for single occurrences: {recurrence id: {invitation id: answer}}.
    answered: dict[dt.datetime, dict[int, str]] = {}
    invitations = list(event.invitations.all()) if not busy else []
    if event.rule and invitations:
        # One query when not prefetched (Django leaves prefetched ones as they are).
        prefetch_related_objects(invitations, "occurrence_answers")
        for invitation in invitations:
            for row in invitation.occurrence_answers.all():
                answered.setdefault(row.occurrence, {})[invitation.pk] = row.answer
    overrides: dict[dt.datetime, icalendar.Event] = {}
    for exception in exceptions:
        if exception.cancelled:
            master.add("exdate", _recurrence_id(exception.recurrence_id, event))
            continue
        changed = _override(event, exception.recurrence_id, stamp)
        _times(changed, exception, event.time_zone)
        _texts(changed, exception, busy)
        overrides[exception.recurrence_id] = changed
    cancelled = {e.recurrence_id for e in exceptions if e.cancelled}
    for key in sorted(answered):
        if key in overrides or key in cancelled:
            continue
        # An occurrence answered on its own, otherwise as the series has it.
        length = event.own_timing().duration
        if event.all_day:
            start: dt.date | dt.datetime = key.date()
        else:
            start = key.astimezone(ZoneInfo(event.time_zone))
        overrides[key] = changed = _override(event, key, stamp)
        changed.add("dtstart", start)
        changed.add("dtend", start + length)
        _texts(changed, event, busy)
    found.extend(overrides[key] for key in sorted(overrides))
    if not busy:
        organiser = event.organiser
        if organiser is not None and organiser.email:
            _people(master, organiser, invitations, {})
            for key, theirs in answered.items():
                if key in overrides:
                    _people(overrides[key], organiser, invitations, theirs)
    return found


def _override(event: Event, key: dt.datetime, stamp: dt.datetime) -> icalendar.Event:
    changed = icalendar.Event()
    changed.add("uid", event.uid)
    changed.add("dtstamp", stamp)
    changed.add("sequence", event.sequence)
    changed.add("recurrence-id", _recurrence_id(key, event))
    return changed


def _people(
    component: icalendar.Event,
    organiser: User,
    invitations: list[Invitation],
    answers: dict[int, str],
) -> None:
    """ORGANIZER and ATTENDEEs, each with their answer (`answers`: for this occurrence)."""
    component.add(
        "organizer",
        icalendar.vCalAddress(f"mailto:{organiser.email}"),
        parameters={"CN": organiser.display_name},
    )
    for invitation in invitations:
        component.add(
            "attendee",
            icalendar.vCalAddress(f"mailto:{invitation.person.email}"),
            parameters={
                "CN": invitation.person.display_name,
                "PARTSTAT": PARTSTAT[answers.get(invitation.pk, invitation.answer)],
                "RSVP": "TRUE",
            },
        )


PARTSTAT = {"pending": "NEEDS-ACTION", "yes": "ACCEPTED", "no": "DECLINED", "maybe": "TENTATIVE"}


def calendar_bytes(
    events: Iterable[tuple[Event, bool]], *, name: str = "", method: str | None = None
) -> bytes:
    """A VCALENDAR of (event, busy) pairs, with the VTIMEZONEs it needs."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    for event, busy in events:
        for component in components(event, busy=busy):
            calendar.add_component(component)
    calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data
