#!/usr/bin/env python3
"""The adoption figures at scale: the daily aggregation of a busy day, a year's backfill, and the
dashboard read from the figures.

In a temporary var dir (SQLite), this script migrates, seeds `--people` people (`seed_demo
--scale`) spread over 50 departments and 20 sites, and a year of activity (`seed_feed`: spaces,
posts, comments, reactions spread over 365 days), then moves `--busy` reactions and comments
onto one day and times:

- `aggregate_day` of that busy day (the issue's target: a day of 200,000 events under 30 s);
- the aggregation of every day of the year (what `aggregate_adoption --days 365` does once);
- `GET /manage/adoption/?period=30|90|365` through Django's test client, in process, as an
  administrator: median and p99 over `--requests` requests each (target: p99 under 100 ms).

    .venv/bin/python bench/adoption_bench.py --people 20000 --posts 200000 --busy 200000

Results go to bench/results/adoption-<date>.json. Nothing is served on the network.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--spaces", type=int, default=500)
    parser.add_argument("--posts", type=int, default=200000)
    parser.add_argument("--busy", type=int, default=200000, help="events moved onto one day")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="cercle-adoption-bench-"))
    os.environ["CERCLE_VAR_DIR"] = str(workdir)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cercle.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from cercle.accounts.models import Department, Profile, Role, Site, User
    from cercle.adoption.actions import aggregate_day
    from cercle.adoption.models import DailyFigure
    from cercle.feed.models import Comment, Reaction

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--scale", str(args.people), verbosity=0)
    call_command(
        "seed_feed",
        "--spaces",
        str(args.spaces),
        "--posts",
        str(args.posts),
        "--comments",
        str(args.posts * 2),
        "--reactions",
        str(args.posts * 5),
        "--big-space",
        str(min(2000, args.people)),
        verbosity=0,
    )
    departments = [
        Department.objects.create(name=f"Service {n}", slug=f"service-{n}") for n in range(50)
    ]
    sites = [Site.objects.create(name=f"Site {n}", slug=f"site-b-{n}") for n in range(20)]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_profile "
            "SET department_id = %s + (user_id % 50), site_id = %s + (user_id % 20)",
            [departments[0].pk, sites[0].pk],
        )
    busy_day = timezone.localdate() - timedelta(days=1)
    busy_start = datetime.combine(
        busy_day, datetime.min.time(), tzinfo=timezone.get_current_timezone()
    )
    half = args.busy // 2
    with connection.cursor() as cursor:
        for table, count in (("feed_reaction", half), ("feed_comment", args.busy - half)):
            cursor.execute(
                f"UPDATE {table} SET created_at = %s WHERE id IN "  # noqa: S608 (our table names)
                f"(SELECT id FROM {table} ORDER BY id LIMIT %s)",
                [busy_start + timedelta(hours=10), count],
            )
    seeded = round(time.perf_counter() - started, 1)
    events_that_day = (
        Reaction.objects.filter(created_at__date=busy_day).count()
        + Comment.objects.filter(created_at__date=busy_day).count()
    )
    print(f"seeded in {seeded} s; {events_that_day} events on {busy_day}")

    runs = []
    for _ in range(3):
        t = time.perf_counter()
        aggregate_day(busy_day)
        runs.append(time.perf_counter() - t)
    print(f"aggregate_day of the busy day: {[round(r, 2) for r in runs]} s")
    t = time.perf_counter()
    today = timezone.localdate()
    for offset in range(365):
        aggregate_day(today - timedelta(days=offset))
    backfill = time.perf_counter() - t
    figures = DailyFigure.objects.count()
    print(f"a year's backfill: {backfill:.1f} s, {figures} figures")

    admin = User.objects.filter(role=Role.ADMIN).first() or User.objects.create_user(
        username="bench-admin", password="x", role=Role.ADMIN
    )
    Profile.objects.get_or_create(user=admin)
    client = Client(SERVER_NAME="localhost")
    client.force_login(admin)
    pages = {}
    for period in (30, 90, 365):
        url = f"/manage/adoption/?period={period}"
        for _ in range(5):
            assert client.get(url).status_code == 200
        latencies = []
        for _ in range(args.requests):
            t = time.perf_counter()
            response = client.get(url)
            latencies.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
        pages[period] = {
            "median_ms": round(statistics.median(latencies), 2),
            "p99_ms": round(percentile(latencies, 0.99), 2),
        }
        print(f"GET /manage/adoption/?period={period}: {pages[period]}")
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "people": args.people,
        "posts": args.posts,
        "events_on_busy_day": events_that_day,
        "aggregate_busy_day_s": [round(r, 2) for r in runs],
        "backfill_365_days_s": round(backfill, 1),
        "figures": figures,
        "dashboard": pages,
        "load_average": os.getloadavg(),
    }
    out = ROOT / "bench" / "results" / f"adoption-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(f"(written to {out.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
