"""Free/busy: when people are busy, and the next times they are all free.

Someone is busy during every occurrence of the events in their own calendar, of those they
organise, and of those they are invited to and have not declined (an occurrence declined on its
own is free, one accepted on its own busy); cancelled occurrences are free.
Only the periods are given, never a title, place or description, whoever the event's owner and
whatever its visibility. All-day events count as busy for their whole days (midnight to midnight
in the asker's time zone). Colleagues may ask about each other; guests about no one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.agenda import queries
from cercle.agenda.models import Answer, Event, Occurrence
from cercle.agenda.recurrence import Timing, Window, get_zone

MAX_PEOPLE = 50
MAX_DAYS = 62
DAY_START = dt.time(9, 0)
DAY_END = dt.time(18, 0)
STEP = dt.timedelta(minutes=30)
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2999, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime


def _interval(timing: Timing, zone: ZoneInfo) -> Period:
    if timing.all_day:
        assert timing.start_date is not None and timing.end_date is not None
        return Period(
            dt.datetime.combine(timing.start_date, dt.time(), tzinfo=zone),
            dt.datetime.combine(timing.end_date, dt.time(), tzinfo=zone),
        )
    assert timing.start is not None and timing.end is not None
    return Period(timing.start, timing.end)


def merge(periods: list[Period]) -> list[Period]:
    """Overlapping or touching periods joined, in order."""
    merged: list[Period] = []
    for period in sorted(periods, key=lambda p: (p.start, p.end)):
        if merged and period.start <= merged[-1].end:
            if period.end > merged[-1].end:
                merged[-1] = Period(merged[-1].start, period.end)
        else:
            merged.append(period)
    return merged


def _check_moment(moment: dt.datetime, field: str) -> None:
    """Far from the ends of the calendar: arithmetic on it cannot overflow."""
    if moment.tzinfo is None:
        raise ValidationError({field: _("A time needs its time zone.")}, code="naive")
    try:
        inside = EARLIEST <= moment <= LATEST
    except OverflowError:
        inside = False
    if not inside:
        raise ValidationError(
            {field: _("Choose a time between the years 1900 and 2999.")}, code="out_of_range"
        )


def _check(viewer: User, people: list[User], window: Window) -> None:
    if not viewer.is_active or viewer.is_guest:
        raise PermissionDenied(_("Guests cannot see when others are free."))
    _check_moment(window.start, "from")
    _check_moment(window.end, "to")
    if len(people) > MAX_PEOPLE:
        raise ValidationError(
            {"people": _("Ask about at most %(n)d people.") % {"n": MAX_PEOPLE}},
            code="too_many_people",
        )
    queries.check_window(window)
    if window.end - window.start > dt.timedelta(days=MAX_DAYS):
        raise ValidationError(
            {"to": _("Ask for at most %(days)s days at once.") % {"days": MAX_DAYS}},
            code="range_too_long",
        )


def busy_periods(viewer: User, people: list[User], window: Window) -> dict[int, list[Period]]:
    """Each person's busy periods within `window` (clipped to it), merged: four queries
    whatever the number of people and events."""
    _check(viewer, people, window)
    ids = [p.pk for p in people if p.is_active]
    found: dict[int, list[Period]] = {pk: [] for pk in ids}
    if not ids:
        return found
    zone = ZoneInfo(window.zone)
    taking_part = queries.taking_part(ids)
    in_window = Q(first_start__lt=window.end) & (
        Q(last_end__isnull=True) | Q(last_end__gt=window.start)
    )
    first, last = window.dates()
    moved = Q(
        pk__in=Occurrence.objects.filter(
            Q(cancelled=False)
            & (
                Q(all_day=False, start__lt=window.end, end__gte=window.start)
                | Q(all_day=True, start_date__lt=last, end_date__gt=first)
            )
        ).values("event_id")
    )
    events = list(
        Event.objects.filter(
            Q(calendar__owner_id__in=ids)
            | Q(organiser_id__in=ids)
            | Q(pk__in=taking_part.values("event_id"))
        )
        .filter(in_window | moved)
        .select_related("calendar")
        .prefetch_related("occurrences")
    )
    invited: dict[int, dict[int, str]] = defaultdict(dict)
    theirs = taking_part.filter(event_id__in=[e.pk for e in events])
    for event_id, person_id, answer in theirs.values_list("event_id", "person_id", "answer"):
        invited[event_id][person_id] = answer
    # Answers for single occurrences: a declined occurrence is free, an accepted one of a
    # declined series busy.
    per_occurrence = queries.answers_by_occurrence(theirs) if invited else {}
    wanted = set(ids)
    for event in events:
        always = {pk for pk in (event.calendar.owner_id, event.organiser_id) if pk in wanted}
        answers = invited[event.pk]
        if not always and not answers:
            continue
        for occurrence in queries.expand(event, window, busy=True):
            period = _interval(occurrence.timing, zone)
            clipped = Period(max(period.start, window.start), min(period.end, window.end))
            if clipped.start >= clipped.end:
                continue
            whose = set(always)
            for pk, answer in answers.items():
                if occurrence.recurrence_id is not None:
                    answer = per_occurrence.get((event.pk, pk), {}).get(
                        occurrence.recurrence_id, answer
                    )
                if answer != Answer.NO:
                    whose.add(pk)
            for pk in whose:
                found[pk].append(clipped)
    return {pk: merge(periods) for pk, periods in found.items()}


def conflicts(busy: dict[int, list[Period]], start: dt.datetime, end: dt.datetime) -> list[int]:
    """The people busy at some moment of [start, end)."""
    return [
        pk for pk, periods in busy.items() if any(p.start < end and start < p.end for p in periods)
    ]


def free_slots(
    viewer: User,
    people: list[User],
    *,
    after: dt.datetime,
    duration: dt.timedelta,
    zone: str,
    days: int = 14,
    limit: int = 5,
) -> list[Period]:
    """The next `limit` times of `duration` when everyone is free, from `after`, on working days
    (Monday to Friday) between 09:00 and 18:00 in `zone`, starting on the half hour."""
    if duration <= dt.timedelta(0) or duration > dt.timedelta(hours=9):
        raise ValidationError(
            {"duration": _("A meeting lasts between a minute and nine hours.")},
            code="bad_duration",
        )
    get_zone(zone)
    _check_moment(after, "from")
    tz = ZoneInfo(zone)
    window = Window(after, after + dt.timedelta(days=min(days, MAX_DAYS)), zone)
    busy = merge([p for periods in busy_periods(viewer, people, window).values() for p in periods])
    local = after.astimezone(tz)
    # The first half hour at or after `after`.
    base = local.replace(second=0, microsecond=0)
    if base < local:
        base += dt.timedelta(minutes=1)
    candidate = base + dt.timedelta(minutes=(-base.minute) % 30)
    found: list[Period] = []
    while candidate < window.end and len(found) < limit:
        day_end = dt.datetime.combine(candidate.date(), DAY_END, tzinfo=tz)
        day_start = dt.datetime.combine(candidate.date(), DAY_START, tzinfo=tz)
        if candidate.weekday() >= 5 or candidate + duration > day_end:
            candidate = dt.datetime.combine(
                candidate.date() + dt.timedelta(days=1), DAY_START, tzinfo=tz
            )
            continue
        if candidate < day_start:
            candidate = day_start
            continue
        end = candidate + duration
        clash = next((p for p in busy if p.start < end and candidate < p.end), None)
        if clash is None:
            found.append(Period(candidate, end))
            candidate = end
        else:
            # Go past the clash, to the next half hour.
            resume = clash.end.astimezone(tz)
            base = resume.replace(second=0, microsecond=0)
            if base < resume:
                base += dt.timedelta(minutes=1)
            candidate = base + dt.timedelta(minutes=(-base.minute) % 30)
    return found
