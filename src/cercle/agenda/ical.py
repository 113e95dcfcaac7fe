"""Events as iCalendar (RFC 5545), written with `icalendar`: one event (its series, cancelled
occurrences as EXDATE, changed ones as VEVENTs with RECURRENCE-ID) or a whole calendar, with the
VTIMEZONE of every zone used, so that calendar applications read the same wall-clock times.

Private events of others are exported as "Busy" (`busy` set by the caller from the query's rule)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import icalendar
from django.utils.translation import gettext as _

from cercle.agenda.models import Event, Occurrence, Visibility

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
    """The VEVENTs of one event: the series, then each changed occurrence. Uses
    `event.occurrences.all()` and `event.invitations.all()` (prefetch them for a calendar)."""
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
    for exception in exceptions:
        if exception.cancelled:
            master.add("exdate", _recurrence_id(exception.recurrence_id, event))
            continue
        changed = icalendar.Event()
        changed.add("uid", event.uid)
        changed.add("dtstamp", stamp)
        changed.add("sequence", event.sequence)
        changed.add("recurrence-id", _recurrence_id(exception.recurrence_id, event))
        _times(changed, exception, event.time_zone)
        _texts(changed, exception, busy)
        found.append(changed)
    if not busy:
        organiser = event.organiser
        if organiser is not None and organiser.email:
            master.add(
                "organizer",
                icalendar.vCalAddress(f"mailto:{organiser.email}"),
                parameters={"CN": organiser.display_name},
            )
            for invitation in event.invitations.all():
                master.add(
                    "attendee",
                    icalendar.vCalAddress(f"mailto:{invitation.person.email}"),
                    parameters={
                        "CN": invitation.person.display_name,
                        "PARTSTAT": PARTSTAT[invitation.answer],
                        "RSVP": "TRUE",
                    },
                )
    return found


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
