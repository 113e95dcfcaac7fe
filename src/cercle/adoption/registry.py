"""What each module counts in the adoption figures (issue 16): posts, comments, reactions,
messages, page edits… A module registers an `ActivityMetric` from its `adoption.py`; the daily
aggregation (`actions.aggregate_day`) asks each for the day's rows and keeps only sums per group
(the whole organisation, departments, sites, spaces): no individual's activity is stored or shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

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


# The figures the aggregation computes itself.
ACTIVE_DAY, ACTIVE_WEEK, ACTIVE_MONTH, HEADCOUNT = "active_1d", "active_7d", "active_30d", "people"
RESERVED = frozenset({ACTIVE_DAY, ACTIVE_WEEK, ACTIVE_MONTH, HEADCOUNT})
