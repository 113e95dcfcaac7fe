"""Writes of the adoption figures: a person's active day, and the daily aggregation.

The aggregation recomputes one day from scratch (re-running it, for today or a past day, gives the
same figures) and keeps sums only: per group of at least `MIN_GROUP` people, the smaller groups
merged into "other". Groups are today's departments and sites of today's people: re-running a past
day counts people where they are now.

What was published to people (`registry.ReachMetric`: announcements, newcomers) is stored on the
day each thing was published, and each aggregation computes the last `settles_in` days of it
again: people see an announcement, finish their checklist, days later.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from cercle.accounts.models import User
from cercle.adoption.models import ActiveDay, DailyFigure
from cercle.adoption.registry import (
    ACTIVE_DAY,
    ACTIVE_MONTH,
    ACTIVE_WEEK,
    HEADCOUNT,
    metrics,
    reach_metrics,
)

# The smallest group shown on its own: below it, a group's figures would tell who did what.
MIN_GROUP = 5
_REMEMBERED = 60 * 60 * 26  # a little more than a day: one write per person, day and process


# The people this process recorded, with the day: a person's next requests that day cost
# nothing, not even a look in the cache (an API client may send many a second).
_came: dict[int, date] = {}
_MAX_REMEMBERED = 100_000
_lock = threading.Lock()


def record_active_day(user_id: int, day: date | None = None) -> None:
    """`user_id` came today: one row per person and day, written once per server process (and
    once for all processes sharing the cache)."""
    day = day or timezone.localdate()
    if _came.get(user_id) == day:
        return
    key = f"adoption:active:{user_id}:{day.isoformat()}"
    if not cache.get(key):
        ActiveDay.objects.bulk_create([ActiveDay(user_id=user_id, day=day)], ignore_conflicts=True)
        cache.set(key, True, _REMEMBERED)
    with _lock:
        if len(_came) >= _MAX_REMEMBERED:
            _came.clear()
        _came[user_id] = day


def forget_came() -> None:
    """Tests: each person's day is looked up again (the cache, then the database)."""
    with _lock:
        _came.clear()


def _groups(people: dict[int, tuple[int | None, int | None]]) -> dict[int, list[str]]:
    """Each person's groups: the organisation (""), their department's and their site's, or the
    kind's "other" when it has fewer than MIN_GROUP people (or when they have none)."""
    departments: dict[int | None, int] = defaultdict(int)
    sites: dict[int | None, int] = defaultdict(int)
    for department_id, site_id in people.values():
        departments[department_id] += 1
        sites[site_id] += 1

    def group(kind: str, key: int | None, sizes: dict[int | None, int]) -> str:
        if key is None or sizes[key] < MIN_GROUP:
            return f"{kind}:other"
        return f"{kind}:{key}"

    return {
        user_id: ["", group("department", department, departments), group("site", site, sites)]
        for user_id, (department, site) in people.items()
    }


def aggregate_day(day: date) -> int:
    """Computes `day`'s figures again (idempotent); returns how many figures were written."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = start + timedelta(days=1)
    people: dict[int, tuple[int | None, int | None]] = {
        pk: (department_id, site_id)
        for pk, department_id, site_id in User.objects.filter(is_active=True).values_list(
            "pk", "profile__department_id", "profile__site_id"
        )
    }
    groups = _groups(people)
    figures: dict[tuple[str, str], int] = defaultdict(int)

    def add(metric: str, user_id: int, amount: int) -> None:
        for group in groups.get(user_id, ()):
            figures[(metric, group)] += amount

    for user_id in people:
        add(HEADCOUNT, user_id, 1)
    # What each module counts; who did something that day came that day.
    doers: set[int] = set()
    for metric in metrics():
        for row in metric.rows(start, end):
            if row.user_id not in people:
                continue
            doers.add(row.user_id)
            add(metric.key, row.user_id, row.count)
            if row.space_id is not None:
                figures[(metric.key, f"space:{row.space_id}")] += row.count
    # What was published to people (announcements…): stored on the day each was published, the
    # last `settles_in` days computed again (they are seen, confirmed, finished later).
    reach: dict[tuple[date, str, str], int] = defaultdict(int)
    reach_days: dict[str, date] = {}
    for reach_metric in reach_metrics():
        since = day - timedelta(days=reach_metric.settles_in)
        for key in reach_metric.figure_keys():
            reach_days[key] = since
        for reach_row in reach_metric.rows(datetime.combine(since, time.min, tzinfo=zone), end):
            if reach_row.user_id not in people or not since <= reach_row.day <= day:
                continue
            for name, amount in reach_row.counts.items():
                for group in groups[reach_row.user_id]:
                    reach[(reach_row.day, f"{reach_metric.key}.{name}", group)] += amount
    with transaction.atomic():
        ActiveDay.objects.bulk_create(
            [ActiveDay(user_id=user_id, day=day) for user_id in doers], ignore_conflicts=True
        )
        for key, days in ((ACTIVE_DAY, 1), (ACTIVE_WEEK, 7), (ACTIVE_MONTH, 30)):
            came = ActiveDay.objects.filter(
                day__gt=day - timedelta(days=days), day__lte=day
            ).values_list("user_id", flat=True)
            for user_id in came.distinct():
                if user_id in people:
                    add(key, user_id, 1)
        DailyFigure.objects.filter(day=day).delete()
        for key, since in reach_days.items():
            DailyFigure.objects.filter(metric=key, day__gte=since, day__lte=day).delete()
        DailyFigure.objects.bulk_create(
            [
                DailyFigure(
                    day=day, metric=key, kind=group.split(":", 1)[0], group=group, value=value
                )
                for (key, group), value in figures.items()
            ]
            + [
                DailyFigure(
                    day=on, metric=key, kind=group.split(":", 1)[0], group=group, value=value
                )
                for (on, key, group), value in reach.items()
            ],
            batch_size=1000,
        )
    return len(figures) + len(reach)
