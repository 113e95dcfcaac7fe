"""The demo organisation's clock: what `seed_demo` writes through the actions looks written then.

`seed_demo` fills a month of an organisation's life (posts, comments, reactions, messages) through
the same actions people use, so that audit entries, notifications and counters are what real use
leaves. Those actions stamp rows with `django.utils.timezone.now()` (and `auto_now_add` fields call
it too); `backdated(when)` makes it answer `when` for the time of one step, so a post written
"three weeks ago" has that date on the post, its notifications and its audit entry alike. Only
the seeding commands use it (one thread, no request being served).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone


@contextmanager
def backdated(when: datetime.datetime) -> Iterator[None]:
    """Within the block, `timezone.now()` returns `when` (an aware datetime)."""
    if timezone.is_naive(when):
        raise ValueError("backdated() needs an aware datetime")
    original = timezone.now
    timezone.now = lambda: when
    try:
        yield
    finally:
        timezone.now = original


DEMO_TIME_ZONE = zoneinfo.ZoneInfo("Europe/Paris")


def demo_time(now: datetime.datetime, days_ago: int, hour: int, minute: int) -> datetime.datetime:
    """`days_ago` days before `now`, at hour:minute in Paris, moved back to the Friday before
    when that is a weekend, and always before `now` (the demo's working days)."""
    local = now.astimezone(DEMO_TIME_ZONE)
    day = (local - datetime.timedelta(days=days_ago)).date()
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    when = datetime.datetime(
        day.year, day.month, day.day, hour, minute, tzinfo=DEMO_TIME_ZONE
    ).astimezone(datetime.UTC)
    return min(when, now - datetime.timedelta(minutes=1 + days_ago))
