"""Time and recurrence: an event's timing, its RFC 5545 rule, and the occurrences in a window.

No database here: the models, queries and actions build a `Timing` and call these functions, and
the property tests (tests/agenda/test_recurrence.py) check them against `dateutil.rrule` and
`icalendar` directly.

The rules of time:
- A timed event has a start and an end as aware datetimes (stored in UTC) and the IANA zone it
  was planned in (`Europe/Paris`). Its recurrences are expanded **in that zone, on wall-clock
  time**, then converted: a weekly 09:00 meeting in Paris stays at 09:00 in Paris across the
  changes of summer time (07:00 or 08:00 UTC). A wall-clock time that does not exist (the hour
  skipped in spring) takes the offset before the gap, and one that exists twice (autumn) is the
  first of the two, as RFC 5545 (3.3.5) says — Python's `fold=0`. Each occurrence lasts the
  event's exact duration.
- An all-day event has dates (the end excluded, as iCalendar's DTEND) and no zone: the 12th is the
  12th everywhere, and its recurrences are dates, never shifted.
- An occurrence is named by its **recurrence id**, the start it had in the series (RFC 5545's
  RECURRENCE-ID): an aware UTC datetime for timed events, for all-day ones that date at midnight
  UTC (`occurrence_key`). Cancelled and changed occurrences are keyed by it.
- A rule is an RRULE value (`FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=…`): daily, weekly, monthly or yearly
  (no rule repeating by the hour or minute), with UNTIL or COUNT or neither, never both; and it must
  give at least one occurrence within `HORIZON_YEARS` of the start (`FREQ=YEARLY;BYMONTH=2;
  BYMONTHDAY=30` does not). A timed event's UNTIL is kept in UTC, an all-day event's as a date.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule, rruleset, rrulestr, weekday
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from icalendar.prop import vRecur

UTC = dt.UTC
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
HORIZON_YEARS = 50
MAX_COUNT = 5000
MAX_RULE_LENGTH = 500
# At most this many occurrences of one series in one window (a window is at most a year or so).
MAX_OCCURRENCES = 2000
# Event times and windows stay within these years: datetime arithmetic near the years 1 and 9999
# overflows, and no calendar needs them (Apple's birthdays without a year are in 1604).
FIRST_YEAR = 1000
LAST_YEAR = 2999
_EARLIEST = dt.datetime(FIRST_YEAR - 1, 1, 1)


def get_zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or a ValidationError (code `unknown_zone`)."""
    if not name or len(name) > 64 or name not in _zone_names():
        raise ValidationError(
            _("Unknown time zone: %(zone)s.") % {"zone": name[:64]}, code="unknown_zone"
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - listed but unloadable
        raise ValidationError(
            _("Unknown time zone: %(zone)s.") % {"zone": name[:64]}, code="unknown_zone"
        ) from exc


def check_years(*moments: dt.date) -> None:
    """ValidationError (code `out_of_range`) unless every moment is within the years handled."""
    if any(not FIRST_YEAR <= moment.year <= LAST_YEAR for moment in moments):
        raise ValidationError(
            _("Choose a time between the years %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            code="out_of_range",
        )


_ZONES: frozenset[str] = frozenset()


def _zone_names() -> frozenset[str]:
    global _ZONES
    if not _ZONES:
        _ZONES = frozenset(available_timezones())
    return _ZONES


@dataclass(frozen=True)
class Timing:
    """When an event (or one occurrence) takes place: `start`/`end` (aware) for a timed event,
    `start_date`/`end_date` (end excluded) for an all-day one, and the zone it is planned in."""

    all_day: bool
    zone: str
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None

    @classmethod
    def timed(cls, start: dt.datetime, end: dt.datetime, zone: str) -> Timing:
        return cls(all_day=False, zone=zone, start=start, end=end)

    @classmethod
    def dates(cls, start: dt.date, end: dt.date, zone: str = "UTC") -> Timing:
        return cls(all_day=True, zone=zone, start_date=start, end_date=end)

    def check(self) -> None:
        """ValidationError for an unknown zone, a naive datetime, or an end before the start."""
        get_zone(self.zone)
        if self.all_day:
            if self.start_date is None or self.end_date is None:
                raise ValidationError(_("An all-day event needs its dates."), code="required")
            check_years(self.start_date, self.end_date)
            if self.end_date <= self.start_date:
                raise ValidationError(
                    {"end": _("The end must be after the start.")}, code="end_before_start"
                )
            return
        if self.start is None or self.end is None:
            raise ValidationError(_("An event needs a start and an end."), code="required")
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValidationError(_("A time needs its time zone."), code="naive")
        check_years(self.start, self.end)
        if self.end < self.start:
            raise ValidationError(
                {"end": _("The end must be after the start.")}, code="end_before_start"
            )

    @property
    def duration(self) -> dt.timedelta:
        if self.all_day:
            assert self.start_date is not None and self.end_date is not None
            return self.end_date - self.start_date
        assert self.start is not None and self.end is not None
        return self.end - self.start

    @property
    def key(self) -> dt.datetime:
        """The recurrence id of this timing's start (`occurrence_key`)."""
        if self.all_day:
            assert self.start_date is not None
            return occurrence_key(self.start_date)
        assert self.start is not None
        return occurrence_key(self.start)

    def local_start(self) -> dt.datetime:
        """The start as a naive wall-clock datetime in the event's zone (for the rule)."""
        if self.all_day:
            assert self.start_date is not None
            return dt.datetime.combine(self.start_date, dt.time())
        assert self.start is not None
        return self.start.astimezone(get_zone(self.zone)).replace(tzinfo=None)


def occurrence_key(value: dt.datetime | dt.date) -> dt.datetime:
    """The recurrence id: a timed start in UTC, a date at midnight UTC."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("a recurrence id needs an aware datetime")
        return value.astimezone(UTC)
    return dt.datetime.combine(value, dt.time(), tzinfo=UTC)


def localize(naive: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A wall-clock time in `zone`, as RFC 5545 reads it (fold=0: the first of a repeated hour, the
    offset before a skipped one), in UTC."""
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


# --- Rules ---------------------------------------------------------------------------------------


def _invalid(message: str) -> ValidationError:
    return ValidationError({"rule": message}, code="invalid_rule")


def _to_text(parts: object) -> str:
    text: bytes = vRecur(parts).to_ical()  # type: ignore[no-untyped-call]
    return text.decode()


def normalize_rule(text: str, timing: Timing) -> str:
    """The rule in its stored form (its UNTIL in UTC for a timed event, a date for an all-day one),
    or ValidationError (code `invalid_rule`) for anything not a usable rule of this event."""
    text = (text or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text:
        return ""
    if len(text) > MAX_RULE_LENGTH or "\n" in text or "\r" in text:
        raise _invalid(_("This repetition rule is too long."))
    try:
        parts = vRecur.from_ical(text)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise _invalid(_("This repetition rule cannot be read.")) from exc
    freq = [str(f).upper() for f in parts.get("FREQ", [])]
    if len(freq) != 1 or freq[0] not in FREQUENCIES:
        raise _invalid(_("An event repeats daily, weekly, monthly or yearly."))
    if "UNTIL" in parts and "COUNT" in parts:
        raise _invalid(_("A repetition ends on a date or after a number of times, not both."))
    if "COUNT" in parts:
        count = parts["COUNT"][0]
        if not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
            raise _invalid(
                _("A repetition happens between 1 and %(max)s times.") % {"max": MAX_COUNT}
            )
    if "UNTIL" in parts:
        parts["UNTIL"] = [_stored_until(parts["UNTIL"][0], timing)]
    stored = _to_text(parts)
    rule = build_rule(stored, timing)
    horizon = timing.local_start() + dt.timedelta(days=366 * HORIZON_YEARS)
    until = getattr(rule, "_until", None)
    # COUNT aside: an impossible rule with a COUNT would be searched up to the year 9999.
    bounded = rule.replace(count=None, until=min(until, horizon) if until else horizon)
    try:
        first = next(iter(bounded), None)
    except (ValueError, OverflowError) as exc:
        raise _invalid(_("This repetition rule cannot be read.")) from exc
    if first is None:
        raise _invalid(_("This repetition rule never happens."))
    return stored


def _stored_until(until: object, timing: Timing) -> dt.date | dt.datetime:
    if timing.all_day:
        if isinstance(until, dt.datetime):
            if until.tzinfo is not None:
                return until.astimezone(get_zone(timing.zone)).date()
            return until.date()
        if isinstance(until, dt.date):
            return until
    else:
        zone = get_zone(timing.zone)
        if isinstance(until, dt.datetime):
            if until.tzinfo is None:  # floating: the event's wall-clock time
                return localize(until, zone)
            return until.astimezone(UTC)
        if isinstance(until, dt.date):  # the whole of that day, in the event's zone
            return localize(dt.datetime.combine(until, dt.time(23, 59, 59)), zone)
    raise _invalid(_("This repetition rule cannot be read."))


# Parsing a rule (icalendar, then dateutil) took more time than expanding a month of it: a
# person's month with 2,000 series parsed them all at every view (issue 11's benchmark). The rules
# are kept by their text and timing (both immutable); an rrule is not changed by iterating it.
@functools.lru_cache(maxsize=8192)
def build_rule(stored: str, timing: Timing) -> rrule:
    """The dateutil rule of a stored rule, on naive wall-clock times in the event's zone."""
    return _parsed_rule(stored, timing)


# Expanding a series in a window starts from the window, not from the series' own start: a
# weekly meeting started in 2020 does not walk six years of occurrences to reach March 2026 (at
# issue 11's scale, 2,000 series in a person's month, that walk was 40 % of the view's CPU). The
# rule is made again with its first period moved to the period that holds the window's start:
# its parts that dateutil takes from the start when not given (the weekday of a weekly rule, the
# day of a monthly one, the hour) are given as they were, so it gives the same starts. A COUNT is
# counted from the series' start: such a rule ends where its COUNT-th start falls, found once and
# kept (`_count_end`), and is made again with that end as its UNTIL.
@functools.lru_cache(maxsize=8192)
def _count_end(stored: str, timing: Timing) -> dt.datetime | None:
    """The last start (naive, wall-clock) a rule with a COUNT gives, None if it gives none."""
    last = None
    for last in build_rule(stored, timing):  # noqa: B007 - bounded by COUNT (at most MAX_COUNT)
        pass
    return last


def _period_start(rule: rrule, lo: dt.datetime) -> dt.datetime | None:
    """The start (naive, 00:00) of the rule's period (day, week, month or year, every INTERVAL)
    holding `lo`, or None when that is the rule's first period."""
    first: dt.datetime = rule._dtstart
    interval: int = rule._interval
    freq = rule._freq
    if freq == DAILY:
        periods = (lo.date() - first.date()).days // interval
        day = first.date() + dt.timedelta(days=periods * interval)
    elif freq == WEEKLY:
        week = first.date() - dt.timedelta(days=(first.weekday() - rule._wkst) % 7)
        periods = (lo.date() - week).days // (7 * interval)
        day = week + dt.timedelta(days=7 * interval * periods)
    elif freq == MONTHLY:
        periods = ((lo.year - first.year) * 12 + lo.month - first.month) // interval
        month = first.month - 1 + periods * interval
        day = dt.date(first.year + month // 12, month % 12 + 1, 1) if periods > 0 else first.date()
    else:  # YEARLY
        periods = (lo.year - first.year) // interval
        day = dt.date(first.year + periods * interval, 1, 1) if periods > 0 else first.date()
    if periods <= 0:
        return None
    return dt.datetime.combine(day, dt.time())


@functools.lru_cache(maxsize=8192)
def _rule_from(stored: str, timing: Timing, start: dt.datetime) -> rrule:
    """The rule of `stored` made again to begin with its period starting at `start` (see above)."""
    rule = build_rule(stored, timing)
    until = rule._until
    if rule._count is not None:
        until = _count_end(stored, timing)
    days = [weekday(d) for d in rule._byweekday or ()] + [
        weekday(d, n) for d, n in rule._bynweekday or ()
    ]
    monthdays = (*rule._bymonthday, *rule._bynmonthday)
    return rrule(
        rule._freq,
        dtstart=start,
        interval=rule._interval,
        wkst=rule._wkst,
        until=until,
        bysetpos=rule._bysetpos,
        bymonth=rule._bymonth,
        bymonthday=monthdays or None,
        byyearday=rule._byyearday,
        byweekno=rule._byweekno,
        byweekday=days or None,
        byhour=rule._byhour,
        byminute=rule._byminute,
        bysecond=rule._bysecond,
    )


def rule_for_window(stored: str, timing: Timing, lo: dt.datetime) -> rrule:
    """A rule giving the same starts as the series' from `lo` (naive, wall-clock) on, made to
    begin at the period holding `lo` (the series' own rule when `lo` is in its first period)."""
    rule = build_rule(stored, timing)
    start = _period_start(rule, lo)
    if start is None:
        return rule
    if rule._count is not None and _count_end(stored, timing) is None:
        return rule  # pragma: no cover - a rule that gives nothing is refused when stored
    return _rule_from(stored, timing, start)


def _parsed_rule(stored: str, timing: Timing) -> rrule:
    try:
        parts = vRecur.from_ical(stored)
        until = parts.pop("UNTIL", [None])[0]
        text = _to_text(parts)
        rule = rrulestr(text, dtstart=timing.local_start())
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise _invalid(_("This repetition rule cannot be read.")) from exc
    if not isinstance(rule, rrule):  # pragma: no cover - one RRULE gives one rrule
        raise _invalid(_("This repetition rule cannot be read."))
    if until is not None:
        if isinstance(until, dt.datetime):
            if until.tzinfo is not None:
                local_until = until.astimezone(get_zone(timing.zone)).replace(tzinfo=None)
            else:
                local_until = until
        else:
            local_until = dt.datetime.combine(until, dt.time(23, 59, 59))
        rule = rule.replace(until=local_until)
    return rule


def series(stored: str, timing: Timing) -> rruleset:
    """The starts (naive, wall-clock) of a series: its rule's, and its own start, which is
    always the first occurrence even when the rule does not give it (RFC 5545, 3.8.5.3)."""
    return _with_start(build_rule(stored, timing), timing.local_start())


def _with_start(rule: rrule, first: dt.datetime) -> rruleset:
    starts = rruleset()
    starts.rrule(rule)
    starts.rdate(first)
    return starts


def rule_until(stored: str, timing: Timing) -> dt.datetime | None:
    """The end of the last occurrence (aware), or None for a series without end."""
    if not stored:
        return timing.end if not timing.all_day else _date_end(timing)
    rule = build_rule(stored, timing)
    if getattr(rule, "_count", None) is None and getattr(rule, "_until", None) is None:
        return None
    last = None
    for last in series(stored, timing):  # noqa: B007 - bounded by COUNT or UNTIL
        pass
    if last is None:
        return timing.end if not timing.all_day else _date_end(timing)
    if timing.all_day:
        return dt.datetime.combine(last.date() + timing.duration, dt.time(), tzinfo=UTC) + _DAY
    return localize(last, get_zone(timing.zone)) + timing.duration


# All-day dates are the same everywhere: in UTC terms, a date spans from UTC-14 to UTC+12 at most.
_DAY = dt.timedelta(hours=14)


def _date_end(timing: Timing) -> dt.datetime:
    assert timing.end_date is not None
    return dt.datetime.combine(timing.end_date, dt.time(), tzinfo=UTC) + _DAY


def span(timing: Timing) -> tuple[dt.datetime, dt.datetime]:
    """The instants (UTC) an occurrence may cover, wide enough for an all-day one anywhere."""
    if timing.all_day:
        assert timing.start_date is not None
        return (
            dt.datetime.combine(timing.start_date, dt.time(), tzinfo=UTC) - _DAY,
            _date_end(timing),
        )
    assert timing.start is not None and timing.end is not None
    return timing.start, timing.end


# --- Expansion -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A range of instants [start, end), with the viewer's zone to read all-day dates in."""

    start: dt.datetime
    end: dt.datetime
    zone: str = "UTC"

    def dates(self) -> tuple[dt.date, dt.date]:
        """The dates [first, last) the window covers in the viewer's zone."""
        zone = get_zone(self.zone)
        first = self.start.astimezone(zone).date()
        last_moment = self.end.astimezone(zone)
        last = last_moment.date()
        if last_moment.timetz().replace(tzinfo=None) != dt.time():
            last += dt.timedelta(days=1)
        return first, last

    def overlaps(self, timing: Timing) -> bool:
        if timing.all_day:
            assert timing.start_date is not None and timing.end_date is not None
            first, last = self.dates()
            return timing.start_date < last and timing.end_date > first
        assert timing.start is not None and timing.end is not None
        if timing.start == timing.end:
            return self.start <= timing.start < self.end
        return timing.start < self.end and timing.end > self.start


def shifted(timing: Timing, local_start: dt.datetime) -> Timing:
    """The occurrence of `timing` starting at wall-clock `local_start` (naive, event's zone)."""
    if timing.all_day:
        day = local_start.date()
        return Timing.dates(day, day + timing.duration, timing.zone)
    start = localize(local_start, get_zone(timing.zone))
    return Timing.timed(start, start + timing.duration, timing.zone)


# A series' occurrences in a window of a month or less are kept in the process, by the rule, the
# series' timing and the window (all immutable): a person's month is built again after each
# change to a calendar they show, and 2,000 series expanded anew were 40 % of that rebuild's CPU.
KEPT_WINDOW = dt.timedelta(days=45)


def occurrences(stored_rule: str, timing: Timing, window: Window) -> Iterator[Timing]:
    """The occurrences of a series (or of a single event) that overlap `window`, in order, at
    most `MAX_OCCURRENCES`. Cancellations and changes are the caller's (`queries`)."""
    if not stored_rule:
        if window.overlaps(timing):
            yield timing
        return
    if window.end - window.start <= KEPT_WINDOW:
        yield from _kept_occurrences(stored_rule, timing, window)
    else:
        yield from _occurrences(stored_rule, timing, window)


@functools.lru_cache(maxsize=4096)
def _kept_occurrences(stored_rule: str, timing: Timing, window: Window) -> tuple[Timing, ...]:
    return tuple(_occurrences(stored_rule, timing, window))


def _occurrences(stored_rule: str, timing: Timing, window: Window) -> Iterator[Timing]:
    duration = timing.duration
    if timing.all_day:
        first, last = window.dates()
        # An event may last centuries: the earliest start to look from saturates, not overflows.
        lo = (
            dt.datetime.combine(first - duration, dt.time())
            if first - _EARLIEST.date() > duration
            else _EARLIEST
        )
        hi = dt.datetime.combine(last, dt.time())
    else:
        zone = get_zone(timing.zone)
        # A day's margin either side: the conversion of the window to wall-clock time may be off
        # by an offset change; the exact test is `window.overlaps`.
        earliest = _EARLIEST.replace(tzinfo=UTC)
        lo = (
            (window.start - duration).astimezone(zone).replace(tzinfo=None) - dt.timedelta(days=1)
            if window.start - earliest > duration
            else _EARLIEST
        )
        hi = window.end.astimezone(zone).replace(tzinfo=None) + dt.timedelta(days=1)
    first = timing.local_start()
    rule = rule_for_window(stored_rule, timing, lo)
    # The series' own start (always its first occurrence) matters only if the window reaches it.
    starts: rrule | rruleset = rule if lo > first else _with_start(rule, first)
    given = 0
    for local in starts.xafter(lo, inc=True):
        if local > hi:
            break
        occurrence = shifted(timing, local)
        if window.overlaps(occurrence):
            yield occurrence
            given += 1
            if given >= MAX_OCCURRENCES:
                return


def is_occurrence(stored_rule: str, timing: Timing, key: dt.datetime) -> bool:
    """Whether the series has an occurrence whose recurrence id is `key`."""
    if not stored_rule:
        return key == timing.key
    rule = series(stored_rule, timing)
    if timing.all_day:
        local = dt.datetime.combine(key.date(), dt.time())
        return local in rule.between(local, local, inc=True)
    zone = get_zone(timing.zone)
    local = key.astimezone(zone).replace(tzinfo=None)
    # A key in a skipped hour was stored as its instant, read back an hour later: look around.
    found = rule.between(local - dt.timedelta(hours=3), local + dt.timedelta(hours=3), inc=True)
    return any(localize(candidate, zone) == key for candidate in found)


def occurrences_before(stored_rule: str, timing: Timing, key: dt.datetime) -> int:
    """How many occurrences come before the one keyed `key` (for a COUNT split in two)."""
    rule = series(stored_rule, timing)
    n = 0
    for local in rule:
        if shifted(timing, local).key >= key:
            break
        n += 1
    return n


def with_rule_part(stored: str, **parts: object) -> str:
    """The stored rule with parts replaced (`UNTIL=…`, `COUNT=…`; None removes the part)."""
    recur = vRecur.from_ical(stored)
    for name, value in parts.items():
        recur.pop(name.upper(), None)
        if value is not None:
            recur[name.upper()] = [value]
    return _to_text(recur)
