"""The agenda's calendars and events as CalDAV sees them: collections, resources (one event, its
series and its exceptions, in one `.ics`), their names, ETags and sync tokens; and the writes a
client makes (PUT, DELETE), turned into calls of `cercle.agenda.actions`.

Reads go through `cercle.agenda.queries` (who may see and write what); the iCalendar is written
by `cercle.agenda.ical` and read with `icalendar` (its VTIMEZONEs included)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.agenda import actions, ical, queries, recurrence
from cercle.agenda.caldav.models import (
    ALL_COMPONENTS,
    Collection,
    EventSource,
    RawObject,
    ResourceName,
    SyncState,
)
from cercle.agenda.models import (
    Answer,
    Calendar,
    Event,
    Invitation,
    Occurrence,
    OccurrenceAnswer,
    Visibility,
)
from cercle.agenda.recurrence import Timing
from cercle.spaces import queries as space_queries

SYNC_STATES_KEPT = 50
_SAFE_UID = re.compile(r"^[A-Za-z0-9@._+-]{1,200}$")
_NUMBERED = re.compile(r"^cercle-event-(\d{1,18})\.ics$")

COLOURS = {
    "blue": "#1F6FEB",
    "green": "#2DA44E",
    "orange": "#D4731A",
    "purple": "#8250DF",
    "red": "#CF222E",
    "teal": "#0E8A8A",
}


class DavError(Exception):
    """A refusal with its HTTP status and, for CalDAV's preconditions, the condition's element
    (`{urn:ietf:params:xml:ns:caldav}valid-calendar-data`)."""

    def __init__(self, status: int, message: str, condition: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.condition = condition


# --- Collections ---------------------------------------------------------------------------------


def collection(calendar: Calendar) -> Collection | None:
    """What a client set on the calendar (None: nothing); loaded with the calendar by
    `home_calendars` and `find_calendar`."""
    try:
        return calendar.dav_collection
    except Collection.DoesNotExist:
        return None


def collection_name(calendar: Calendar) -> str:
    if calendar.owner_id is None:
        return f"space-{calendar.space_id}"
    if not calendar.extra:
        return "personal"
    found = collection(calendar)
    return found.name if found is not None else f"calendar-{calendar.pk}"


def home_calendars(user: User) -> list[Calendar]:
    """The calendars in the person's calendar home: their own (the main one and those they
    made), and those of the spaces they are a member of (`queries.my_calendars`), made when
    missing."""
    _ensure(user)
    return list(queries.my_calendars(user).select_related("dav_collection"))


def _ensure(user: User) -> None:
    """Make the calendars of the home that do not exist yet: those of the person's spaces, and
    the organisation space's (every colleague's, member or not)."""
    actions.ensure_calendars(user)
    if user.is_guest:
        return
    organisation = space_queries.organisation_space()
    if space_queries.has_module(organisation, queries.MODULE):
        actions.space_calendar(organisation)


def personal_calendar(user: User) -> Calendar:
    """The person's main calendar (RFC 6638's schedule-default-calendar-URL), made if missing."""
    return actions.personal_calendar(user)


def find_calendar(user: User, name: str) -> Calendar:
    """A collection of the person's home by name; another person's calendar is not there."""
    if name == "personal":
        main = actions.personal_calendar(user)
        main.owner = user  # its owner known: `members` reads it without a query
        return main
    match = re.fullmatch(r"space-(\d{1,18})", name)
    if match is not None and int(match.group(1)) < 2**63:
        calendar = queries.my_calendars(user).filter(space_id=int(match.group(1))).first()
        if calendar is None:
            _ensure(user)
            calendar = queries.my_calendars(user).filter(space_id=int(match.group(1))).first()
        if calendar is not None:
            return calendar
    made = (
        Calendar.objects.filter(owner_id=user.pk, extra=True, dav_collection__name=name)
        .select_related("owner", "dav_collection")
        .first()
    )
    if made is not None:
        return made
    # A calendar made on the pages has no name a client gave: `collection_name` lists it so.
    numbered = re.fullmatch(r"calendar-(\d{1,18})", name)
    if numbered is not None and int(numbered.group(1)) < 2**63:
        made = (
            Calendar.objects.filter(
                pk=int(numbered.group(1)), owner_id=user.pk, extra=True, dav_collection=None
            )
            .select_related("owner")
            .first()
        )
        if made is not None:
            return made
    raise DavError(404, _("No such calendar."))


_COLLECTION_NAME = re.compile(r"^[^/\x00-\x1f\x7f]{1,100}$")


def _hex(value: str) -> tuple[int, int, int] | None:
    match = re.fullmatch(r"#([0-9A-Fa-f]{6})([0-9A-Fa-f]{2})?", value.strip())
    if match is None:
        return None
    code = match.group(1)
    return int(code[0:2], 16), int(code[2:4], 16), int(code[4:6], 16)


def palette_colour(value: str) -> str:
    """The agenda's colour nearest to a client's `#RRGGBB[AA]` (blue when it is not one)."""
    wanted = _hex(value)
    if wanted is None:
        return "blue"

    def distance(name: str) -> int:
        known = _hex(COLOURS[name])
        assert known is not None
        return sum((a - b) ** 2 for a, b in zip(wanted, known, strict=True))

    return min(COLOURS, key=distance)


@dataclass
class CalendarProps:
    """What a MKCALENDAR or a PROPPATCH sets (None: left as it is)."""

    name: str | None = None
    colour: str | None = None
    order: int | None = None
    description: str | None = None
    components: list[str] | None = None
    clear_order: bool = False


COMPONENTS = ("VEVENT", "VTODO", "VJOURNAL")


@transaction.atomic
def make_calendar(user: User, name: str, props: CalendarProps) -> Calendar:
    """MKCALENDAR: a further personal calendar of `user`, at `name` in their calendar home."""
    if (
        not _COLLECTION_NAME.match(name)
        or name.strip() != name
        or name == "personal"
        or re.fullmatch(r"space-\d+", name)
        or name in (".", "..")
    ):
        raise DavError(403, _("This calendar name cannot be used."), "need-privileges")
    if Collection.objects.filter(calendar__owner_id=user.pk, name=name).exists():
        raise DavError(405, _("A calendar has this name already."))
    components = props.components or list(COMPONENTS)
    if not components or set(components) - set(COMPONENTS):
        raise DavError(
            403,
            _("A calendar holds events, to-dos or journal entries."),
            "supported-calendar-component",
        )
    try:
        calendar = actions.create_extra_calendar(
            actor=user,
            name=props.name if props.name is not None else name,
            colour=palette_colour(props.colour) if props.colour else "blue",
        )
    except ValidationError as exc:
        raise DavError(403, "; ".join(exc.messages), "need-privileges") from exc
    except PermissionDenied as exc:
        raise DavError(403, str(exc), "need-privileges") from exc
    Collection.objects.create(
        calendar=calendar,
        name=name,
        colour=(props.colour or "")[:32],
        order=props.order,
        description=(props.description or "")[:2000],
        components=",".join(c for c in COMPONENTS if c in components),
    )
    return calendar


@transaction.atomic
def change_calendar(user: User, calendar: Calendar, props: CalendarProps) -> None:
    """PROPPATCH on one of the person's own calendars (the caller checked which properties)."""
    main_name = None
    if props.name is not None and not calendar.extra:
        main_name, props.name = props.name, None  # for the applications only
    try:
        actions.change_extra_calendar(
            actor=user,
            calendar=calendar,
            name=props.name,
            colour=palette_colour(props.colour) if props.colour is not None else None,
        )
    except PermissionDenied as exc:
        raise DavError(403, str(exc), "need-privileges") from exc
    found, _created = Collection.objects.get_or_create(
        calendar=calendar,
        defaults={"name": collection_name(calendar), "components": components_of(calendar)},
    )
    if main_name is not None:
        found.display_name = main_name[:200]
    if props.colour is not None:
        found.colour = props.colour[:32]
    if props.order is not None or props.clear_order:
        found.order = props.order
    if props.description is not None:
        found.description = props.description[:2000]
    found.save()


def delete_calendar(user: User, calendar: Calendar) -> None:
    try:
        actions.delete_extra_calendar(actor=user, calendar=calendar)
    except PermissionDenied as exc:
        raise DavError(403, str(exc), "need-privileges") from exc


def components_of(calendar: Calendar) -> str:
    """The components the calendar holds: a space's, events; a person's, what it was made with
    (all three by default)."""
    if calendar.owner_id is None:
        return "VEVENT"
    found = collection(calendar)
    return found.components if found is not None else ALL_COMPONENTS


def can_write(user: User, calendar: Calendar) -> bool:
    return queries.can_write_in(user, calendar)


def display_name(calendar: Calendar) -> str:
    found = collection(calendar)
    if found is not None and found.display_name and not calendar.extra:
        return found.display_name
    return queries.calendar_name(calendar)


def colour(calendar: Calendar) -> str:
    found = collection(calendar)
    if found is not None and found.colour:
        return found.colour
    return COLOURS.get(calendar.colour, "#1F6FEB")


def order(calendar: Calendar) -> int | None:
    found = collection(calendar)
    return found.order if found is not None else None


def description(calendar: Calendar) -> str:
    found = collection(calendar)
    return found.description if found is not None else ""


# --- Resources -----------------------------------------------------------------------------------


def invited_elsewhere(user: User) -> QuerySet[Invitation, int]:
    """The ids of the events `user` is invited to (and has not declined, or declined but for
    some occurrence) that no calendar of their calendar home holds: RFC 6638 delivers an
    invitation into the invitee's calendar, so these are in their personal collection too (an
    invitation to an event of one of their spaces' calendars is already in that space's
    collection)."""
    return (
        queries.taking_part([user.pk])
        .exclude(event__calendar__in=queries.my_calendars(user))
        .values_list("event_id", flat=True)
    )


def members(calendar: Calendar) -> Q:
    """The events of a collection: those of the calendar and, in a person's main calendar, the
    events they are invited to elsewhere (`invited_elsewhere`)."""
    found = Q(calendar=calendar)
    if calendar.owner_id is not None and not calendar.extra and calendar.owner is not None:
        found |= Q(pk__in=invited_elsewhere(calendar.owner))
    return found


def is_delivered(calendar: Calendar, event: Event) -> bool:
    """Whether `event` is in the collection as an invitation (not one of the calendar's)."""
    return event.calendar_id != calendar.pk


def calendar_events(calendar: Calendar) -> QuerySet[Event]:
    """The events of a collection, with what their `.ics` and ETag need (a fixed number of
    queries for any number of events)."""
    return (
        Event.objects.filter(members(calendar))
        .select_related(
            "calendar", "calendar__owner", "calendar__space", "organiser", "dav_name", "dav_source"
        )
        .prefetch_related("occurrences", "invitations__person", "invitations__occurrence_answers")
        .order_by("id")
    )


def _default_name(pk: int, uid: str) -> str:
    if _SAFE_UID.match(uid):
        return f"{uid}.ics"
    return f"cercle-event-{pk}.ics"


def resource_name(event: Event) -> str:
    try:
        return event.dav_name.name
    except ResourceName.DoesNotExist:
        return _default_name(event.pk, event.uid)


def _etag(
    pk: int,
    updated_at: dt.datetime,
    sequence: int,
    exceptions: list[dt.datetime],
    answers: list[tuple[int, str]],
) -> str:
    latest = max(exceptions, default=None)
    latest_text = latest.astimezone(dt.UTC).isoformat() if latest is not None else ""
    answered = ",".join(f"{person}:{answer}" for person, answer in sorted(answers))
    text = (
        f"{pk}|{updated_at.astimezone(dt.UTC).isoformat()}|{sequence}|{latest_text}"
        f"|{len(exceptions)}|{answered}"
    )
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def etag(event: Event) -> str:
    """Changes whenever the event's `.ics` does: the event, its exceptions, its answers. Uses
    `event.occurrences.all()` and `event.invitations.all()` (prefetched by `calendar_events`)."""
    return _etag(
        event.pk,
        event.updated_at,
        event.sequence,
        [o.updated_at for o in event.occurrences.all()],
        [
            (
                i.person_id,
                _answered(
                    i.answer,
                    [(o.occurrence, o.answer, o.answered_at) for o in i.occurrence_answers.all()],
                ),
            )
            for i in event.invitations.all()
        ],
    )


def _answered(answer: str, occurrences: list[tuple[dt.datetime, str, dt.datetime]]) -> str:
    """An invitation's answer as the ETag reads it, with its answers for single occurrences
    (none: the answer alone, as before they were kept)."""
    return answer + "".join(
        f";{key.astimezone(dt.UTC).isoformat()}={theirs}@{at.timestamp()}"
        for key, theirs, at in sorted(occurrences)
    )


def schedule_tag(event: Event) -> str | None:
    """RFC 6638, 3.2.10: the Schedule-Tag of a scheduling object resource (an event with
    people invited): it changes when the organiser changes the event (its SEQUENCE moves), not
    when an invitee answers, so an invitee's client can write back its answer
    (If-Schedule-Tag-Match) after others answered. None for other events. Uses
    `event.invitations.all()` (prefetched by `calendar_events`)."""
    if event.organiser_id is None:
        return None
    source = _source(event)
    if not event.invitations.all() and (source is None or "ATTENDEE" not in source.data):
        return None
    return _schedule_tag(event.pk, event.sequence, event.uid)


def _schedule_tag(pk: int, sequence: int, uid: str) -> str:
    text = f"{pk}|{sequence}|{uid}"
    return '"s-' + hashlib.sha256(text.encode()).hexdigest()[:24] + '"'


def find_event(calendar: Calendar, name: str) -> Event | None:
    events = calendar_events(calendar)
    named = events.filter(dav_name__name=name).first()
    if named is not None:
        return named
    if name.endswith(".ics") and _SAFE_UID.match(name[:-4]):
        found = events.filter(uid=name[:-4], dav_name__isnull=True).first()
        if found is not None:
            return found
    numbered = _NUMBERED.match(name)
    if numbered is not None and int(numbered.group(1)) < 2**63:
        found = events.filter(pk=int(numbered.group(1)), dav_name__isnull=True).first()
        if found is not None and resource_name(found) == name:
            return found
    return None


def event_ics(event: Event) -> bytes:
    """The resource's body: the event in full (CalDAV shows only the calendars one may read in
    full: one's own, and spaces', whose events are not narrowed by their visibility), with the
    VTIMEZONE of its zone. The same as `ical.calendar_bytes`, but each zone's VTIMEZONE is
    written once per process and put in place: building one from the zone's rules takes tens of
    milliseconds, most of a REPORT's time over a month of events."""
    tag = etag(event)
    source = _source(event)
    if source is not None and source.etag == tag:
        return source.data.encode()  # as the client wrote it: nobody changed it since
    cached = _ICS_CACHE.get(tag)
    if cached is not None:
        return cached
    shared = cache.get(_cache_key(tag))
    if shared is not None:
        _remember(tag, shared)
        return bytes(shared)
    calendar = icalendar.Calendar()
    calendar.add("prodid", ical.PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    components = ical.components(event, busy=False)
    found = components[0].get("attendee")
    for value in found if isinstance(found, list) else [found] if found is not None else []:
        value.params["SCHEDULE-STATUS"] = DELIVERED  # each is a person of Cercle, invited
    if source is not None:
        _keep_unmodelled(components[0], source.data)
    for component in components:
        calendar.add_component(component)
    zones = b"".join(_vtimezone(tzid) for tzid in sorted(calendar.get_missing_tzids()))
    data: bytes = calendar.to_ical()
    if zones:
        at = data.index(b"BEGIN:VEVENT")
        data = data[:at] + zones + data[at:]
    _remember(tag, data)
    cache.set(_cache_key(tag), data, ICS_CACHE_SECONDS)
    return data


def _remember(tag: str, data: bytes) -> None:
    if len(_ICS_CACHE) >= ICS_CACHE_SIZE:
        _ICS_CACHE.clear()
    _ICS_CACHE[tag] = data


def _source(event: Event) -> EventSource | None:
    try:
        return event.dav_source
    except EventSource.DoesNotExist:
        return None


# What Cercle's event model holds (written from it): the rest of a client's VEVENT is kept.
MODELLED = frozenset(
    {
        "UID", "DTSTAMP", "SEQUENCE", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE",
        "EXRULE", "RECURRENCE-ID", "SUMMARY", "DESCRIPTION", "LOCATION", "URL", "CLASS",
        "ATTENDEE", "ORGANIZER", "STATUS", "LAST-MODIFIED", "CREATED", "TRANSP",
    }
)  # fmt: skip


def _keep_unmodelled(master: icalendar.cal.Component, data: str) -> None:
    """Add to the series' VEVENT written by Cercle what the client had written on it that
    Cercle does not model (CATEGORIES, RELATED-TO, PRIORITY, X- properties, VALARMs…): the
    event changed in Cercle since the client wrote it, and these stay."""
    try:
        written = icalendar.Calendar.from_ical(data)
    except (ValueError, KeyError, IndexError, TypeError):  # pragma: no cover - checked on PUT
        return
    theirs = next(
        (x for x in written.subcomponents if x.name == "VEVENT" and x.get("recurrence-id") is None),
        None,
    )
    if theirs is None:
        return
    ours = {str(k).upper() for k in master}
    for name, value in theirs.property_items(recursive=False):
        if name in ("BEGIN", "END") or name in MODELLED or name in ours:
            continue
        master.add(name, value, encode=False)
    for sub in theirs.subcomponents:
        if sub.name == "VALARM":
            master.add_component(sub)


def current_source(event: Event) -> icalendar.Calendar | None:
    """The iCalendar a client wrote for the event, while nobody has changed the event since."""
    source = _source(event)
    if source is None or source.etag != etag(event):
        return None
    try:
        return icalendar.Calendar.from_ical(source.data)
    except (ValueError, KeyError, IndexError, TypeError):  # pragma: no cover - checked on PUT
        return None


# RFC 6638's SCHEDULE-STATUS of an ATTENDEE: delivered (an invitation in Cercle), or no
# scheduling for this calendar user (an address outside Cercle: Cercle mails only its people).
DELIVERED = "1.2"
NOT_SCHEDULED = "5.3"


def with_schedule_status(event: Event, body: bytes) -> bytes:
    """The organiser's PUT body with each ATTENDEE's SCHEDULE-STATUS set (and the
    SCHEDULE-FORCE-SEND requests dropped, RFC 6638 7.2): what the server stores, so the client
    reads back who was invited. The body unchanged when it has no ATTENDEE."""
    if b"ATTENDEE" not in body.upper():
        return body
    try:
        written = icalendar.Calendar.from_ical(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, KeyError, IndexError, TypeError):
        return body  # pragma: no cover - checked on PUT
    invited = {
        (email or "").lower()
        for email in Invitation.objects.filter(event=event).values_list("person__email", flat=True)
    }
    organiser = (event.organiser.email or "").lower() if event.organiser is not None else ""
    changed = False
    for component in written.walk("VEVENT"):
        found = component.get("attendee")
        for value in found if isinstance(found, list) else [found] if found is not None else []:
            params = getattr(value, "params", None)
            address = _address(value)
            if params is None or not address or address == organiser:
                continue
            params.pop("SCHEDULE-FORCE-SEND", None)
            if str(params.get("SCHEDULE-AGENT", "SERVER")).upper() != "SERVER":
                continue
            params["SCHEDULE-STATUS"] = DELIVERED if address in invited else NOT_SCHEDULED
            changed = True
    if not changed:
        return body
    data: bytes = written.to_ical()
    return data


def keep_source(actor: User, event: Event, body: bytes) -> bytes | None:
    """After a client's PUT of `event`: keep its text (with SCHEDULE-STATUS set), with the ETag
    the event has now. Returns what is kept; None for an invitee's answer (the organiser's event
    is not the invitee's text: Cercle writes it)."""
    if not queries.can_change(actor, event):
        return None
    stored = with_schedule_status(event, body)
    fresh = calendar_events(event.calendar).get(pk=event.pk)
    EventSource.objects.update_or_create(
        event=event, defaults={"data": stored.decode("utf-8"), "etag": etag(fresh)}
    )
    return stored


# The `.ics` of recently read events, by ETag (which changes with everything the `.ics` says):
# writing one with icalendar takes milliseconds, and clients read the same ones again and again.
# Also kept in the shared cache (Redis in production), for the other workers and after a
# restart: a multiget of 100 events is then read without loading or writing any of them.
ICS_CACHE_SIZE = 5000
ICS_CACHE_SECONDS = 7 * 24 * 3600
_ICS_CACHE: dict[str, bytes] = {}
_CACHE_PREFIX = "caldav:ics:"


def _cache_key(tag: str) -> str:
    return _CACHE_PREFIX + tag.strip('"')


@functools.lru_cache(maxsize=64)
def _vtimezone(tzid: str) -> bytes:
    data: bytes = icalendar.Timezone.from_tzid(tzid).to_ical()
    return data


def expanded_ics(event: Event, window: recurrence.Window) -> bytes:
    """The event's occurrences in `window`, each a VEVENT of its own with its RECURRENCE-ID and
    no rule (calendar-data's `expand`), times in UTC as RFC 4791 asks."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", ical.PRODID)
    calendar.add("version", "2.0")
    stamp = event.updated_at
    for occurrence in queries.expand(event, window, busy=False):
        component = icalendar.Event()
        component.add("uid", event.uid)
        component.add("dtstamp", stamp)
        timing = occurrence.timing
        if timing.all_day:
            component.add("dtstart", timing.start_date)
            component.add("dtend", timing.end_date)
        else:
            assert timing.start is not None and timing.end is not None
            component.add("dtstart", timing.start.astimezone(dt.UTC))
            component.add("dtend", timing.end.astimezone(dt.UTC))
        if occurrence.recurrence_id is not None:
            key = occurrence.recurrence_id
            component.add("recurrence-id", key.date() if event.all_day else key)
        component.add("summary", occurrence.title)
        source = event
        if occurrence.place:
            component.add("location", occurrence.place)
        if source.description and not occurrence.changed:
            component.add("description", source.description)
        if occurrence.meeting_url:
            component.add("url", occurrence.meeting_url)
        if event.visibility == Visibility.PRIVATE:
            component.add("class", "PRIVATE")
        calendar.add_component(component)
    data: bytes = calendar.to_ical()
    return data


# --- Time ranges ---------------------------------------------------------------------------------

FAR_PAST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
FAR_FUTURE = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


def events_in_range(
    calendar: Calendar, start: dt.datetime | None, end: dt.datetime | None
) -> list[Event]:
    """The events with an occurrence overlapping [start, end) (either end open)."""
    window = recurrence.Window(start or FAR_PAST, end or FAR_FUTURE)
    loaded = list(_in_window(calendar_events(calendar), window, start, end))
    if start is None and end is None:
        return loaded
    return [e for e in loaded if _has_occurrence(e, window)]


def event_ids_in_range(
    calendar: Calendar, start: dt.datetime | None, end: dt.datetime | None
) -> list[int]:
    """The ids of `events_in_range`, in order, from the events alone and their exceptions (two
    queries, no relation loaded per event): for a query whose answer is read from plain values
    (`summaries_by_pk`, `known_ics`)."""
    window = recurrence.Window(start or FAR_PAST, end or FAR_FUTURE)
    events = list(
        _in_window(Event.objects.filter(members(calendar)).order_by("id"), window, start, end)
    )
    if start is None and end is None:
        return [e.pk for e in events]
    exceptions: dict[int, list[Occurrence]] = {}
    # Asked for all the events found (not the series alone): the same queries whatever they are.
    for occurrence in Occurrence.objects.filter(event_id__in=[e.pk for e in events]):
        exceptions.setdefault(occurrence.event_id, []).append(occurrence)
    return [e.pk for e in events if _occurs(e, exceptions.get(e.pk, []), window)]


def _in_window(
    events: QuerySet[Event],
    window: recurrence.Window,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> QuerySet[Event]:
    if start is not None or end is not None:
        in_window = Q(first_start__lt=window.end) & (
            Q(last_end__isnull=True) | Q(last_end__gt=window.start)
        )
        moved = Q(occurrences__cancelled=False) & (
            Q(occurrences__start__lt=window.end, occurrences__end__gte=window.start)
            | Q(occurrences__all_day=True)
        )
        events = events.filter(
            Q(pk__in=Event.objects.filter(in_window).values("pk"))
            | Q(pk__in=Event.objects.filter(moved).values("pk"))
        )
    return events


def _has_occurrence(event: Event, window: recurrence.Window) -> bool:
    return _occurs(event, list(event.occurrences.all()) if event.rule else [], window)


def _occurs(event: Event, changed: list[Occurrence], window: recurrence.Window) -> bool:
    """Whether `event` (its exceptions `changed`) has an occurrence overlapping `window`."""
    if not event.rule:
        return window.overlaps(event.own_timing())
    exceptions = {o.recurrence_id: o for o in changed}
    for occurrence in recurrence.occurrences(event.rule, event.own_timing(), window):
        if occurrence.key not in exceptions:
            return True
    return any(
        not o.cancelled and window.overlaps(o.timing(event.time_zone)) for o in exceptions.values()
    )


# --- Sync tokens ---------------------------------------------------------------------------------

TOKEN_PREFIX = "http://cercle.invalid/sync/"  # noqa: S105 - a URI, not a secret


def current_state(calendar: Calendar) -> dict[str, str]:
    """{resource name: ETag} of the collection, in three queries of plain values (no model
    instances: a calendar of thousands of events is read in a few milliseconds)."""
    events = list(
        Event.objects.filter(members(calendar)).values_list(
            "pk", "uid", "updated_at", "sequence", "dav_name__name"
        )
    )
    exceptions: dict[int, list[dt.datetime]] = {}
    in_collection = Q(event__calendar=calendar)
    if calendar.owner_id is not None and not calendar.extra:
        in_collection = Q(event_id__in=Event.objects.filter(members(calendar)).values("pk"))
    for event_id, changed in Occurrence.objects.filter(in_collection).values_list(
        "event_id", "updated_at"
    ):
        exceptions.setdefault(event_id, []).append(changed)
    answers: dict[int, list[tuple[int, str]]] = {}
    singles: dict[int, list[tuple[dt.datetime, str, dt.datetime]]] = {}
    for invitation_id, key, theirs, at in OccurrenceAnswer.objects.filter(
        invitation__in=Invitation.objects.filter(in_collection)
    ).values_list("invitation_id", "occurrence", "answer", "answered_at"):
        singles.setdefault(invitation_id, []).append((key, theirs, at))
    for pk_, event_id, person_id, answer in Invitation.objects.filter(in_collection).values_list(
        "pk", "event_id", "person_id", "answer"
    ):
        answers.setdefault(event_id, []).append(
            (person_id, _answered(answer, singles.get(pk_, [])))
        )
    state = {
        (name or _default_name(pk, uid)): _etag(
            pk, updated_at, sequence, exceptions.get(pk, []), answers.get(pk, [])
        )
        for pk, uid, updated_at, sequence, name in events
    }
    return _with_raw(calendar, state)


def listing(calendar: Calendar) -> tuple[dict[str, str], dict[str, str]]:
    """The collection's {name: ETag} (`current_state`) and {name: component} of its to-dos and
    journal entries (the others are events)."""
    state = current_state(calendar)
    components = dict(RawObject.objects.filter(calendar=calendar).values_list("name", "component"))
    return state, components


def _with_raw(calendar: Calendar, state: dict[str, str]) -> dict[str, str]:
    for name, tag in RawObject.objects.filter(calendar=calendar).values_list("name", "etag"):
        state[name] = tag
    return state


def state_token(state: dict[str, str]) -> str:
    text = "\n".join(f"{name} {tag}" for name, tag in sorted(state.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _keep(calendar: Calendar, state: dict[str, str]) -> str:
    token = state_token(state)
    _, created = SyncState.objects.get_or_create(
        calendar=calendar, token=token, defaults={"resources": state}
    )
    if created:
        stale = SyncState.objects.filter(calendar=calendar).order_by("-created_at", "-id")[
            SYNC_STATES_KEPT:
        ]
        SyncState.objects.filter(pk__in=[s.pk for s in stale]).delete()
    return TOKEN_PREFIX + token


def sync_token(calendar: Calendar, state: dict[str, str] | None = None) -> str:
    """The collection's sync token (also its CTag), kept so that a later sync can diff from it."""
    return _keep(calendar, current_state(calendar) if state is None else state)


@dataclass
class SyncChanges:
    token: str
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    truncated: bool = False
    etags: dict[str, str] = field(default_factory=dict)


def changes_since(calendar: Calendar, token: str, limit: int | None = None) -> SyncChanges:
    """What changed and what went since `token` ("" : everything), at most `limit` of them (the
    token returned then names the state with only those applied, so the next sync goes on from
    there); a token not known (too old, or of another collection) raises DavError 403
    valid-sync-token."""
    state = current_state(calendar)
    before: dict[str, str] = {}
    if token:
        old = None
        if token.startswith(TOKEN_PREFIX):
            old = SyncState.objects.filter(
                calendar=calendar, token=token[len(TOKEN_PREFIX) :][:64]
            ).first()
        if old is None:
            raise DavError(403, _("This sync token is not valid."), "valid-sync-token")
        before = old.resources
    changed = sorted(name for name, tag in state.items() if before.get(name) != tag)
    removed = sorted(name for name in before if name not in state)
    if limit is None or len(changed) + len(removed) <= limit:
        return SyncChanges(_keep(calendar, state), changed, removed, etags=state)
    changed = changed[:limit]
    removed = removed[: limit - len(changed)]
    partial = dict(before)
    for name in changed:
        partial[name] = state[name]
    for name in removed:
        partial.pop(name, None)
    return SyncChanges(_keep(calendar, partial), changed, removed, truncated=True, etags=state)


# --- Writes --------------------------------------------------------------------------------------


@dataclass
class Parsed:
    uid: str
    details: actions.Details
    timing: Timing
    rule: str
    visibility: str
    cancelled: list[dt.datetime]
    changed: list[tuple[dt.datetime, actions.Details, Timing]]
    # RFC 6638 implicit scheduling: the master's ATTENDEEs, e-mail address (lower case) ->
    # PARTSTAT (upper case, "" when absent).
    attendees: dict[str, str] = field(default_factory=dict)
    # Those of them the client schedules itself (SCHEDULE-AGENT=CLIENT or NONE): left alone.
    unscheduled: set[str] = field(default_factory=set)
    # The ATTENDEEs of each changed occurrence (RECURRENCE-ID), by its key, as `attendees`.
    occurrence_attendees: dict[dt.datetime, dict[str, str]] = field(default_factory=dict)


def _text(component: icalendar.cal.Component, name: str) -> str:
    value = component.get(name)
    return str(value) if value is not None else ""


def _zone_of(value: dt.datetime, fallback: str) -> str:
    """The IANA name of a datetime's zone; a zone defined only by its VTIMEZONE is matched to
    the person's zone when their offsets agree through the year, else read as UTC (the
    instants stay right; a series then keeps UTC times)."""
    tz = value.tzinfo
    key = getattr(tz, "key", None)
    if isinstance(key, str) and key:
        return key
    tzid = icalendar.timezone.tzid_from_dt(value)
    if tzid:
        try:
            return recurrence.get_zone(tzid).key
        except ValidationError:
            pass
    try:
        zone = ZoneInfo(fallback)
    except (ValueError, KeyError):
        return "UTC"
    probes = [value + dt.timedelta(days=d) for d in (0, 91, 182, 273)]
    if all(p.utcoffset() == p.astimezone(zone).utcoffset() for p in probes):
        return fallback
    return "UTC"


def _timing(component: icalendar.cal.Component, zone_fallback: str) -> Timing:
    start_prop = component.get("dtstart")
    if start_prop is None:
        raise DavError(403, _("An event needs a start (DTSTART)."), "valid-calendar-data")
    start = start_prop.dt
    end_prop = component.get("dtend")
    duration_prop = component.get("duration")
    if isinstance(start, dt.datetime):
        if start.tzinfo is None:  # floating: the person's wall-clock time
            start = start.replace(tzinfo=ZoneInfo(zone_fallback))
        zone = _zone_of(start, zone_fallback)
        if end_prop is not None:
            end = end_prop.dt
            if not isinstance(end, dt.datetime):
                raise DavError(
                    403, _("The end is not a time like the start."), "valid-calendar-data"
                )
            if end.tzinfo is None:
                end = end.replace(tzinfo=ZoneInfo(zone_fallback))
        elif duration_prop is not None and isinstance(duration_prop.dt, dt.timedelta):
            end = start + duration_prop.dt
        else:
            end = start
        return Timing.timed(start, end, zone)
    if isinstance(start, dt.date):
        if end_prop is not None:
            end_date = end_prop.dt
            if isinstance(end_date, dt.datetime) or not isinstance(end_date, dt.date):
                raise DavError(
                    403, _("The end is not a date like the start."), "valid-calendar-data"
                )
        elif duration_prop is not None and isinstance(duration_prop.dt, dt.timedelta):
            end_date = start + dt.timedelta(days=max(1, duration_prop.dt.days))
        else:
            end_date = start + dt.timedelta(days=1)
        return Timing.dates(start, end_date, zone_fallback)
    raise DavError(403, _("The start cannot be read."), "valid-calendar-data")  # pragma: no cover


def _details(component: icalendar.cal.Component) -> actions.Details:
    url = _text(component, "url").strip()
    if url and not url.startswith(("http://", "https://")):
        url = ""
    return actions.Details(
        title=_text(component, "summary").strip()[:200] or _("(No title)"),
        description=_text(component, "description"),
        place=_text(component, "location").strip()[:200],
        meeting_url=url if len(url) <= 500 else "",
    )


def _key(value: dt.date | dt.datetime, zone_fallback: str) -> dt.datetime:
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone_fallback))
    return recurrence.occurrence_key(value)


def _address(value: object) -> str:
    """The e-mail address of a calendar user address (`mailto:`, any case), "" when none."""
    address = str(value).strip()
    if address.lower().startswith("mailto:"):
        address = address[7:]
    if "@" not in address or len(address) > 254:
        return ""
    return address.lower()


def _attendees(
    component: icalendar.cal.Component, unscheduled: set[str] | None = None
) -> dict[str, str]:
    found = component.get("attendee")
    found = found if isinstance(found, list) else [found] if found is not None else []
    attendees = {}
    for value in found:
        address = _address(value)
        if not address:
            continue
        params = getattr(value, "params", {})
        attendees[address] = str(params.get("PARTSTAT", "")).upper()
        agent = str(params.get("SCHEDULE-AGENT", "SERVER")).upper()
        if unscheduled is not None and agent in ("CLIENT", "NONE"):
            unscheduled.add(address)
    return attendees


MAX_ATTENDEES = 500  # looked up per PUT; more are left out

# An attendee's PARTSTAT -> Cercle's answer (NEEDS-ACTION and the rest leave the answer).
_ANSWERS = {"ACCEPTED": Answer.YES, "DECLINED": Answer.NO, "TENTATIVE": Answer.MAYBE}
PARTSTATS = {v: k for k, v in _ANSWERS.items()}


def _reply(actor: User, event: Event, invitation: Invitation, parsed: Parsed) -> None:
    """RFC 6638, 3.2.2: an invitee's client writing the event back with their PARTSTAT changed
    is their reply, given through the agenda's answer (`actions.respond`): on the series' VEVENT
    for the whole series, on an overriding VEVENT (RECURRENCE-ID) for that occurrence only. An
    occurrence answered before and written back with no override, or with one that agrees with
    the series, is answered as the series again."""
    mine = (actor.email or "").lower()
    if not mine:
        return
    answer = _ANSWERS.get(parsed.attendees.get(mine, ""))
    if answer is not None and invitation.answer != answer:
        invitation = actions.respond(
            actor=actor, event=event, answer=answer, comment=invitation.comment
        )
    if not event.rule:
        return
    series = invitation.answer
    before = {
        row.occurrence: row.answer for row in OccurrenceAnswer.objects.filter(invitation=invitation)
    }
    wanted: dict[dt.datetime, str] = {}
    for key, attendees in sorted(parsed.occurrence_attendees.items()):
        given = _ANSWERS.get(attendees.get(mine, ""))
        if given is not None:
            wanted[key] = given
    for key, theirs in wanted.items():
        if before.get(key, series) == theirs:
            continue
        actions.respond(actor=actor, event=event, answer=theirs, occurrence=key)
    for key in sorted(set(before) - set(wanted)):
        if series != Answer.PENDING:
            actions.respond(actor=actor, event=event, answer=series, occurrence=key)
        else:
            OccurrenceAnswer.objects.filter(invitation=invitation, occurrence=key).delete()


def _known_addresses(event: Event) -> set[str]:
    people = [i.person for i in Invitation.objects.filter(event=event).select_related("person")]
    if event.organiser is not None:
        people.append(event.organiser)
    return {(p.email or "").lower() for p in people if p.email}


def _schedule(actor: User, event: Event, parsed: Parsed) -> None:
    """RFC 6638's implicit scheduling, as Cercle's invitations: the organiser's client adding an
    ATTENDEE who is a person of Cercle (by e-mail address) invites them (`actions.invite`: in the
    app and by mail, as the pages do), and removing one un-invites them (`_uninvite_removed`,
    before the change); an invitee's client changing their own PARTSTAT answers (`_reply`).
    Addresses outside Cercle are left as they are (Cercle sends no mail to strangers: their
    SCHEDULE-STATUS says so), and so are those the client schedules itself
    (SCHEDULE-AGENT=CLIENT)."""
    invitation = Invitation.objects.filter(event=event, person_id=actor.pk).first()
    if invitation is not None:
        _reply(actor, event, invitation, parsed)
    if event.organiser_id != actor.pk or not queries.can_change(actor, event):
        return
    scheduled = sorted(a for a in parsed.attendees if a not in parsed.unscheduled)
    wanted = Q()
    for address in scheduled[:MAX_ATTENDEES]:
        wanted |= Q(email__iexact=address)
    if scheduled:
        people = list(User.objects.filter(wanted, is_active=True).exclude(pk=actor.pk))
        if people:
            actions.invite(actor=actor, event=event, people=people)


def _uninvite_removed(actor: User, event: Event, parsed: Parsed) -> None:
    """The organiser's client dropped an ATTENDEE who is invited: un-invited (before the change
    is told to those still invited, so they hear only of the cancellation)."""
    if event.organiser_id != actor.pk or not queries.can_change(actor, event):
        return
    for invited in Invitation.objects.filter(event=event).select_related("person"):
        address = (invited.person.email or "").lower()
        if address and address not in parsed.attendees:
            actions.uninvite(actor=actor, event=event, person=invited.person)


def _same_event(event: Event, parsed: Parsed) -> bool:
    """Whether a PUT leaves the series as Cercle models it (its exceptions aside)."""
    details = parsed.details
    try:
        rule = recurrence.normalize_rule(parsed.rule, parsed.timing) if parsed.rule else ""
    except ValidationError:
        return False
    return (
        event.title == details.title
        and event.description == details.description
        and event.place == details.place
        and event.meeting_url == details.meeting_url
        and event.visibility == parsed.visibility
        and event.own_timing() == parsed.timing
        and event.rule == rule
    )


def _answer_only(actor: User, existing: Event, parsed: Parsed) -> None:
    """An invitee's PUT of an event they may not change: their answer, and nothing else; adding
    people of Cercle as ATTENDEEs (inviting them) is not theirs to do, and is refused."""
    added = sorted(set(parsed.attendees) - _known_addresses(existing))[:MAX_ATTENDEES]
    wanted = Q()
    for address in added:
        wanted |= Q(email__iexact=address)
    if added and User.objects.filter(wanted, is_active=True).exists():
        raise DavError(403, _("You cannot invite people to this event."), "need-privileges")
    invitation = Invitation.objects.filter(event=existing, person_id=actor.pk).first()
    assert invitation is not None
    _reply(actor, existing, invitation, parsed)


def is_invited(user: User, event: Event) -> bool:
    return Invitation.objects.filter(event=event, person_id=user.pk).exists()


def parse(body: bytes, zone_fallback: str) -> Parsed:
    """The event of a PUT body, or DavError (403 with CalDAV's precondition) saying what is
    wrong with it."""
    calendar = read_calendar(body)
    kinds = {c.name for c in calendar.subcomponents if c.name != "VTIMEZONE"}
    if kinds - {"VEVENT"}:
        raise DavError(
            403,
            _("These calendars hold events only (VEVENT)."),
            "supported-calendar-component",
        )
    try:
        components = calendar.walk("VEVENT")
        if not components:
            raise DavError(403, _("The file holds no event."), "valid-calendar-data")
        uids = {_text(c, "uid") for c in components}
        if len(uids) != 1 or not next(iter(uids)).strip():
            raise DavError(
                403,
                _("A resource holds one event, with its UID."),
                "valid-calendar-object-resource",
            )
        uid = next(iter(uids)).strip()
        if len(uid) > 255:
            raise DavError(403, _("This UID is too long."), "valid-calendar-object-resource")
        masters = [c for c in components if c.get("recurrence-id") is None]
        if len(masters) != 1:
            raise DavError(
                403,
                _("A resource holds one event and its changed occurrences."),
                "valid-calendar-object-resource",
            )
        master = masters[0]
        timing = _timing(master, zone_fallback)
        rules = master.get("rrule")
        if isinstance(rules, list):
            if len(rules) > 1:
                raise DavError(
                    403, _("An event has one repetition rule."), "valid-calendar-object-resource"
                )
            rules = rules[0]
        rule = rules.to_ical().decode() if rules is not None else ""
        cancelled: list[dt.datetime] = []
        exdates = master.get("exdate")
        for group in exdates if isinstance(exdates, list) else [exdates] if exdates else []:
            cancelled.extend(_key(d.dt, timing.zone) for d in group.dts)
        changed = []
        for component in components:
            rid = component.get("recurrence-id")
            if rid is None:
                continue
            if _text(component, "status").upper() == "CANCELLED":
                cancelled.append(_key(rid.dt, timing.zone))
                continue
            changed.append(
                (
                    _key(rid.dt, timing.zone),
                    _details(component),
                    _timing(component, timing.zone),
                )
            )
        unscheduled: set[str] = set()
        occurrence_attendees: dict[dt.datetime, dict[str, str]] = {}
        for component in components:
            rid = component.get("recurrence-id")
            if rid is not None and component.get("attendee") is not None:
                occurrence_attendees[_key(rid.dt, timing.zone)] = _attendees(component)
        css = _text(master, "class").upper()
        visibility = Visibility.PRIVATE if css in ("PRIVATE", "CONFIDENTIAL") else Visibility.PUBLIC
        return Parsed(
            uid,
            _details(master),
            timing,
            rule,
            visibility,
            cancelled,
            changed,
            _attendees(master, unscheduled),
            unscheduled,
            occurrence_attendees,
        )
    except DavError:
        raise
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError) as exc:
        raise DavError(
            400, _("This is not a valid iCalendar file."), "valid-calendar-data"
        ) from exc


def _refusal(exc: ValidationError) -> DavError:
    messages = "; ".join(exc.messages) if exc.messages else _("This event cannot be saved.")
    return DavError(403, messages, "valid-calendar-object-resource")


@transaction.atomic
def put_event(
    *, actor: User, calendar: Calendar, name: str, existing: Event | None, parsed: Parsed
) -> tuple[Event, bool]:
    """Create or replace the event at `name`: all or nothing. Returns it and whether it is new."""
    if (
        existing is not None
        and not queries.can_change(actor, existing)
        and existing.uid == parsed.uid
        and is_invited(actor, existing)
    ):
        # An invitee's client writes the event back with their PARTSTAT: that is their
        # answer, and the only change an invitee makes.
        try:
            _answer_only(actor, existing, parsed)
        except ValidationError as exc:
            raise _refusal(exc) from exc
        except PermissionDenied as exc:
            raise DavError(403, str(exc), "need-privileges") from exc
        return existing, False
    if not can_write(actor, calendar):
        raise DavError(403, _("You cannot change this calendar."), "need-privileges")
    _check_uid_free(actor, calendar, existing, parsed)
    try:
        if existing is None:
            event = actions.create_event(
                actor=actor,
                calendar=calendar,
                details=parsed.details,
                timing=parsed.timing,
                rule=parsed.rule,
                visibility=parsed.visibility,
                uid=parsed.uid,
            )
            default = resource_name(event)
            if name != default:
                ResourceName.objects.create(event=event, calendar=calendar, name=name)
        else:
            if existing.uid != parsed.uid:
                raise DavError(403, _("A resource keeps its UID."), "no-uid-conflict")
            if not queries.can_change(actor, existing):
                raise DavError(403, _("You cannot change this event."), "need-privileges")
            _uninvite_removed(actor, existing, parsed)
            if _same_event(existing, parsed):
                # Written back with what Cercle models unchanged (an alarm, a category, or
                # nothing): no change to tell the invitees of; the ETag moves all the same.
                event = existing
                event.save(update_fields=["updated_at"])
            else:
                event = actions.change_event(
                    actor=actor,
                    event=existing,
                    details=parsed.details,
                    timing=parsed.timing,
                    rule=parsed.rule,
                    visibility=parsed.visibility,
                )
        _apply_exceptions(actor, event, parsed)
        _schedule(actor, event, parsed)
    except ValidationError as exc:
        raise _refusal(exc) from exc
    except PermissionDenied as exc:
        raise DavError(403, str(exc), "need-privileges") from exc
    return event, existing is None


def _check_uid_free(
    actor: User, calendar: Calendar, existing: Event | None, parsed: Parsed
) -> None:
    """RFC 4791, 5.3.2.1: a UID names one resource of a collection (its own events and, in a
    person's main calendar, those they are invited to). RFC 6638, 3.2.4.1: an event with
    invitees (a scheduling object) names one event among all the person's calendars, so an
    answer or a change reaches one event; a plain event may have a copy in another calendar."""
    others = Event.objects.filter(uid=parsed.uid)
    if existing is not None:
        others = others.exclude(pk=existing.pk)
    if others.filter(members(calendar)).exists():
        raise DavError(403, _("Another event of this calendar has this UID."), "no-uid-conflict")
    if parsed.attendees and (
        others.filter(organiser=actor, invitations__isnull=False).exists()
        or others.filter(invitations__person=actor).exists()
    ):
        raise DavError(
            403,
            _("An event with people invited has this UID in another of your calendars."),
            "unique-scheduling-object-resource",
        )


def _apply_exceptions(actor: User, event: Event, parsed: Parsed) -> None:
    if not event.rule:
        return
    wanted_cancelled = set(parsed.cancelled)
    wanted_changed = {key: (details, timing) for key, details, timing in parsed.changed}
    current = {o.recurrence_id: o for o in Occurrence.objects.filter(event=event)}
    for key, existing in current.items():
        gone = key not in wanted_cancelled and key not in wanted_changed
        if gone or (existing.cancelled and key in wanted_changed):
            # The occurrence is back as the series has it, before any new change (which then
            # tells the invitees: not twice).
            actions.restore_occurrence(actor=actor, event=event, occurrence=key, notify=gone)
    for key in sorted(wanted_cancelled):
        if key in wanted_changed:
            continue
        before = current.get(key)
        if before is not None and before.cancelled:
            continue
        if queries.find_occurrence(event, key) is None:
            continue  # an EXDATE naming no occurrence changes nothing (RFC 5545 allows it)
        actions.cancel_event(actor=actor, event=event, scope=actions.THIS, occurrence=key)
    for key, (details, timing) in sorted(wanted_changed.items(), key=lambda kv: kv[0]):
        before = current.get(key)
        if before is not None and not before.cancelled and _same(before, details, timing, event):
            continue
        if before is None and _as_series(event, key, details, timing):
            continue  # an occurrence written out for its answers (`ical.components`) only
        actions.change_event(
            actor=actor,
            event=event,
            details=details,
            timing=timing,
            scope=actions.THIS,
            occurrence=key,
        )


def _as_series(event: Event, key: dt.datetime, details: actions.Details, timing: Timing) -> bool:
    """Whether an overriding VEVENT says what the series says of that occurrence."""
    return (
        event.title == details.title
        and event.description == details.description
        and event.place == details.place
        and event.meeting_url == details.meeting_url
        and (found := queries.find_occurrence(event, key)) is not None
        and (found.all_day, found.start, found.end, found.start_date, found.end_date)
        == (timing.all_day, timing.start, timing.end, timing.start_date, timing.end_date)
    )


def _same(row: Occurrence, details: actions.Details, timing: Timing, event: Event) -> bool:
    mine = row.timing(event.time_zone)
    return (
        row.title == details.title
        and row.description == details.description
        and row.place == details.place
        and row.meeting_url == details.meeting_url
        and mine.all_day == timing.all_day
        and mine.start == timing.start
        and mine.end == timing.end
        and mine.start_date == timing.start_date
        and mine.end_date == timing.end_date
    )


@transaction.atomic
def move_event(
    *,
    actor: User,
    event: Event,
    source: Calendar,
    target: Calendar,
    name: str,
    replaced: Event | None = None,
    replaced_raw: RawObject | None = None,
) -> None:
    """MOVE (RFC 4918, 9.9) of an event's resource to `name` in another collection of the
    person's home: the event itself goes (`actions.move_event`: its UID, invitations and
    answers stay), which is how a scheduling object changes calendar (RFC 6638, 3.2.4.1: it
    cannot be written into a second calendar and deleted from the first). What was at the
    destination (Overwrite: T) is deleted first, as a DELETE would."""
    if is_delivered(source, event):
        raise DavError(
            403, _("An invitation stays in your calendar: answer it instead."), "need-privileges"
        )
    if replaced is not None and replaced.pk != event.pk:
        delete_event(actor=actor, event=replaced)
    if replaced_raw is not None:
        delete_raw(actor=actor, obj=replaced_raw)
    if RawObject.objects.filter(calendar=target, uid=event.uid).exists():
        raise DavError(403, _("Another object of this calendar has this UID."), "no-uid-conflict")
    try:
        moved = actions.move_event(actor=actor, event=event, calendar=target)
    except ValidationError as exc:
        raise DavError(403, "; ".join(exc.messages), "no-uid-conflict") from exc
    except PermissionDenied as exc:
        raise DavError(403, str(exc), "need-privileges") from exc
    ResourceName.objects.filter(event=moved).delete()
    if name != _default_name(moved.pk, moved.uid):
        ResourceName.objects.create(event=moved, calendar=target, name=name)


def delete_event(*, actor: User, event: Event) -> None:
    """The organiser's DELETE cancels the event for everyone (`actions.cancel_event`: those
    invited get the cancellation); an invitee's, who may not change it, declines it (RFC 6638,
    3.2.2.3: a REPLY with PARTSTAT=DECLINED, here `actions.respond`), and it leaves their
    collection."""
    if not queries.can_change(actor, event):
        invitation = Invitation.objects.filter(event=event, person_id=actor.pk).first()
        if invitation is not None:
            if invitation.answer != Answer.NO:
                actions.respond(
                    actor=actor, event=event, answer=Answer.NO, comment=invitation.comment
                )
            return
    try:
        actions.cancel_event(actor=actor, event=event)
    except PermissionDenied as exc:
        raise DavError(403, str(exc), "need-privileges") from exc


def events_by_name(calendar: Calendar, names: list[str]) -> dict[str, Event]:
    """The events of the collection named `names`, by name, in one query (and its prefetches)."""
    if not names:
        return {}
    uids = [n[:-4] for n in names if n.endswith(".ics") and _SAFE_UID.match(n[:-4])]
    numbers = [int(m.group(1)) for n in names if (m := _NUMBERED.match(n)) and len(m.group(1)) < 19]
    events = calendar_events(calendar).filter(
        Q(dav_name__name__in=names)
        | Q(uid__in=uids, dav_name__isnull=True)
        | Q(pk__in=numbers, dav_name__isnull=True)
    )
    wanted = set(names)
    return {name: e for e in events if (name := resource_name(e)) in wanted}


class Summary(NamedTuple):
    """What an event's resource properties need, read as plain values (no model instances):
    its name, ETag, Schedule-Tag and last change, and the text of the client's last write when
    nobody changed the event since (`EventSource`)."""

    pk: int
    name: str
    etag: str
    schedule_tag: str | None
    updated_at: dt.datetime | None
    source: str | None  # the client's text, while the event's ETag is the one it was kept with


def summaries_by_name(calendar: Calendar, names: list[str]) -> dict[str, Summary]:
    """The `Summary` of each event of the collection named in `names`, by name: one SQL query
    whatever the number of names (`_summaries`), and a second only when some of them are
    events of other calendars the person is invited to (their main calendar holds those too:
    `members` tells which)."""
    if not names:
        return {}
    uids = [n[:-4] for n in names if n.endswith(".ics") and _SAFE_UID.match(n[:-4])]
    numbers = [int(m.group(1)) for n in names if (m := _NUMBERED.match(n)) and len(m.group(1)) < 19]
    event = Event._meta.db_table
    matches = [f"{_NAMES}.name IN ({_marks(names)})"]
    params: list[str | int] = list(names)
    if uids:
        matches.append(f"({_NAMES}.id IS NULL AND {event}.uid IN ({_marks(uids)}))")
        params.extend(uids)
    if numbers:
        matches.append(f"({_NAMES}.id IS NULL AND {event}.id IN ({_marks(numbers)}))")
        params.extend(numbers)
    where = f"({event}.calendar_id = %s"
    scope: list[str | int] = [calendar.pk]
    if calendar.owner_id is not None and not calendar.extra:  # candidates: `members` decides
        invited = f"SELECT event_id FROM {_INVITATIONS} WHERE person_id = %s"  # noqa: S608
        where += f" OR {event}.id IN ({invited})"
        scope.append(calendar.owner_id)
    where += f") AND ({' OR '.join(matches)})"
    found, elsewhere = _summaries(where, scope + params, calendar.pk)
    if elsewhere:
        kept = set(
            Event.objects.filter(members(calendar), pk__in=elsewhere).values_list("pk", flat=True)
        )
        found = [s for s in found if s.pk not in elsewhere or s.pk in kept]
    wanted = set(names)
    return {s.name: s for s in found if s.name in wanted}


def summaries_by_pk(pks: list[int]) -> dict[int, Summary]:
    """The `Summary` of each event of `pks` (already known to be in the collection)."""
    if not pks:
        return {}
    where = f"{Event._meta.db_table}.id IN ({_marks(pks)})"
    return {s.pk: s for s in _summaries(where, list(pks), None)[0]}


def _marks(values: list[Any]) -> str:
    return ", ".join(["%s"] * len(values))


_NAMES = ResourceName._meta.db_table
_SOURCES = EventSource._meta.db_table
_INVITATIONS = Invitation._meta.db_table
_SUMMARY_SQL = """
WITH m AS (
    SELECT {event}.id, {event}.calendar_id, {event}.uid, {event}.updated_at, {event}.sequence,
           {event}.organiser_id, {names}.name, {sources}.etag, {sources}.data
    FROM {event}
    LEFT OUTER JOIN {names} ON {names}.event_id = {event}.id
    LEFT OUTER JOIN {sources} ON {sources}.event_id = {event}.id
    WHERE {where}
)
SELECT 0, id, sequence, organiser_id, calendar_id, updated_at, updated_at, uid, name, etag, data
FROM m
UNION ALL
SELECT 1, o.event_id, NULL, NULL, NULL, o.updated_at, NULL, NULL, NULL, NULL, NULL
FROM {occurrences} o WHERE o.event_id IN (SELECT id FROM m)
UNION ALL
SELECT 2, i.event_id, i.id, i.person_id, NULL, NULL, NULL, i.answer, NULL, NULL, NULL
FROM {invitations} i WHERE i.event_id IN (SELECT id FROM m)
UNION ALL
SELECT 3, i.event_id, a.invitation_id, NULL, NULL, a.occurrence, a.answered_at, a.answer,
       NULL, NULL, NULL
FROM {answers} a INNER JOIN {invitations} i ON i.id = a.invitation_id
WHERE i.event_id IN (SELECT id FROM m)
"""


def _instant_of(value: object) -> dt.datetime:
    """A date and time read by a raw query: an aware `datetime` (PostgreSQL), or as SQLite
    gives it (text, or naive, in UTC as Django writes it)."""
    if isinstance(value, str):
        parsed = parse_datetime(value)
        assert parsed is not None, value
        value = parsed
    assert isinstance(value, dt.datetime), value
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _summaries(
    where: str, params: list[str | int], calendar_id: int | None
) -> tuple[list[Summary], set[int]]:
    """As `etag` and `schedule_tag` compute them from an event and its prefetches, from plain
    values read in one SQL query: the events matching `where` (with their names and the
    clients' texts), their exceptions, invitations and answers for single occurrences, as rows
    of one `UNION ALL`. Also the ids of those of another calendar than `calendar_id`. The
    first branch has a typed value in every column (PostgreSQL types a column of the union from
    its first branches: a NULL there would make it text)."""
    sql = _SUMMARY_SQL.format(
        event=Event._meta.db_table,
        names=_NAMES,
        sources=_SOURCES,
        occurrences=Occurrence._meta.db_table,
        invitations=_INVITATIONS,
        answers=OccurrenceAnswer._meta.db_table,
        where=where,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    events = []
    exceptions: dict[int, list[dt.datetime]] = {}
    invitations: list[tuple[int, int, int, str]] = []
    singles: dict[int, list[tuple[dt.datetime, str, dt.datetime]]] = {}
    for kind, pk, number, other, _calendar, t1, t2, s1, _name, _tag, _data in rows:
        if kind == 0:
            events.append((pk, s1, _instant_of(t1), number, other, _calendar, _name, _tag, _data))
        elif kind == 1:
            exceptions.setdefault(pk, []).append(_instant_of(t1))
        elif kind == 2:
            invitations.append((number, pk, other, s1))
        else:
            singles.setdefault(number, []).append((_instant_of(t1), s1, _instant_of(t2)))
    answers: dict[int, list[tuple[int, str]]] = {}
    for invitation_id, event_id, person_id, answer in invitations:
        answers.setdefault(event_id, []).append(
            (person_id, _answered(answer, singles.get(invitation_id, [])))
        )
    found = []
    elsewhere = set()
    events.sort()
    for pk, uid, updated_at, sequence, organiser_id, home, name, source_tag, source in events:
        if calendar_id is not None and home != calendar_id:
            elsewhere.add(pk)
        tag = _etag(pk, updated_at, sequence, exceptions.get(pk, []), answers.get(pk, []))
        scheduling = organiser_id is not None and (
            pk in answers or (source is not None and "ATTENDEE" in source)
        )
        found.append(
            Summary(
                pk,
                name or _default_name(pk, uid),
                tag,
                _schedule_tag(pk, sequence, uid) if scheduling else None,
                updated_at,
                source if source is not None and source_tag == tag else None,
            )
        )
    return found, elsewhere


def known_ics(summaries: list[Summary]) -> dict[int, bytes]:
    """The `.ics` of those events already written for their current ETag (the client's text,
    this process's cache, the shared cache), by event id; the others are left out: load them
    (`calendar_events`) and write them (`event_ics`)."""
    found: dict[int, bytes] = {}
    missing: dict[str, Summary] = {}
    for summary in summaries:
        if summary.source is not None:
            found[summary.pk] = summary.source.encode()
        elif (cached := _ICS_CACHE.get(summary.etag)) is not None:
            found[summary.pk] = cached
        else:
            missing[_cache_key(summary.etag)] = summary
    if missing:
        for key, data in cache.get_many(list(missing)).items():
            found[missing[key].pk] = data
            _remember(missing[key].etag, data)
    return found


def occurrences(event: Event, window: recurrence.Window) -> list[Timing]:
    """The times of the event's occurrences in `window` (exceptions applied)."""
    return [o.timing for o in queries.expand(event, window, busy=False)]


# --- Objects Cercle does not model: to-dos and journal entries ------------------------------------

RAW_COMPONENTS = ("VTODO", "VJOURNAL")


def raw_objects(calendar: Calendar) -> QuerySet[RawObject]:
    return RawObject.objects.filter(calendar=calendar).order_by("id")


def find_raw(calendar: Calendar, name: str) -> RawObject | None:
    return RawObject.objects.filter(calendar=calendar, name=name).first()


def raw_by_name(calendar: Calendar, names: list[str]) -> dict[str, RawObject]:
    if not names:
        return {}
    return {o.name: o for o in RawObject.objects.filter(calendar=calendar, name__in=names)}


def read_calendar(body: bytes) -> icalendar.Calendar:
    try:
        calendar = icalendar.Calendar.from_ical(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, KeyError, IndexError, TypeError) as exc:
        raise DavError(
            400, _("This is not a valid iCalendar file."), "valid-calendar-data"
        ) from exc
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise DavError(400, _("This is not a valid iCalendar file."), "valid-calendar-data")
    return calendar


def kinds(calendar: icalendar.Calendar) -> set[str]:
    return {str(c.name) for c in calendar.subcomponents if c.name != "VTIMEZONE"}


def raw_etag(data: str) -> str:
    return '"' + hashlib.sha256(data.encode()).hexdigest()[:32] + '"'


@transaction.atomic
def put_raw(
    *,
    actor: User,
    calendar: Calendar,
    name: str,
    existing: RawObject | None,
    parsed: icalendar.Calendar,
    body: bytes,
) -> tuple[RawObject, bool]:
    """Create or replace the to-do or journal entry at `name`, kept as written."""
    if not can_write(actor, calendar):
        raise DavError(403, _("You cannot change this calendar."), "need-privileges")
    found = kinds(parsed)
    if len(found) != 1:
        raise DavError(
            403,
            _("A resource holds one kind of component."),
            "valid-calendar-object-resource",
        )
    kind = next(iter(found))
    if kind not in components_of(calendar).split(","):
        raise DavError(
            403,
            _("This calendar does not hold this kind of component."),
            "supported-calendar-component",
        )
    uids = {_text(c, "uid").strip() for c in parsed.walk(kind)}
    if len(uids) != 1 or not next(iter(uids)):
        raise DavError(
            403, _("A resource holds one object, with its UID."), "valid-calendar-object-resource"
        )
    uid = next(iter(uids))
    if len(uid) > 255:
        raise DavError(403, _("This UID is too long."), "valid-calendar-object-resource")
    masters = [c for c in parsed.walk(kind) if c.get("recurrence-id") is None]
    if len(masters) > 1:
        raise DavError(
            403,
            _("A resource holds one object and its changed occurrences."),
            "valid-calendar-object-resource",
        )
    if existing is not None and existing.uid != uid:
        raise DavError(403, _("A resource keeps its UID."), "no-uid-conflict")
    clash = RawObject.objects.filter(calendar=calendar, uid=uid)
    if existing is not None:
        clash = clash.exclude(pk=existing.pk)
    if clash.exists() or Event.objects.filter(calendar=calendar, uid=uid).exists():
        raise DavError(403, _("Another object of this calendar has this UID."), "no-uid-conflict")
    data = body.decode("utf-8")
    if existing is None:
        made = RawObject.objects.create(
            calendar=calendar, name=name, uid=uid, component=kind, data=data, etag=raw_etag(data)
        )
        return made, True
    existing.component = kind
    existing.data = data
    existing.etag = raw_etag(data)
    existing.save()
    return existing, False


def delete_raw(*, actor: User, obj: RawObject) -> None:
    if not can_write(actor, obj.calendar):
        raise DavError(403, _("You cannot change this calendar."), "need-privileges")
    obj.delete()


def parsed_raw(obj: RawObject) -> icalendar.Calendar | None:
    try:
        return icalendar.Calendar.from_ical(obj.data)
    except (ValueError, KeyError, IndexError, TypeError):  # pragma: no cover - checked on PUT
        return None


EARLIEST_TIME = dt.datetime(recurrence.FIRST_YEAR, 1, 1, tzinfo=dt.UTC)
LATEST_TIME = dt.datetime(recurrence.LAST_YEAR + 1, 1, 1, tzinfo=dt.UTC)


def within_kept_years(moment: dt.datetime) -> dt.datetime:
    """A time a client asked about, narrowed to the years the agenda keeps events in. Clients
    ask from the year 1 to 9999 to mean "everything": every event lies within those years, so
    the answer is the same, and the arithmetic of a series' expansion, of alarms and of
    free-busy periods does not overflow at the calendar's ends."""
    return min(max(moment, EARLIEST_TIME), LATEST_TIME)


def in_time_range(
    calendar: icalendar.Calendar, kind: str, start: dt.datetime | None, end: dt.datetime | None
) -> bool:
    """Whether an occurrence of the object's `kind` components overlaps [start, end) (RFC 4791,
    9.9; recurrences expanded by recurring-ical-events). A to-do with no date at all overlaps
    every range."""
    if start is None and end is None:
        return True
    components = calendar.walk(kind)
    if components and all(
        not any(c.get(p) is not None for p in ("dtstart", "due", "completed", "created"))
        for c in components
    ):
        return True
    try:
        found = recurring_ical_events.of(calendar, components=[kind]).between(
            start or FAR_PAST, end or FAR_FUTURE
        )
    except Exception:  # a library's refusal of an odd object: not a match
        return False
    return bool(found)


def _instant(value: dt.date | dt.datetime) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def alarm_in_range(
    component: icalendar.cal.Component,
    alarm: icalendar.cal.Component,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> bool:
    """RFC 4791, 9.9: whether one of the alarm's trigger times (its REPEATs too) falls in
    [start, end), the trigger read against the component's DTSTART (or its end, RELATED=END)."""
    trigger = alarm.get("trigger")
    if trigger is None:
        return False
    try:
        if isinstance(trigger.dt, dt.timedelta):
            begin = component.get("dtstart") or component.get("due")
            if begin is None:
                return False
            base = _instant(begin.dt)
            if str(trigger.params.get("RELATED", "START")).upper() == "END":
                finish = component.get("dtend") or component.get("due")
                length = component.get("duration")
                if finish is not None:
                    base = _instant(finish.dt)
                elif length is not None and isinstance(length.dt, dt.timedelta):
                    base += length.dt
            first = base + trigger.dt
        else:
            first = _instant(trigger.dt)
        times = [first]
        repeat, every = alarm.get("repeat"), alarm.get("duration")
        if repeat is not None and every is not None and isinstance(every.dt, dt.timedelta):
            times += [first + every.dt * n for n in range(1, min(int(repeat), 100) + 1)]
    except (AttributeError, TypeError, ValueError, OverflowError):
        return False
    low, high = start or FAR_PAST, end or FAR_FUTURE
    return any(low <= t < high for t in times)
