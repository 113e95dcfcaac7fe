"""Reads about calendars and events, with their rules.

Who sees what, in one place:
- Deactivated people see nothing.
- A person's own calendar: everything in it, to them.
- Someone else's personal calendar, to an active non-guest: public events in full, private ones as
  "busy" only (their time, never their title, place or description). Guests see others' personal
  events only when invited.
- A space's calendar (while the space has the agenda on): to those who may read the space's wall
  (`spaces.queries.can_read_wall`: members, every non-guest for open spaces and the organisation
  space, organisation admins). A space event's own visibility does not narrow that.
- An invitee sees the event they are invited to in full, wherever it is.

Who writes:
- In a personal calendar, its owner. In a space's calendar (agenda on, space not archived), its
  members; in the organisation space, staff and the space's admins. Organisation admins too.
- An event is changed or cancelled by its organiser (while they may still write in its calendar),
  by the owner of the personal calendar it is in, or by the space's moderators and up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cercle.accounts.models import Department, User
from cercle.agenda import ical, recurrence
from cercle.agenda.models import (
    Answer,
    Calendar,
    Event,
    Invitation,
    Occurrence,
    OccurrenceAnswer,
    Visibility,
)
from cercle.agenda.recurrence import Timing, Window
from cercle.core.kept import ProcessMemo
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Membership, Space, SpaceRole

MODULE = "agenda"


class NotFound(Http404):
    """Missing or not visible: one error for both, so nothing leaks."""


AGENDA_VERSION_KEY = "agenda:version"


def agenda_version() -> int:
    """A number that changes with every write of the agenda (events, occurrences, invitations and
    their answers, calendars), of the spaces' memberships (which change whose calendars one sees)
    and of the spaces: the key of what the agenda's panels and subscription feeds keep in the
    cache. Changed by `listeners` at once and on commit."""
    version = cache.get(AGENDA_VERSION_KEY)
    if version is None:
        version = int(time.time() * 1000)  # a new cache (restart, eviction) starts afresh
        cache.add(AGENDA_VERSION_KEY, version, None)
        version = cache.get(AGENDA_VERSION_KEY, version)
    return int(version)


# What a person sees of some calendars (a drawn period, an API range) is kept under versions
# that only the writes able to change it move (`listeners`), so that a change in a calendar the
# person does not show leaves their period kept (issue 11: a month of fifty spaces is built in
# hundreds of milliseconds, and an organisation writes an event every few seconds):
# - a calendar's: its events, their changed or cancelled occurrences, the calendar itself;
# - a space's: its kind, its modules, its name (who reads its calendar, and what it is called);
# - a person's: their memberships, their invitations and their answers;
# - the base one, moved by a write whose reach is not known without reading more (a changed
#   occurrence or an answer deleted with what holds it): every kept period built again.
KEPT_BASE = "agenda:v:base"


def calendar_version_key(calendar_id: int) -> str:
    return f"agenda:v:calendar:{calendar_id}"


def space_version_key(space_id: int) -> str:
    return f"agenda:v:space:{space_id}"


def person_version_key(person_id: int) -> str:
    return f"agenda:v:person:{person_id}"


def _versions(keys: list[str]) -> list[int]:
    """The versions under `keys`, those missing (a new cache) started afresh at the time."""
    found = cache.get_many(keys)
    missing = [k for k in keys if k not in found]
    if missing:
        start = int(time.time() * 1000)
        for key in missing:
            cache.add(key, start, None)
        found.update(cache.get_many(missing))
    return [int(found.get(k, 0)) for k in keys]


def change_versions(keys: Sequence[str]) -> None:
    """Move these versions (what was kept under them is no longer read)."""
    for key in dict.fromkeys(keys):
        try:
            cache.incr(key)
        except ValueError:  # not there (a new cache): any new number differs from the last one
            cache.set(key, int(time.time() * 1000), None)


INVITED_SECONDS = 60 * 60


def invited_calendar_ids(user: User, person_version: int) -> list[int]:
    """The calendars holding the events `user` is invited to: kept under their version (their
    invitations move it; an event never changes calendar)."""
    key = f"agenda:invited-in:{user.pk}:{person_version}"
    ids: list[int] | None = cache.get(key)
    if ids is None:
        ids = sorted(
            set(
                Invitation.objects.filter(person_id=user.pk).values_list(
                    "event__calendar_id", flat=True
                )
            )
        )
        cache.set(key, ids, INVITED_SECONDS)
    return ids


def kept_key(
    kind: str,
    user: User,
    calendars: Sequence[Calendar],
    *parts: str,
    with_invitations: bool,
) -> str:
    """The cache key of what `user` sees of these calendars (a drawn period, an API range): the
    versions of what can change it (the calendars shown and their spaces, with `with_invitations`
    those holding the events `user` is invited to, `user`'s memberships and invitations, the base
    version), their role (admins see more) and language ("Busy"), then `parts`. The calendars
    and versions are a digest (a person in fifty spaces has fifty: their ids in full made keys
    longer than memcached's 250 characters)."""
    base, person = _versions([KEPT_BASE, person_version_key(user.pk)])
    shown = sorted({c.pk for c in calendars})
    spaces = sorted({c.space_id for c in calendars if c.space_id is not None})
    invited = (
        sorted(set(invited_calendar_ids(user, person)) - set(shown)) if with_invitations else []
    )
    versions = _versions(
        [calendar_version_key(pk) for pk in shown + invited]
        + [space_version_key(pk) for pk in spaces]
    )
    text = f"{shown}|{invited}|{spaces}|{versions}"
    digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    return ":".join(
        [
            f"agenda:{kind}:{base}:{person}:{user.pk}:{user.role}:{get_language()}",
            digest,
            str(with_invitations),
            *parts,
        ]
    )


# --- The panels' keys (the home page's coming week, a space wall's coming events) -------------
#
# The panels are the load test's busiest agenda reads (issue 15): they are kept under the versions
# of what they show, not under `agenda_version`, which every agenda, membership or space write
# anywhere moves (a first visit to the agenda makes a calendar): with one global version, every
# person's panel was built again all the time (~28,000 Python calls and several queries each).
# What a panel may show (its scope: the calendars and spaces) is kept too, under the person's
# version (their memberships, invitations and calendars move it) and the base one.
PANEL_SCOPE_SECONDS = 60 * 60


def _home_scope(user: User) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(calendars, spaces) whose writes may change `user`'s home panel: their own calendars,
    those of their spaces (and the organisation's for non-guests), whether the agenda is on or
    not (switching it on moves the space's version), and those holding the events they are
    invited to. Three queries."""
    member_of = Membership.objects.filter(user_id=user.pk).values("space_id")
    theirs = Q(pk__in=member_of)
    if not user.is_guest:
        theirs |= Q(is_organisation=True)
    spaces = sorted(Space.objects.filter(theirs).values_list("pk", flat=True))
    calendars = set(
        Calendar.objects.filter(Q(owner_id=user.pk) | Q(space_id__in=spaces)).values_list(
            "pk", flat=True
        )
    )
    calendars.update(
        Invitation.objects.filter(person_id=user.pk).values_list("event__calendar_id", flat=True)
    )
    return tuple(sorted(calendars)), tuple(spaces)


def home_panel_key(user: User) -> str:
    """The cache key of `user`'s home panel (without its day and zone): the versions of every
    calendar and space it may show (`_home_scope`), theirs and the base one, their role and the
    language. An event written in a calendar they do not see leaves it; no query while the
    scope is kept."""
    base, person = _versions([KEPT_BASE, person_version_key(user.pk)])
    prefix = f"{base}:{person}:{user.pk}:{user.role}"
    scope_key = f"agenda:home-scope:{prefix}"
    scope: tuple[tuple[int, ...], tuple[int, ...]] | None = cache.get(scope_key)
    if scope is None:
        scope = _home_scope(user)
        cache.set(scope_key, scope, PANEL_SCOPE_SECONDS)
    calendars, spaces = scope
    versions = _versions(
        [calendar_version_key(pk) for pk in calendars] + [space_version_key(pk) for pk in spaces]
    )
    digest = hashlib.blake2b(
        f"{calendars}|{spaces}|{versions}".encode(), digest_size=16
    ).hexdigest()
    return f"agenda:home-panel:{prefix}:{get_language()}:{digest}"


def space_panel_key(user: User, space_id: int) -> tuple[int | None, str]:
    """(the space's calendar id, or None; the cache key of its panel without its day and zone):
    under the space's version (its kind and modules; making its calendar moves it), the
    calendar's and the base one, the reader's role and the language. The calendar's id is kept
    under the same versions: no query while they stand."""
    base, version = _versions([KEPT_BASE, space_version_key(space_id)])
    id_key = f"agenda:space-calendar:{base}:{version}:{space_id}"
    calendar_id: int | None = cache.get(id_key)
    if calendar_id is None:
        calendar_id = (
            Calendar.objects.filter(space_id=space_id).values_list("pk", flat=True).first() or 0
        )
        cache.set(id_key, calendar_id, PANEL_SCOPE_SECONDS)
    if not calendar_id:
        return None, ""
    (calendar,) = _versions([calendar_version_key(calendar_id)])
    return calendar_id, (
        f"agenda:space-panel:{base}:{version}:{calendar}:{calendar_id}:{user.role}:{get_language()}"
    )


def change_agenda_version() -> None:
    try:
        cache.incr(AGENDA_VERSION_KEY)
    except ValueError:  # not there (a new cache): any new number differs from the last one
        cache.set(AGENDA_VERSION_KEY, int(time.time() * 1000), None)


def agenda_spaces() -> QuerySet[Space]:
    return Space.objects.filter(space_queries.spaces_with_module(MODULE))


def readable_agenda_space_ids(user: User) -> QuerySet[Space, int]:
    """A subquery of the ids of spaces whose calendar `user` may read."""
    if user.is_admin:
        return agenda_spaces().values_list("pk", flat=True)
    return (
        agenda_spaces()
        .filter(pk__in=space_queries.readable_space_ids(user))
        .values_list("pk", flat=True)
    )


# --- Calendars -------------------------------------------------------------------------------


def can_see_calendar(user: User, calendar: Calendar) -> bool:
    """May `user` list this calendar's events (private ones of others as busy)?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if calendar.owner_id is not None:
        return calendar.owner_id == user.pk or not user.is_guest
    assert calendar.space is not None
    return space_queries.has_module(calendar.space, MODULE) and space_queries.can_read_wall(
        user, calendar.space
    )


def can_write_in(user: User, calendar: Calendar) -> bool:
    """May `user` add events to this calendar?"""
    if not user.is_authenticated or not user.is_active:
        return False
    if calendar.owner_id is not None:
        return calendar.owner_id == user.pk
    space = calendar.space
    assert space is not None
    if space.is_archived or not space_queries.has_module(space, MODULE):
        return False
    if user.is_admin:
        return True
    role = space_queries.effective_role(user, space)
    if space.is_organisation:
        return user.is_org_staff or space_queries.role_at_least(role, SpaceRole.ADMIN)
    return role is not None


def visible_calendars(user: User) -> QuerySet[Calendar]:
    """The calendars `user` may open: every personal one (others' as busy/public), and spaces'."""
    calendars = Calendar.objects.select_related("owner", "space")
    if not user.is_authenticated or not user.is_active:
        return calendars.none()
    spaces = Q(space_id__in=readable_agenda_space_ids(user))
    if user.is_guest:
        return calendars.filter(Q(owner_id=user.pk) | spaces)
    return calendars.filter(Q(owner__isnull=False) | spaces)


def my_calendars(user: User) -> QuerySet[Calendar]:
    """The calendars shown by default: mine and those of the spaces I am a member of (agenda
    on; the organisation space's too for non-guests). Made by `actions.ensure_calendars`."""
    member_of = Membership.objects.filter(user_id=user.pk).values("space_id")
    in_my_spaces = Q(space_id__in=member_of)
    if not user.is_guest:
        in_my_spaces |= Q(space__is_organisation=True)
    return (
        visible_calendars(user)
        .filter(Q(owner_id=user.pk) | (in_my_spaces & Q(space_id__in=agenda_spaces().values("pk"))))
        .order_by("space_id", "id")
    )


def access_calendar(user: User, calendar_id: int) -> Calendar:
    calendar = visible_calendars(user).filter(pk=calendar_id).first()
    if calendar is None:
        raise NotFound(_("No such calendar."))
    return calendar


# Subscribed calendar applications poll the feed (Outlook, Google Calendar, Thunderbird): the
# text is kept under the agenda's version, which every change to it moves.
FEED_SECONDS = 15 * 60


def feed_bytes(calendar: Calendar) -> bytes:
    """The subscription feed of `calendar`: all its events as one VCALENDAR, kept in the cache
    under the agenda's version and the language (the calendar's name)."""
    key = f"agenda:feed:{agenda_version()}:{calendar.pk}:{get_language()}"
    data: bytes | None = cache.get(key)
    if data is None:
        events = calendar.events.select_related("organiser").prefetch_related(
            "occurrences", "invitations__person", "invitations__occurrence_answers"
        )
        data = ical.calendar_bytes(((e, False) for e in events), name=calendar_name(calendar))
        cache.set(key, data, FEED_SECONDS)
    return data


def calendar_name(calendar: Calendar) -> str:
    if calendar.space is not None:
        return space_queries.display_name(calendar.space)
    assert calendar.owner is not None
    if calendar.extra:
        return calendar.name or calendar.owner.display_name
    return calendar.owner.display_name


def writable_calendars(user: User) -> list[tuple[Calendar, str]]:
    """The calendars `user` may add events to, with their names (the event form's choice)."""
    return [(c, calendar_name(c)) for c in my_calendars(user) if can_write_in(user, c)]


def can_invite_departments(user: User) -> bool:
    """Departments are invited by colleagues, not guests (a guest invites people by name)."""
    return bool(user.is_authenticated and user.is_active and not user.is_guest)


def invitable_departments(user: User) -> QuerySet[Department]:
    """The departments `user` may invite, by name."""
    if not can_invite_departments(user):
        return Department.objects.none()
    return Department.objects.order_by("name")


def access_departments(user: User, department_ids: list[int]) -> list[Department]:
    """The departments named, for an invitation; one missing is a 404, and someone who may not
    invite departments is refused (PermissionDenied)."""
    if not can_invite_departments(user):
        raise PermissionDenied(_("You cannot invite a department."))
    wanted = set(department_ids)
    found = list(invitable_departments(user).filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise NotFound(_("No such department."))
    return found


# --- Events ------------------------------------------------------------------------------------


def _invited(user: User) -> Q:
    return Q(pk__in=Invitation.objects.filter(person_id=user.pk).values("event_id"))


def listed_events(user: User) -> QuerySet[Event]:
    """Every event whose time `user` may see (others' private events included, shown as busy)."""
    events = Event.objects.all()
    if not user.is_authenticated or not user.is_active:
        return events.none()
    in_spaces = Q(calendar__space_id__in=readable_agenda_space_ids(user))
    if user.is_guest:
        return events.filter(Q(calendar__owner_id=user.pk) | in_spaces | _invited(user))
    return events.filter(Q(calendar__owner__isnull=False) | in_spaces | _invited(user))


def visible_events(user: User) -> QuerySet[Event]:
    """Every event `user` may open in full (no busy-only one)."""
    if not user.is_authenticated or not user.is_active:
        return Event.objects.none()
    others_private = Q(calendar__owner__isnull=False, visibility=Visibility.PRIVATE) & ~Q(
        calendar__owner_id=user.pk
    )
    return listed_events(user).filter(~others_private | _invited(user))


def access_event(user: User, event_id: int) -> Event:
    event = (
        visible_events(user)
        .select_related("calendar", "calendar__owner", "calendar__space", "organiser")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        raise NotFound(_("No such event."))
    return event


def is_busy_only(user: User, event: AnyEvent, invited: bool) -> bool:
    return (
        event.visibility == Visibility.PRIVATE
        and event.calendar.owner_id is not None
        and event.calendar.owner_id != user.pk
        and not invited
    )


def can_change(user: User, event: Event) -> bool:
    """May `user` change or cancel `event` (all its occurrences or some)?"""
    if not user.is_authenticated or not user.is_active:
        return False
    calendar = event.calendar
    if calendar.owner_id is not None:
        return calendar.owner_id == user.pk
    assert calendar.space is not None
    if event.organiser_id == user.pk and can_write_in(user, calendar):
        return True
    return (
        not calendar.space.is_archived
        and space_queries.has_module(calendar.space, MODULE)
        and space_queries.can_moderate(user, calendar.space)
    )


@dataclass(frozen=True)
class EventRights:
    change: bool
    respond: bool


def event_rights(user: User, event: Event) -> EventRights:
    invited = Invitation.objects.filter(event_id=event.pk, person_id=user.pk).exists()
    return EventRights(change=can_change(user, event), respond=invited and user.is_active)


# --- Occurrences in a range ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListedEvent:
    """An event as a range lists it: what its occurrences show, read as plain values with its
    calendar shared (`occurrences_between`). A month of fifty spaces lists 1,600 events: building
    their model instances and converting the dates they do not show (creation, bounds) was a
    fifth of the month's CPU."""

    pk: int
    calendar: Calendar
    visibility: str
    time_zone: str
    timing: Timing
    rule: str
    title: str
    place: str
    description_html: str
    meeting_url: str

    @property
    def calendar_id(self) -> int:
        return self.calendar.pk

    @property
    def is_recurring(self) -> bool:
        return bool(self.rule)

    def own_timing(self) -> Timing:
        return self.timing


AnyEvent = Event | ListedEvent
LISTED_FIELDS = (
    "pk",
    "calendar_id",
    "visibility",
    "time_zone",
    "all_day",
    "start",
    "end",
    "start_date",
    "end_date",
    "rule",
    "title",
    "place",
    "description_html",
    "meeting_url",
)


@dataclass(frozen=True, slots=True)
class OccurrenceView:
    """One occurrence as `viewer` sees it: a single event, an occurrence of a series, or a
    changed one; `busy_only` hides all but its time."""

    event: AnyEvent
    timing: Timing
    recurrence_id: dt.datetime | None  # None for a single event
    changed: bool
    busy_only: bool
    title: str
    place: str
    description_html: str
    meeting_url: str

    @property
    def calendar(self) -> Calendar:
        return self.event.calendar

    @property
    def calendar_name(self) -> str:
        """The calendar's name (its owner and space are loaded with it: no query)."""
        return calendar_name(self.event.calendar)

    def sort_key(self, zone: dt.tzinfo) -> tuple[dt.datetime, int, str]:
        if self.timing.all_day:
            assert self.timing.start_date is not None
            start = dt.datetime.combine(self.timing.start_date, dt.time(), tzinfo=zone)
        else:
            assert self.timing.start is not None
            start = self.timing.start
        return (start, self.event.pk, (self.recurrence_id or start).isoformat())


Position = tuple[str, int, str]


def position(occurrence: OccurrenceView, zone: dt.tzinfo) -> Position:
    """The occurrence's place in a range's order as plain values (its start in UTC as text of one
    length, which sorts as the times do between the years 1000 and 2999; its event; its key):
    the kept shares' order and the API's cursors."""
    start, pk, key = occurrence.sort_key(zone)
    text = start.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    return (text, pk, key)


def _view(
    event: AnyEvent,
    timing: Timing,
    *,
    busy: bool,
    override: Occurrence | None = None,
    recurrence_id: dt.datetime | None = None,
) -> OccurrenceView:
    source: AnyEvent | Occurrence = override or event
    return OccurrenceView(
        event=event,
        timing=timing,
        recurrence_id=recurrence_id,
        changed=override is not None,
        busy_only=busy,
        title=_("Busy") if busy else source.title,
        place="" if busy else source.place,
        description_html="" if busy else source.description_html,
        meeting_url="" if busy else source.meeting_url,
    )


def expand(
    event: AnyEvent,
    window: Window,
    *,
    busy: bool,
    overrides: Sequence[Occurrence] | None = None,
) -> list[OccurrenceView]:
    """The occurrences of one event in `window`: its rule expanded, changed occurrences in their
    new time, cancelled ones left out. The changed and cancelled ones are `overrides` when given,
    else `event.occurrences.all()` (prefetched by callers)."""
    timing = event.own_timing()
    if not event.rule:
        return [_view(event, timing, busy=busy)] if window.overlaps(timing) else []
    if overrides is None:
        assert isinstance(event, Event)  # a listed event comes with its overrides
        overrides = list(event.occurrences.all())
    exceptions = {o.recurrence_id: o for o in overrides}
    found = [
        _view(event, occurrence, busy=busy, recurrence_id=occurrence.key)
        for occurrence in recurrence.occurrences(event.rule, timing, window)
        if occurrence.key not in exceptions
    ]
    for key, override in exceptions.items():
        if override.cancelled:
            continue
        changed = override.timing(event.time_zone)
        if window.overlaps(changed):
            found.append(_view(event, changed, busy=busy, override=override, recurrence_id=key))
    return found


def _moved_into(window: Window) -> Q:
    first, last = window.dates()
    return Q(cancelled=False) & (
        Q(all_day=False, start__lt=window.end, end__gte=window.start)
        | Q(all_day=True, start_date__lt=last, end_date__gt=first)
    )


MAX_WINDOW = dt.timedelta(days=400)


def check_window(window: Window) -> None:
    recurrence.get_zone(window.zone)
    if window.start.tzinfo is None or window.end.tzinfo is None:
        raise ValidationError(_("A time needs its time zone."), code="naive")
    recurrence.check_years(window.start, window.end)
    if window.end <= window.start:
        raise ValidationError({"to": _("The end must be after the start.")}, code="bad_range")
    if window.end - window.start > MAX_WINDOW:
        raise ValidationError(
            {"to": _("Ask for at most %(days)s days at once.") % {"days": MAX_WINDOW.days}},
            code="range_too_long",
        )


def _in_window(window: Window) -> Q:
    """The events with an occurrence in `window`, by their bounds or a changed occurrence."""
    in_window = Q(first_start__lt=window.end) & (
        Q(last_end__isnull=True) | Q(last_end__gt=window.start)
    )
    return in_window | Q(pk__in=Occurrence.objects.filter(_moved_into(window)).values("event_id"))


def occurrences_between(
    user: User,
    window: Window,
    calendars: list[Calendar] | None = None,
    *,
    with_invitations: bool = False,
) -> list[OccurrenceView]:
    """Every occurrence `user` may see in `window` (in `calendars`, and with `with_invitations`
    the events they are invited to wherever they are; or, without `calendars`, every one they may
    see), in order: five queries whatever the number of events and occurrences. With `calendars`,
    each calendar's share is kept in the process under its version (`_kept_parts`): only the
    calendars changed since are read and expanded again."""
    check_window(window)
    events = listed_events(user).filter(_in_window(window))
    if calendars is not None:
        ranked = _kept_parts(user, window, calendars, events, with_invitations=with_invitations)
        return [occurrence for _position, occurrence in ranked]
    zone = recurrence.get_zone(window.zone)
    found = _expanded(user, window, events)
    found.sort(key=lambda o: o.sort_key(zone))
    return found


# Each calendar's share of a window as a person sees it (its occurrences with their sort keys, in
# order) is kept in the process under the versions that `kept_key` reads (the calendar's, its
# space's, the person's, the base one) and the person, role and language ("Busy"): a change in
# one of the fifty calendars of a month (issue 11) reads and expands that calendar's events
# again, not the 1,600 events of the fifty, and the month is the kept shares merged. At most
# `KEPT_PARTS_OCCURRENCES` occurrences are kept in all, the least recently used shares dropped
# first (a process holds each a few hundred bytes, and the collector follows them), and none
# longer than `KEPT_PARTS_SECONDS` (a colleague's new name, which moves no version, shows then).
KEPT_PARTS_OCCURRENCES = 30_000
KEPT_PARTS_SECONDS = 15 * 60
Part = tuple[tuple[Position, OccurrenceView], ...]
kept_parts: ProcessMemo[tuple[Any, ...], Part] = ProcessMemo(KEPT_PARTS_OCCURRENCES, weigh=len)


def forget_kept_parts() -> None:
    """Drop every calendar's kept share (tests; what is kept is also versioned)."""
    kept_parts.clear()


def _kept_parts(
    user: User,
    window: Window,
    calendars: list[Calendar],
    events: QuerySet[Event],
    *,
    with_invitations: bool,
) -> list[tuple[Position, OccurrenceView]]:
    """The occurrences of `events` (already narrowed to what `user` may see in `window`) in
    `calendars`, and with `with_invitations` those `user` is invited to in other calendars,
    merged from each calendar's kept share; the shares missing (new versions) read in one
    query and kept."""
    space_of = {c.pk: c.space_id for c in calendars}
    shown = sorted(space_of)
    base, person = _versions([KEPT_BASE, person_version_key(user.pk)])
    invited = (
        sorted(set(invited_calendar_ids(user, person)) - set(shown)) if with_invitations else []
    )
    spaces = sorted({pk for pk in space_of.values() if pk is not None})
    versions = _versions(
        [calendar_version_key(pk) for pk in shown + invited]
        + [space_version_key(pk) for pk in spaces]
    )
    of_calendar = dict(zip(shown + invited, versions, strict=False))
    of_space: dict[int | None, int] = dict(
        zip(spaces, versions[len(shown) + len(invited) :], strict=True)
    )
    age = int(time.time() // KEPT_PARTS_SECONDS)
    common = (age, user.pk, user.role, get_language(), base, person, window)
    keys: dict[tuple[bool, int], tuple[Any, ...]] = {
        (True, pk): (*common, True, pk, of_calendar[pk], of_space.get(space_of[pk])) for pk in shown
    }
    keys.update({(False, pk): (*common, False, pk, of_calendar[pk]) for pk in invited})
    # The shares merged are kept too, under all their keys (a period asked again, the API's next
    # page): counted in the bound as much as the shares they hold.
    whole = ("merged", *keys.values())
    found: list[Part] = []
    missing: list[tuple[bool, int]] = []
    kept_whole = kept_parts.get(whole)
    if kept_whole is not None:
        return list(kept_whole)
    for part, key in keys.items():
        kept = kept_parts.get(key)
        if kept is None:
            missing.append(part)
        else:
            found.append(kept)
    if missing:
        wanted = Q(calendar_id__in=[pk for whole, pk in missing if whole])
        in_others = [pk for whole, pk in missing if not whole]
        if in_others:
            wanted |= Q(calendar_id__in=in_others) & _invited(user)
        zone = recurrence.get_zone(window.zone)
        built: dict[tuple[bool, int], list[tuple[Position, OccurrenceView]]]
        built = {part: [] for part in missing}
        for occurrence in _expanded(user, window, events.filter(wanted)):
            pk = occurrence.event.calendar_id
            built[(pk in space_of, pk)].append((position(occurrence, zone), occurrence))
        for part, items in built.items():
            items.sort(key=itemgetter(0))
            kept = tuple(items)
            kept_parts.put(keys[part], kept)
            found.append(kept)
    merged = [item for part in found for item in part]
    merged.sort(key=itemgetter(0))  # runs already in order: a merge
    kept_parts.put(whole, tuple(merged))
    return merged


def ranked_occurrences(
    user: User, window: Window, calendars: list[Calendar], *, with_invitations: bool = False
) -> list[tuple[Position, OccurrenceView]]:
    """`occurrences_between` in `calendars`, each with its `position` (the API's cursor)."""
    check_window(window)
    events = listed_events(user).filter(_in_window(window))
    return _kept_parts(user, window, calendars, events, with_invitations=with_invitations)


def _expanded(user: User, window: Window, events: QuerySet[Event]) -> list[OccurrenceView]:
    """The occurrences of `events` in `window` as `user` sees them, not in order: four queries."""
    rows = list(events.values_list(*LISTED_FIELDS))
    if not rows:
        return []
    # Each calendar (with its owner and space) read once and shared: a `select_related` built
    # four model instances per event.
    by_pk = {
        c.pk: c
        for c in Calendar.objects.filter(pk__in={row[1] for row in rows}).select_related(
            "owner", "space"
        )
    }
    loaded = [
        ListedEvent(
            pk=pk,
            calendar=by_pk[calendar_id],
            visibility=visibility,
            time_zone=zone,
            timing=Timing.dates(start_date, end_date, zone)
            if all_day
            else Timing.timed(start, end, zone),
            rule=rule,
            title=title,
            place=place,
            description_html=description_html,
            meeting_url=meeting_url,
        )
        for (
            pk,
            calendar_id,
            visibility,
            zone,
            all_day,
            start,
            end,
            start_date,
            end_date,
            rule,
            title,
            place,
            description_html,
            meeting_url,
        ) in rows
    ]
    ids = [e.pk for e in loaded]
    # The series' changed and cancelled occurrences in one plain query: `prefetch_related` built
    # a filtered queryset per event (a fifth of a month's CPU at issue 11's scale).
    overrides: dict[int, list[Occurrence]] = {}
    for override in Occurrence.objects.filter(event_id__in=ids):
        overrides.setdefault(override.event_id, []).append(override)
    invited = set(
        Invitation.objects.filter(person_id=user.pk, event_id__in=ids).values_list(
            "event_id", flat=True
        )
    )
    found: list[OccurrenceView] = []
    for event in loaded:
        busy = is_busy_only(user, event, event.pk in invited)
        found.extend(expand(event, window, busy=busy, overrides=overrides.get(event.pk, [])))
    return found


def find_occurrence(event: Event, key: dt.datetime) -> Timing | None:
    """The timing of the occurrence of `event` keyed `key` as it stands (changed or not), None
    when the series has no such occurrence or it was cancelled."""
    override = event.occurrences.filter(recurrence_id=key).first()
    if override is not None:
        return None if override.cancelled else override.timing(event.time_zone)
    timing = event.own_timing()
    if not recurrence.is_occurrence(event.rule, timing, key):
        return None
    if timing.all_day:
        return Timing.dates(key.date(), key.date() + timing.duration, event.time_zone)
    return Timing.timed(key, key + timing.duration, event.time_zone)


CANCELLED_SHOWN = 50


def cancelled_occurrences(event: Event) -> list[Occurrence]:
    """The cancelled occurrences of a series, in order (the first `CANCELLED_SHOWN`): one
    query. Whether the viewer may restore them is `can_change`."""
    if not event.rule:
        return []
    return list(
        Occurrence.objects.filter(event_id=event.pk, cancelled=True).order_by("recurrence_id")[
            :CANCELLED_SHOWN
        ]
    )


def taking_part(person_ids: Sequence[int] | QuerySet[Any, Any]) -> QuerySet[Invitation]:
    """The invitations of these people that are not declined for every occurrence: not
    declined, or declined but accepted (or maybe) for some occurrence."""
    return Invitation.objects.filter(person_id__in=person_ids).filter(
        ~Q(answer=Answer.NO)
        | Q(pk__in=OccurrenceAnswer.objects.exclude(answer=Answer.NO).values("invitation_id"))
    )


def answers_by_occurrence(
    invitations: QuerySet[Invitation],
) -> dict[tuple[int, int], dict[dt.datetime, str]]:
    """{(event id, person id): {recurrence id: answer}} of these invitations' answers for single
    occurrences (`OccurrenceAnswer`): one query."""
    found: dict[tuple[int, int], dict[dt.datetime, str]] = {}
    for event_id, person_id, key, answer in OccurrenceAnswer.objects.filter(
        invitation__in=invitations
    ).values_list("invitation__event_id", "invitation__person_id", "occurrence", "answer"):
        found.setdefault((event_id, person_id), {})[key] = answer
    return found


def answers_for_single_occurrences(
    event: Event, person_ids: Sequence[int] | None = None
) -> dict[int, list[OccurrenceAnswer]]:
    """{person id: their answers for single occurrences of `event`, in the occurrences' order}
    (only those of `person_ids` when given): one query, however many answers."""
    rows = OccurrenceAnswer.objects.filter(invitation__event_id=event.pk)
    if person_ids is not None:
        rows = rows.filter(invitation__person_id__in=person_ids)
    found: dict[int, list[OccurrenceAnswer]] = {}
    for row in rows.select_related("invitation").order_by("occurrence", "id"):
        found.setdefault(row.invitation.person_id, []).append(row)
    return found


@dataclass(frozen=True)
class MyAnswers:
    """A person's answers to an invitation: for the series, and for single occurrences."""

    series: str
    occurrences: dict[dt.datetime, str]

    def for_occurrence(self, key: dt.datetime | None) -> tuple[str, bool]:
        """The answer for the occurrence keyed `key` (None: a single event), and whether it was
        given for that occurrence alone."""
        own = self.occurrences.get(key) if key is not None else None
        return (own, True) if own is not None else (self.series, False)


def my_answers(user: User, event_ids: Sequence[int]) -> dict[int, MyAnswers]:
    """{event id: `user`'s answers} of the events among `event_ids` they are invited to: one
    query, however many events and answers."""
    found: dict[int, MyAnswers] = {}
    if not event_ids:
        return found
    rows = Invitation.objects.filter(person_id=user.pk, event_id__in=event_ids).values_list(
        "event_id", "answer", "occurrence_answers__occurrence", "occurrence_answers__answer"
    )
    for event_id, answer, key, single in rows:
        entry = found.setdefault(event_id, MyAnswers(answer, {}))
        if key is not None:
            entry.occurrences[key] = single
    return found


def occurrence_answers(event: Event, key: dt.datetime | None) -> dict[int, OccurrenceAnswer]:
    """{person id: their answer for this occurrence only} (none for a single event)."""
    if key is None or not event.rule:
        return {}
    return {
        row.invitation.person_id: row
        for row in OccurrenceAnswer.objects.filter(
            invitation__event_id=event.pk, occurrence=key
        ).select_related("invitation")
    }


def invitations(event: Event) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(event=event)
        .select_related("person")
        .order_by("person__first_name", "person__last_name", "id")
    )
