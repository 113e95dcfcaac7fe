"""Reads of the adoption figures: the dashboard, from the daily figures only (a fixed number of
queries whatever the organisation's size), never from the raw tables.

The figures change only when an aggregation runs (every hour), so the dashboard is computed once
per aggregation, period and language and kept in the cache (`board_key`): the next reads cost one
query. Names of departments, sites and spaces may be up to `BOARD_TTL` old."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cercle.accounts.models import Department, Site
from cercle.adoption.actions import MIN_GROUP
from cercle.adoption.models import DailyFigure
from cercle.adoption.registry import (
    ACTIVE_DAY,
    ACTIVE_MONTH,
    ACTIVE_WEEK,
    HEADCOUNT,
    ReachMetric,
    metrics,
    reach_metrics,
)
from cercle.spaces.models import Space

PERIODS = (30, 90, 365)
BOARD_TTL = 10 * 60  # seconds: renamed departments, sites and spaces show within this time


def board_key(period: int, part: str = "figures") -> str:
    """The cache key of the dashboard (`part`: its figures, or a page's rendered HTML) as of the
    last aggregation: every run writes its day's figures anew, so the newest figure's id moves
    with each run, in whichever process it ran."""
    version = DailyFigure.objects.aggregate(newest=Max("id"))["newest"] or 0
    return f"adoption:{part}:{version}:{period}:{get_language()}:{timezone.localdate()}"


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
    reach: dict[str, int] = field(default_factory=dict)  # `ReachMetric` figures, over the period

    @property
    def active_share(self) -> int:
        return round(100 * self.active_month / self.people) if self.people else 0


@dataclass(frozen=True)
class RateCell:
    part: int
    whole: int

    @property
    def share(self) -> int | None:
        """The rate in percent; None when fewer than MIN_GROUP were concerned (it would tell
        what each did)."""
        if self.whole < MIN_GROUP:
            return None
        return round(100 * self.part / self.whole)


@dataclass(frozen=True)
class ReachGroup:
    name: str
    rates: tuple[RateCell, ...]  # in the order of `ReachTable.rate_labels`


@dataclass(frozen=True)
class ReachTable:
    """A `ReachMetric` over the period: its rates for the organisation, each department, each
    site (the groups of the dashboard, so under the same small-group rule)."""

    key: str
    label: str
    rate_labels: list[str]
    organisation: ReachGroup
    departments: list[ReachGroup]
    sites: list[ReachGroup]


def _reach_table(
    metric: ReachMetric,
    organisation: dict[str, int],
    departments: list[GroupFigures],
    sites: list[GroupFigures],
) -> ReachTable:
    def row(name: str, figures: dict[str, int]) -> ReachGroup:
        return ReachGroup(
            name=name,
            rates=tuple(
                RateCell(
                    part=figures.get(f"{metric.key}.{rate.part}", 0),
                    whole=figures.get(f"{metric.key}.{rate.whole}", 0),
                )
                for rate in metric.rates
            ),
        )

    return ReachTable(
        key=metric.key,
        label=str(metric.label),
        rate_labels=[str(rate.label) for rate in metric.rates],
        organisation=row(_("Whole organisation"), organisation),
        departments=[row(group.name, group.reach) for group in departments],
        sites=[row(group.name, group.reach) for group in sites],
    )


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
    reach: list[ReachTable] = field(default_factory=list)
    # The organisation's `ReachMetric` figures per day (`reach_keys`' order), for the CSV.
    reach_keys: list[str] = field(default_factory=list)
    reach_labels: list[str] = field(default_factory=list)
    reach_days: list[tuple[int, ...]] = field(default_factory=list)

    @property
    def today(self) -> DayFigures | None:
        return self.days[-1] if self.days else None


def _groups(
    kind: str, first: date, last: date, keys: list[str], reach_keys: list[str]
) -> list[GroupFigures]:
    """A kind's groups (departments or sites): their size and active people on the last day,
    what they did and what reached them over the period; two queries, sums made by the
    database."""
    model = Department if kind == "department" else Site
    names = dict(model.objects.values_list("pk", "name"))
    of_kind = DailyFigure.objects.filter(kind=kind)
    sizes: dict[str, dict[str, int]] = defaultdict(dict)
    for group, metric, value in of_kind.filter(
        day=last, metric__in=(HEADCOUNT, ACTIVE_MONTH)
    ).values_list("group", "metric", "value"):
        sizes[group][metric] = value
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for group, metric, total in (
        of_kind.filter(day__gte=first, day__lte=last, metric__in=keys + reach_keys)
        .values_list("group", "metric")
        .annotate(total=Sum("value"))
        .order_by()
    ):
        counts[group][metric] = total
    shown: list[GroupFigures] = []
    other: list[GroupFigures] = []
    for group, values in sizes.items():
        people = values.get(HEADCOUNT, 0)
        if people < MIN_GROUP:  # "other" itself under the minimum: only in the organisation's sums
            continue
        key = group.split(":", 1)[1]
        figures = GroupFigures(
            name=_("Other") if key == "other" else names.get(int(key), "?"),
            people=people,
            active_month=values.get(ACTIVE_MONTH, 0),
            counts=tuple(counts[group].get(metric, 0) for metric in keys),
            reach={metric: counts[group].get(metric, 0) for metric in reach_keys},
        )
        (other if key == "other" else shown).append(figures)
    return sorted(shown, key=lambda g: g.name) + other


def dashboard(period: int = 30) -> Dashboard:
    """The figures of the last `period` days that were aggregated (kept until the next
    aggregation: `board_key`)."""
    period = period if period in PERIODS else PERIODS[0]
    key = board_key(period)
    board: Dashboard | None = cache.get(key)
    if board is None:
        board = _dashboard(period)
        cache.set(key, board, BOARD_TTL)
    return board


def _dashboard(period: int) -> Dashboard:
    last = DailyFigure.objects.filter(kind="").aggregate(last=Max("day"))["last"]
    today = timezone.localdate()
    board = Dashboard(period=period, first=today - timedelta(days=period - 1), last=last)
    registered = metrics()
    board.metric_keys = [metric.key for metric in registered]
    board.metric_labels = [str(metric.label) for metric in registered]
    reached = reach_metrics()
    for reach_metric in reached:
        board.reach_keys += reach_metric.figure_keys()
        board.reach_labels += [
            _("%(label)s: %(name)s") % {"label": reach_metric.label, "name": label}
            for _name, label in reach_metric.figures
        ]
    if last is None:
        return board
    board.first = last - timedelta(days=period - 1)
    keys = board.metric_keys
    organisation: dict[date, dict[str, int]] = defaultdict(dict)
    for day, metric, value in DailyFigure.objects.filter(
        kind="", day__gte=board.first, day__lte=last
    ).values_list("day", "metric", "value"):
        organisation[day][metric] = value
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
        board.reach_days.append(tuple(values.get(metric, 0) for metric in board.reach_keys))
    board.totals = tuple(sum(d.counts[i] for d in board.days) for i in range(len(keys)))
    board.departments = _groups("department", board.first, last, keys, board.reach_keys)
    board.sites = _groups("site", board.first, last, keys, board.reach_keys)
    reach_totals = {
        metric: sum(day[index] for day in board.reach_days)
        for index, metric in enumerate(board.reach_keys)
    }
    board.reach = [
        _reach_table(reach_metric, reach_totals, board.departments, board.sites)
        for reach_metric in reached
    ]
    board.growing, board.silent = _space_trends(last)
    return board


def _space_trends(last: date) -> tuple[list[SpaceTrend], list[SpaceTrend]]:
    """Spaces whose activity grew over the last 30 days against the 30 before, and those that
    had some before and none since: one query for the sums, one for the spaces."""
    split = last - timedelta(days=29)
    totals = (
        DailyFigure.objects.filter(kind="space", day__gt=last - timedelta(days=60), day__lte=last)
        .values_list("group")
        .annotate(
            recent=Sum("value", filter=Q(day__gte=split)),
            before=Sum("value", filter=Q(day__lt=split)),
        )
        .order_by()
    )
    recent: dict[int, int] = {}
    before: dict[int, int] = {}
    for group, recent_total, before_total in totals:
        space_id = int(group.split(":", 1)[1])
        recent[space_id], before[space_id] = recent_total or 0, before_total or 0
    spaces = (
        Space.objects.filter(pk__in=list(recent), archived_at__isnull=True)
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
        *board.reach_labels,
    ]
    rows: list[list[str | int]] = [header]
    for day, reach in zip(board.days, board.reach_days, strict=True):
        rows.append(
            [
                day.day.isoformat(),
                day.people,
                day.active_day,
                day.active_week,
                day.active_month,
                *day.counts,
                *reach,
            ]
        )
    return rows
