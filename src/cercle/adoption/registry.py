"""What each module counts in the adoption figures (issue 16): posts, comments, reactions,
messages, page edits… A module registers an `ActivityMetric` from its `adoption.py`; the daily
aggregation (`actions.aggregate_day`) asks each for the day's rows and keeps only sums per group
(the whole organisation, departments, sites, spaces): no individual's activity is stored or shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.functional import Promise


@dataclass(frozen=True)
class ActivityRow:
    """`count` things done by `user_id` in the window, in `space_id` (None: outside any space)."""

    user_id: int
    space_id: int | None
    count: int


@dataclass(frozen=True)
class ActivityMetric:
    key: str  # stored with the figures: never rename one that has been aggregated
    label: Promise  # "Posts", "Messages"…
    # The rows of [start, end): one query, grouped by person and space.
    rows: Callable[[datetime, datetime], Iterable[ActivityRow]]
    order: int = 50


METRICS: dict[str, ActivityMetric] = {}


def register_metric(metric: ActivityMetric) -> None:
    if metric.key in RESERVED:
        raise ValueError(f"{metric.key!r} is one of the adoption figures' own keys")
    METRICS[metric.key] = metric


def metrics() -> list[ActivityMetric]:
    return sorted(METRICS.values(), key=lambda metric: (metric.order, metric.key))


@dataclass(frozen=True)
class ReachRow:
    """Of the things published on `day` that reached `user_id`, how many of each of the metric's
    figures: e.g. {"targeted": 2, "seen": 1}."""

    user_id: int
    day: date
    counts: Mapping[str, int]


@dataclass(frozen=True)
class Rate:
    """A share shown on the dashboard: `part` of `whole` (two of the metric's figures)."""

    label: Promise  # "Seen"
    part: str
    whole: str


@dataclass(frozen=True)
class ReachMetric:
    """Things published to people (announcements, newcomers' checklists) and how many of them
    each person took up: not activity (being targeted makes no one active), and a day's figures
    keep changing after it (an announcement is seen days after it is published). The figures are
    stored on the day each thing was published, as `<key>.<figure>`; each aggregation computes
    the last `settles_in` days again."""

    key: str  # never rename one that has been aggregated
    label: Promise  # "Announcements"
    figures: tuple[tuple[str, Promise], ...]  # (name, label): ("targeted", _("Targeted"))…
    rates: tuple[Rate, ...]
    # The rows of the things published in [start, end), each on its day (local time).
    rows: Callable[[datetime, datetime], Iterable[ReachRow]]
    settles_in: int = 30
    order: int = 50

    def figure_keys(self) -> list[str]:
        return [f"{self.key}.{name}" for name, _label in self.figures]


REACH: dict[str, ReachMetric] = {}


def register_reach(metric: ReachMetric) -> None:
    names = {name for name, _label in metric.figures}
    for rate in metric.rates:
        if rate.part not in names or rate.whole not in names:
            raise ValueError(f"{metric.key!r}: a rate's figures must be among its figures")
    REACH[metric.key] = metric


def reach_metrics() -> list[ReachMetric]:
    return sorted(REACH.values(), key=lambda metric: (metric.order, metric.key))


# The figures the aggregation computes itself.
ACTIVE_DAY, ACTIVE_WEEK, ACTIVE_MONTH, HEADCOUNT = "active_1d", "active_7d", "active_30d", "people"
RESERVED = frozenset({ACTIVE_DAY, ACTIVE_WEEK, ACTIVE_MONTH, HEADCOUNT})
