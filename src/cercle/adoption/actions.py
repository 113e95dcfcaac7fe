"""Writes of the adoption figures: a person's active day, and the daily aggregation.

The aggregation recomputes one day from scratch (re-running it, for today or a past day, gives the
same figures) and keeps sums only: per group of at least `MIN_GROUP` people, the smaller groups
merged into "other". Groups are today's departments and sites of today's people: re-running a past
day counts people where they are now.
"""

from __future__ import annotations

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
)

# The smallest group shown on its own: below it, a group's figures would tell who did what.
MIN_GROUP = 5
_REMEMBERED = 60 * 60 * 26  # a little more than a day: one write per person, day and process


def record_active_day(user_id: int, day: date | None = None) -> None:
    """`user_id` came today: one row per person and day, written once per server process."""
    day = day or timezone.localdate()
    key = f"adoption:active:{user_id}:{day.isoformat()}"
    if cache.get(key):
        return
    ActiveDay.objects.bulk_create([ActiveDay(user_id=user_id, day=day)], ignore_conflicts=True)
    cache.set(key, True, _REMEMBERED)


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
        DailyFigure.objects.bulk_create(
            [
                DailyFigure(
                    day=day, metric=key, kind=group.split(":", 1)[0], group=group, value=value
                )
                for (key, group), value in figures.items()
            ],
            batch_size=1000,
        )
    return len(figures)
