"""Recurrence expansion (`cercle.agenda.recurrence`) against `dateutil.rrule` and
`recurring_ical_events` (on `icalendar`) as references, across daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from cercle.agenda import recurrence
from cercle.agenda.recurrence import Timing, Window

UTC = dt.UTC
ZONES = ("Europe/Paris", "America/New_York", "Australia/Sydney")
FREQS = {"DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY, "YEARLY": YEARLY}
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def timed(local: dt.datetime, zone: str, minutes: int = 60) -> Timing:
    start = local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    return Timing.timed(start, start + dt.timedelta(minutes=minutes), zone)


def starts(rule: str, timing: Timing, window: Window) -> list[dt.datetime]:
    return [o.start for o in recurrence.occurrences(rule, timing, window)]  # type: ignore[misc]


# --- Wall-clock time across daylight-saving changes ---


@pytest.mark.parametrize(
    ("zone", "before", "after", "utc_before", "utc_after"),
    [
        # Paris: summer time from 29 March 2026 (UTC+1 → UTC+2).
        ("Europe/Paris", dt.date(2026, 3, 23), dt.date(2026, 3, 30), 8, 7),
        # New York: from 8 March 2026 (UTC-5 → UTC-4).
        ("America/New_York", dt.date(2026, 3, 2), dt.date(2026, 3, 9), 14, 13),
        # Sydney: summer time ends 5 April 2026 (UTC+11 → UTC+10), 09:00 local.
        ("Australia/Sydney", dt.date(2026, 3, 30), dt.date(2026, 4, 6), 22, 23),
    ],
)
def test_a_weekly_meeting_keeps_its_local_time_across_the_change(
    zone: str, before: dt.date, after: dt.date, utc_before: int, utc_after: int
) -> None:
    timing = timed(dt.datetime.combine(before, dt.time(9)), zone)
    window = Window(
        dt.datetime.combine(before, dt.time(), tzinfo=UTC) - dt.timedelta(days=1),
        dt.datetime.combine(after, dt.time(), tzinfo=UTC) + dt.timedelta(days=2),
    )
    found = starts("FREQ=WEEKLY", timing, window)
    assert len(found) == 2
    assert [s.astimezone(ZoneInfo(zone)).time() for s in found] == [dt.time(9), dt.time(9)]
    assert [s.hour for s in found] == [utc_before, utc_after]


def test_a_skipped_hour_takes_the_offset_before_the_gap_and_a_repeated_one_the_first() -> None:
    paris = "Europe/Paris"
    timing = timed(dt.datetime(2026, 3, 27, 2, 30), paris)
    window = Window(dt.datetime(2026, 3, 27, tzinfo=UTC), dt.datetime(2026, 3, 31, tzinfo=UTC))
    found = starts("FREQ=DAILY", timing, window)
    # 29 March 02:30 does not exist in Paris: read with UTC+1, so 01:30 UTC (03:30 summer time).
    assert dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC) in found
    assert dt.datetime(2026, 3, 30, 0, 30, tzinfo=UTC) in found
    autumn = timed(dt.datetime(2026, 10, 24, 2, 30), paris)
    window = Window(dt.datetime(2026, 10, 24, tzinfo=UTC), dt.datetime(2026, 10, 27, tzinfo=UTC))
    # 25 October 02:30 happens twice: the first, in summer time (00:30 UTC).
    assert dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC) in starts("FREQ=DAILY", autumn, window)


def test_all_day_events_never_shift_whatever_the_viewer_zone() -> None:
    timing = Timing.dates(dt.date(2026, 3, 27), dt.date(2026, 3, 28), "Australia/Sydney")
    for zone in (*ZONES, "Pacific/Kiritimati", "Pacific/Pago_Pago"):
        tz = ZoneInfo(zone)
        window = Window(
            dt.datetime(2026, 3, 26, tzinfo=tz), dt.datetime(2026, 4, 3, tzinfo=tz), zone
        )
        found = list(recurrence.occurrences("FREQ=DAILY;COUNT=5", timing, window))
        assert [o.start_date for o in found] == [
            dt.date(2026, 3, 27) + dt.timedelta(days=n) for n in range(5)
        ]


# --- Property tests: dateutil.rrule as the reference ---

rules = st.fixed_dictionaries(
    {
        "freq": st.sampled_from(sorted(FREQS)),
        "interval": st.integers(1, 3),
        "days": st.lists(st.sampled_from(DAYS), max_size=3, unique=True),
        "count": st.one_of(st.none(), st.integers(1, 40)),
    }
)


def rule_text(parts: dict[str, object]) -> str:
    text = f"FREQ={parts['freq']};INTERVAL={parts['interval']}"
    if parts["days"] and parts["freq"] == "WEEKLY":
        text += ";BYDAY=" + ",".join(parts["days"])  # type: ignore[arg-type]
    if parts["count"]:
        text += f";COUNT={parts['count']}"
    return text


def reference(parts: dict[str, object], dtstart: dt.datetime) -> rrule:
    byweekday = None
    if parts["days"] and parts["freq"] == "WEEKLY":
        byweekday = [DAYS.index(d) for d in parts["days"]]  # type: ignore[union-attr]
    return rrule(
        FREQS[parts["freq"]],  # type: ignore[index]
        dtstart=dtstart,
        interval=parts["interval"],  # type: ignore[arg-type]
        byweekday=byweekday,
        count=parts["count"],  # type: ignore[arg-type]
    )


@settings(max_examples=80, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 31)),
    parts=rules,
    window_offset=st.integers(0, 400),
    window_days=st.integers(1, 120),
)
def test_timed_expansion_matches_dateutil_on_aware_wall_clock_times(
    zone: str, start: dt.datetime, parts: dict[str, object], window_offset: int, window_days: int
) -> None:
    start = start.replace(second=0, microsecond=0)
    timing = timed(start, zone)
    # The reference's own wall-clock arithmetic on aware datetimes in the zone.
    local_start = timing.start.astimezone(ZoneInfo(zone))  # type: ignore[union-attr]
    ref = reference(parts, local_start)
    window_start = dt.datetime(2025, 1, 1, tzinfo=UTC) + dt.timedelta(days=window_offset)
    window = Window(window_start, window_start + dt.timedelta(days=window_days))
    # The event's own start is always its first occurrence (RFC 5545), even off the rule.
    expected = sorted(
        {
            x.replace(fold=0).astimezone(UTC)
            for x in [*ref.between(window.start - dt.timedelta(hours=1), window.end), local_start]
            if window.start - dt.timedelta(hours=1) < x < window.end
        }
    )
    assert starts(rule_text(parts), timing, window) == expected


@settings(max_examples=40, deadline=None)
@given(
    start=st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31)),
    parts=rules,
    length=st.integers(1, 3),
    viewer=st.sampled_from(ZONES),
)
def test_all_day_expansion_matches_dateutil_on_dates(
    start: dt.date, parts: dict[str, object], length: int, viewer: str
) -> None:
    timing = Timing.dates(start, start + dt.timedelta(days=length), "Europe/Paris")
    tz = ZoneInfo(viewer)
    first = dt.date(2025, 6, 1)
    window = Window(
        dt.datetime.combine(first, dt.time(), tzinfo=tz),
        dt.datetime.combine(first + dt.timedelta(days=200), dt.time(), tzinfo=tz),
        viewer,
    )
    ref = reference(parts, dt.datetime.combine(start, dt.time()))
    lo = dt.datetime.combine(first - dt.timedelta(days=length), dt.time())
    hi = dt.datetime.combine(first + dt.timedelta(days=200), dt.time())
    own = dt.datetime.combine(start, dt.time())
    expected = sorted({x.date() for x in [*ref.between(lo, hi), own] if lo < x < hi})
    found = [o.start_date for o in recurrence.occurrences(rule_text(parts), timing, window)]
    assert found == expected


# --- recurring_ical_events (icalendar) as the reference ---


def ics_event(zone: str, local: dt.datetime, rule: str, minutes: int = 60) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//test//")
    calendar.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", "x@test")
    start = local.replace(tzinfo=ZoneInfo(zone))
    event.add("dtstart", start)
    event.add("dtend", start + dt.timedelta(minutes=minutes))
    event.add("rrule", icalendar.vRecur.from_ical(rule))
    calendar.add_component(event)
    return calendar


@settings(max_examples=40, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 12, 31)),
    parts=rules,
)
def test_timed_expansion_matches_recurring_ical_events(
    zone: str, start: dt.datetime, parts: dict[str, object]
) -> None:
    start = start.replace(second=0, microsecond=0)
    text = rule_text(parts)
    timing = timed(start, zone)
    window = Window(dt.datetime(2025, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 31, tzinfo=UTC))
    expected = sorted(
        e["DTSTART"].dt.astimezone(UTC)
        for e in recurring_ical_events.of(ics_event(zone, start, text)).between(
            window.start, window.end
        )
    )
    assert starts(text, timing, window) == expected


# --- Rules: what is stored, what is refused ---


def test_until_is_stored_in_utc_for_timed_events_and_as_a_date_for_all_day_ones() -> None:
    timing = timed(dt.datetime(2026, 3, 2, 9), "Europe/Paris")
    stored = recurrence.normalize_rule("RRULE:FREQ=WEEKLY;UNTIL=20260401", timing)
    assert stored == "FREQ=WEEKLY;UNTIL=20260401T215959Z"
    day = Timing.dates(dt.date(2026, 3, 2), dt.date(2026, 3, 3))
    assert recurrence.normalize_rule("FREQ=WEEKLY;UNTIL=20260401T120000Z", day) == (
        "FREQ=WEEKLY;UNTIL=20260401"
    )
    window = Window(dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(2026, 6, 1, tzinfo=UTC))
    assert len(starts(stored, timing, window)) == 5  # 2, 9, 16, 23, 30 March; not 6 April


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=HOURLY",
        "FREQ=MINUTELY;COUNT=3",
        "FREQ=SOMETIMES",
        "BYDAY=MO",
        "FREQ=WEEKLY;COUNT=3;UNTIL=20270101",
        "FREQ=WEEKLY;COUNT=0",
        "FREQ=WEEKLY;COUNT=99999",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31;COUNT=3",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;INTERVAL=abc",
        "FREQ=WEEKLY;UNTIL=20200101",  # before the start: never happens
        "garbage;;==",
        "FREQ=DAILY\nFREQ=WEEKLY",
        "FREQ=DAILY;" + "BYMONTHDAY=1;" * 80,
    ],
)
def test_impossible_or_unreadable_rules_are_refused_clearly(rule: str) -> None:
    timing = timed(dt.datetime(2026, 3, 2, 9), "Europe/Paris")
    with pytest.raises(ValidationError) as error:
        recurrence.normalize_rule(rule, timing)
    assert "rule" in error.value.message_dict


def test_unknown_zones_and_ends_before_starts_are_refused() -> None:
    with pytest.raises(ValidationError) as error:
        recurrence.get_zone("Europe/Atlantis")
    assert error.value.code == "unknown_zone"
    for bad in ("", "../../etc/passwd", "x" * 300):
        with pytest.raises(ValidationError):
            recurrence.get_zone(bad)
    start = dt.datetime(2026, 3, 2, 9, tzinfo=UTC)
    with pytest.raises(ValidationError) as error:
        Timing.timed(start, start - dt.timedelta(minutes=1), "UTC").check()
    assert "end" in error.value.message_dict
    with pytest.raises(ValidationError):
        Timing.dates(dt.date(2026, 3, 2), dt.date(2026, 3, 2)).check()
    with pytest.raises(ValidationError):
        Timing.timed(start.replace(tzinfo=None), start.replace(tzinfo=None), "UTC").check()


def test_times_beyond_the_years_handled_are_refused_and_centuries_long_series_expand() -> None:
    for start, end in (
        (dt.datetime(1, 1, 1, tzinfo=UTC), dt.datetime(2026, 1, 1, tzinfo=UTC)),
        (dt.datetime(2026, 1, 1, tzinfo=UTC), dt.datetime(9999, 12, 31, tzinfo=UTC)),
    ):
        with pytest.raises(ValidationError) as error:
            Timing.timed(start, end, "UTC").check()
        assert error.value.code == "out_of_range"
        with pytest.raises(ValidationError):
            Timing.dates(start.date(), end.date()).check()
    # The longest event allowed, repeated, seen from the first year allowed: the earliest start
    # that could overlap is before the year 1, and the expansion must not overflow looking for it.
    first = dt.datetime(recurrence.FIRST_YEAR, 1, 1, tzinfo=UTC)
    longest = Timing.timed(first, dt.datetime(recurrence.LAST_YEAR, 12, 31, tzinfo=UTC), "UTC")
    longest.check()
    window = Window(first, first + dt.timedelta(days=30))
    assert [o.start for o in recurrence.occurrences("FREQ=YEARLY", longest, window)] == [first]
    all_day = Timing.dates(first.date(), dt.date(recurrence.LAST_YEAR, 12, 31))
    all_day.check()
    assert [o.start_date for o in recurrence.occurrences("FREQ=YEARLY", all_day, window)] == [
        first.date()
    ]


# --- Expansion from the window's start: the same starts as from the series' own ---

rich_rules = st.fixed_dictionaries(
    {
        "freq": st.sampled_from(sorted(FREQS)),
        "interval": st.integers(1, 4),
        "days": st.lists(st.sampled_from(DAYS), max_size=3, unique=True),
        "nth": st.one_of(st.none(), st.sampled_from([1, 2, 3, -1, -2])),
        "setpos": st.one_of(st.none(), st.sampled_from([1, 2, -1])),
        "monthdays": st.lists(st.sampled_from([1, 15, 29, 30, 31, -1]), max_size=2, unique=True),
        "months": st.lists(st.integers(1, 12), max_size=2, unique=True),
        "wkst": st.sampled_from(["MO", "SU", "WE"]),
        "end": st.one_of(
            st.none(), st.integers(1, 300).map(lambda n: f"COUNT={n}"), st.just("UNTIL")
        ),
    }
)


def rich_rule_text(parts: dict[str, object]) -> str:
    text = f"FREQ={parts['freq']};INTERVAL={parts['interval']};WKST={parts['wkst']}"
    days = parts["days"]
    if days:
        nth = parts["nth"] if parts["freq"] in ("MONTHLY", "YEARLY") else None
        text += ";BYDAY=" + ",".join(f"{nth or ''}{d}" for d in days)  # type: ignore[attr-defined]
    if parts["monthdays"] and parts["freq"] != "WEEKLY":
        text += ";BYMONTHDAY=" + ",".join(str(d) for d in parts["monthdays"])  # type: ignore[attr-defined]
    if parts["months"] and parts["freq"] in ("MONTHLY", "YEARLY", "DAILY"):
        text += ";BYMONTH=" + ",".join(str(m) for m in parts["months"])  # type: ignore[attr-defined]
    if parts["setpos"] and days and parts["freq"] != "DAILY":
        text += f";BYSETPOS={parts['setpos']}"
    if parts["end"] == "UNTIL":
        text += ";UNTIL=20290615T120000Z"
    elif parts["end"]:
        text += f";{parts['end']}"
    return text


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    start=st.datetimes(min_value=dt.datetime(2012, 1, 1), max_value=dt.datetime(2027, 12, 31)),
    parts=rich_rules,
    window_offset=st.integers(0, 18 * 366),
    window_days=st.integers(1, 400),
    all_day=st.booleans(),
)
def test_expanding_from_the_window_gives_the_starts_the_series_gives_from_its_own(
    zone: str,
    start: dt.datetime,
    parts: dict[str, object],
    window_offset: int,
    window_days: int,
    all_day: bool,
) -> None:
    """Rules with BYSETPOS ("the last weekday"), ordinal weekdays ("the second Tuesday"), month
    days that some months lack, INTERVAL, WKST, COUNT and UNTIL; series started years before
    the window: the occurrences are those of the whole series walked from its start."""
    start = start.replace(second=0, microsecond=0)
    if all_day:
        timing = Timing.dates(start.date(), start.date() + dt.timedelta(days=1), zone)
    else:
        timing = timed(start, zone)
    try:
        stored = recurrence.normalize_rule(rich_rule_text(parts), timing)
    except ValidationError:
        return  # a rule that never happens (BYMONTHDAY=30 in February only) is refused
    window_start = dt.datetime(2012, 1, 1, tzinfo=UTC) + dt.timedelta(days=window_offset)
    window = Window(window_start, window_start + dt.timedelta(days=window_days), zone)
    everything = recurrence.series(stored, timing)  # the series walked from its own start
    expected = []
    for local in everything:
        occurrence = recurrence.shifted(timing, local)
        start_of = recurrence.span(occurrence)[0]
        if start_of >= window.end + dt.timedelta(days=2):
            break
        if window.overlaps(occurrence):
            expected.append(occurrence)
    assert (
        list(recurrence.occurrences(stored, timing, window))
        == expected[: recurrence.MAX_OCCURRENCES]
    )


@pytest.mark.parametrize(
    ("rule", "first"),
    [
        ("FREQ=WEEKLY", dt.datetime(2020, 1, 6, 9)),  # six years before the window
        ("FREQ=MONTHLY;BYDAY=2TU", dt.datetime(2019, 5, 14, 14)),  # the second Tuesday
        ("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", dt.datetime(2018, 1, 31, 17)),
        ("FREQ=MONTHLY;BYMONTHDAY=31", dt.datetime(2020, 1, 31, 8)),  # months with a 31st
        ("FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,SA;WKST=SU", dt.datetime(2021, 2, 6, 10)),
        ("FREQ=DAILY;COUNT=2500", dt.datetime(2020, 1, 1, 7)),  # ends in November 2026
        # The last Sunday of March at 02:30: the hour summer time skips in Paris.
        ("FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU", dt.datetime(2016, 3, 27, 2, 30)),
    ],
)
def test_old_series_expand_in_a_late_window_as_from_their_start(
    rule: str, first: dt.datetime
) -> None:
    timing = timed(first, "Europe/Paris")
    stored = recurrence.normalize_rule(rule, timing)
    window = Window(dt.datetime(2026, 2, 1, tzinfo=UTC), dt.datetime(2026, 12, 1, tzinfo=UTC))
    reference = rrule_of(stored, timing)
    paris = ZoneInfo("Europe/Paris")
    expected = [
        x.replace(tzinfo=paris, fold=0).astimezone(UTC)
        for x in reference.between(dt.datetime(2026, 1, 31), dt.datetime(2026, 12, 2), inc=True)
    ]
    expected = [x for x in expected if window.start <= x < window.end]
    assert expected  # each rule has occurrences in the window
    assert starts(stored, timing, window) == expected


def rrule_of(stored: str, timing: Timing) -> rrule:
    from dateutil.rrule import rrulestr

    found = rrulestr(stored, dtstart=timing.local_start())
    assert isinstance(found, rrule)
    return found
