"""Reads of the adoption figures: the dashboard, from the daily figures only (a fixed number of
queries whatever the organisation's size), never from the raw tables."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cercle.accounts.models import Department, Site
from cercle.adoption.actions import MIN_GROUP
from cercle.adoption.models import DailyFigure
from cercle.adoption.registry import (
    ACTIVE_DAY,
    ACTIVE_MONTH,
    ACTIVE_WEEK,
    HEADCOUNT,
    metrics,
)
from cercle.spaces.models import Space

PERIODS = (30, 90, 365)


@dataclass(frozen=True)
class DayFigures:
    day: date
    people: int
    active_day: int
    active_week: int
    active_month: int
    counts: tuple[int, ...]  # in the order of `Dashboard.metric_labels`


@dataclass(frozen=True)
class GroupFigures:
    name: str
    people: int
    active_month: int
    counts: tuple[int, ...]  # over the period

    @property
    def active_share(self) -> int:
        return round(100 * self.active_month / self.people) if self.people else 0


@dataclass(frozen=True)
class SpaceTrend:
    name: str
    slug: str
    members: int
    recent: int  # things done in the last 30 days
    before: int  # in the 30 days before


@dataclass
class Dashboard:
    period: int
    first: date
    last: date | None  # the last day aggregated (None: nothing yet)
    metric_keys: list[str] = field(default_factory=list)
    metric_labels: list[str] = field(default_factory=list)
    days: list[DayFigures] = field(default_factory=list)
    totals: tuple[int, ...] = ()
    departments: list[GroupFigures] = field(default_factory=list)
    sites: list[GroupFigures] = field(default_factory=list)
    growing: list[SpaceTrend] = field(default_factory=list)
    silent: list[SpaceTrend] = field(default_factory=list)

    @property
    def today(self) -> DayFigures | None:
        return self.days[-1] if self.days else None


def _groups(
    rows: list[DailyFigure], kind: str, last: date, keys: list[str], names: dict[int, str]
) -> list[GroupFigures]:
    people: dict[str, int] = defaultdict(int)
    active: dict[str, int] = defaultdict(int)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        if not row.group.startswith(kind + ":"):
            continue
        if row.metric == HEADCOUNT and row.day == last:
            people[row.group] = row.value
        elif row.metric == ACTIVE_MONTH and row.day == last:
            active[row.group] = row.value
        elif row.metric in keys:
            counts[row.group][row.metric] += row.value
    shown = []
    for group, size in people.items():
        key = group.split(":", 1)[1]
        if size < MIN_GROUP:  # "other" itself under the minimum: only in the organisation's sums
            continue
        name = _("Other") if key == "other" else names.get(int(key), "?")
        shown.append(
            GroupFigures(
                name=name,
                people=size,
                active_month=active[group],
                counts=tuple(counts[group][metric] for metric in keys),
            )
        )
    other = [g for g in shown if g.name == _("Other")]
    return sorted((g for g in shown if g.name != _("Other")), key=lambda g: g.name) + other


def dashboard(period: int = 30) -> Dashboard:
    """The figures of the last `period` days that were aggregated."""
    period = period if period in PERIODS else PERIODS[0]
    last = DailyFigure.objects.filter(group="").aggregate(last=Max("day"))["last"]
    today = timezone.localdate()
    board = Dashboard(period=period, first=today - timedelta(days=period - 1), last=last)
    registered = metrics()
    board.metric_keys = [metric.key for metric in registered]
    board.metric_labels = [str(metric.label) for metric in registered]
    if last is None:
        return board
    board.first = last - timedelta(days=period - 1)
    # Spaces' trends read the last 60 days whatever the period.
    since = min(board.first, last - timedelta(days=59))
    rows = list(
        DailyFigure.objects.filter(day__gte=since, day__lte=last).only(
            "day", "metric", "group", "value"
        )
    )
    keys = board.metric_keys
    organisation: dict[date, dict[str, int]] = defaultdict(dict)
    in_period = [row for row in rows if row.day >= board.first]
    for row in in_period:
        if row.group == "":
            organisation[row.day][row.metric] = row.value
    for offset in range(period):
        day = board.first + timedelta(days=offset)
        values = organisation.get(day, {})
        board.days.append(
            DayFigures(
                day=day,
                people=values.get(HEADCOUNT, 0),
                active_day=values.get(ACTIVE_DAY, 0),
                active_week=values.get(ACTIVE_WEEK, 0),
                active_month=values.get(ACTIVE_MONTH, 0),
                counts=tuple(values.get(metric, 0) for metric in keys),
            )
        )
    board.totals = tuple(sum(d.counts[i] for d in board.days) for i in range(len(keys)))
    departments = dict(Department.objects.values_list("pk", "name"))
    sites = dict(Site.objects.values_list("pk", "name"))
    board.departments = _groups(in_period, "department", last, keys, departments)
    board.sites = _groups(in_period, "site", last, keys, sites)
    board.growing, board.silent = _space_trends(rows, last)
    return board


def _space_trends(rows: list[DailyFigure], last: date) -> tuple[list[SpaceTrend], list[SpaceTrend]]:
    recent: dict[int, int] = defaultdict(int)
    before: dict[int, int] = defaultdict(int)
    split = last - timedelta(days=29)
    for row in rows:
        if not row.group.startswith("space:"):
            continue
        space_id = int(row.group.split(":", 1)[1])
        if row.day >= split:
            recent[space_id] += row.value
        else:
            before[space_id] += row.value
    ids = set(recent) | set(before)
    spaces = (
        Space.objects.filter(pk__in=ids, archived_at__isnull=True)
        .annotate(members=Count("memberships", filter=Q(memberships__user__is_active=True)))
        .filter(members__gte=MIN_GROUP)
        .values_list("pk", "name", "slug", "members")
    )
    trends = [
        SpaceTrend(name=name, slug=slug, members=members, recent=recent[pk], before=before[pk])
        for pk, name, slug, members in spaces
    ]
    growing = sorted(
        (t for t in trends if t.recent > t.before), key=lambda t: (t.before - t.recent, t.name)
    )[:5]
    silent = sorted((t for t in trends if t.recent == 0 and t.before > 0), key=lambda t: t.name)
    return growing, silent[:10]


def csv_rows(board: Dashboard) -> list[list[str | int]]:
    """The organisation's daily figures, for the CSV export."""
    header: list[str | int] = [
        _("Day"),
        _("People"),
        _("Active that day"),
        _("Active in 7 days"),
        _("Active in 30 days"),
        *board.metric_labels,
    ]
    rows: list[list[str | int]] = [header]
    for day in board.days:
        rows.append(
            [
                day.day.isoformat(),
                day.people,
                day.active_day,
                day.active_week,
                day.active_month,
                *day.counts,
            ]
        )
    return rows
