#!/usr/bin/env python3
"""The adoption figures at the issue's scale: 100,000 people and a year of activity (10 million
events), the daily aggregation of a busy day, the year's backfill, and the dashboard.

In a temporary var dir (SQLite; or a fresh PostgreSQL database with `--postgres URL`), this
script migrates, seeds `--people` people (`seed_demo --scale`) spread over 50 departments and 20
sites, `--spaces` spaces with their members and channels, and `--events` things people did over
the last year, written in bulk (executemany on SQLite, COPY on PostgreSQL): posts, comments,
reactions, chat messages, page reads and news reads, of which `--busy` fall on yesterday; and the
days each person came (`ActiveDay`: a quarter of the people on a working day, a few at weekends).
Then it times:

- `aggregate_day` of the busy day, three times (the issue's target: a day of 200,000 events under
  30 s);
- the aggregation of every day of the year (what `aggregate_adoption --days 365` does once, when an
  installation starts counting);
- `GET /manage/adoption/?period=30|90|365` and its CSV export through Django's test client, in
  process, as an administrator: median and p99 over `--requests` requests each, the first (cold)
  request of each period apart (target: p99 under 100 ms).

    .venv/bin/python bench/adoption_bench.py                       # the issue's scale, SQLite
    .venv/bin/python bench/adoption_bench.py --postgres postgres://postgres@127.0.0.1:5432/cercle_bench_adoption
    .venv/bin/python bench/adoption_bench.py --people 2000 --events 200000 --busy 20000  # quick

Results go to bench/results/adoption-<date>.json. Nothing is served on the network.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, median_p99, recreate_pg_database, save_report, setup_django, time_ok

# How `--events` is shared between the kinds of activity (the rest of a share goes to the busy day
# in the same proportions).
MIX = {
    "posts": 0.10,
    "comments": 0.20,
    "reactions": 0.40,
    "messages": 0.25,
    "page reads": 0.03,
    "news reads": 0.02,
}
PAGES = 500
ARTICLES = 400
DIRECT_CONVERSATIONS = 20_000
BATCH = 50_000


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def chunks(rows: Iterable[Sequence[Any]], size: int = BATCH) -> Iterator[list[Sequence[Any]]]:
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def bulk_insert(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Writes `rows` into `table` as fast as the database takes them: COPY on PostgreSQL,
    executemany in one transaction per batch on SQLite."""
    from django.db import connection, transaction

    written = 0
    names = ", ".join(columns)
    for batch in chunks(rows):
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)  # noqa: S608 (our names)
        written += len(batch)
    return written


def moments(count: int, first: datetime, days: int, rng: random.Random) -> Iterator[datetime]:
    """`count` times spread over `days` days from `first`, in working hours, in order."""
    seconds = days * 86400
    for n in range(count):
        day = (n * seconds // max(count, 1)) // 86400
        yield first + timedelta(days=day, seconds=8 * 3600 + rng.randrange(10 * 3600))


def seed(args: argparse.Namespace, busy_day: date) -> dict[str, int]:
    """Everything the aggregation reads, written in bulk; returns the rows written per kind."""
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from cercle.accounts.models import Department, Site, User
    from cercle.chat.models import Conversation
    from cercle.news.models import Article
    from cercle.pages.models import Page
    from cercle.spaces.models import Space

    rng = random.Random(16)
    zone = timezone.get_current_timezone()
    if User.objects.filter(username__startswith="scale-").count() < args.people:
        call_command("seed_demo", "--scale", str(args.people), "--no-demo", verbosity=0)
    people = list(User.objects.filter(is_active=True).values_list("pk", flat=True))
    departments = Department.objects.bulk_create(
        [Department(name=f"Service {n}", slug=f"service-bench-{n}") for n in range(50)]
    )
    sites = Site.objects.bulk_create(
        [Site(name=f"Site {n}", slug=f"site-bench-{n}") for n in range(20)]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_profile "
            "SET department_id = %s + (user_id %% 50), site_id = %s + (user_id %% 20)",
            [departments[0].pk, sites[0].pk],
        )
    now = timezone.now()
    spaces = Space.objects.bulk_create(
        [
            Space(name=f"Bench space {n}", slug=f"bench-space-{n}", kind="open")
            for n in range(args.spaces)
        ]
    )
    space_ids = [space.pk for space in spaces]
    written: dict[str, int] = {}
    # Each space has 20 to 300 members (its trend is shown from 5).
    members = (
        ("member", now, person, space_id, False)
        for space_id in space_ids
        for person in rng.sample(people, rng.randint(20, 300))
    )
    written["space members"] = bulk_insert(
        "spaces_membership", ("role", "created_at", "user_id", "space_id", "favourite"), members
    )
    channels = Conversation.objects.bulk_create(
        [
            Conversation(kind=Conversation.Kind.SPACE, name=f"Bench space {n}", space_id=space_id)
            for n, space_id in enumerate(space_ids)
        ]
    )
    directs = Conversation.objects.bulk_create(
        [
            Conversation(kind=Conversation.Kind.DIRECT, direct_key=f"bench-{n}")
            for n in range(DIRECT_CONVERSATIONS)
        ],
        batch_size=5000,
    )
    conversation_ids = [c.pk for c in channels] + [c.pk for c in directs]
    author = people[0]
    pages = Page.objects.bulk_create(
        [
            Page(
                title=f"Page {n}",
                slug=f"page-{n}",
                title_key=f"page {n}",
                body="",
                space_id=space_ids[n % len(space_ids)],
                owner_id=author,
            )
            for n in range(PAGES)
        ]
    )
    articles = Article.objects.bulk_create(
        [
            Article(
                title=f"News {n}",
                summary="",
                body="",
                body_html="",
                author_id=author,
                for_everyone=True,
                published_at=now - timedelta(days=365 - n * 365 // ARTICLES),
            )
            for n in range(ARTICLES)
        ]
    )

    first = datetime.combine(busy_day - timedelta(days=365), datetime.min.time(), tzinfo=zone)
    busy = datetime.combine(busy_day, datetime.min.time(), tzinfo=zone)
    share = args.busy / args.events

    def split(kind: str) -> tuple[int, int]:
        total = int(args.events * MIX[kind])
        on_busy_day = int(total * share)
        return total - on_busy_day, on_busy_day

    def when(kind: str) -> Iterator[datetime]:
        year, busy_count = split(kind)
        yield from moments(year, first, 365, rng)
        yield from moments(busy_count, busy, 1, rng)

    if connection.vendor == "sqlite":
        written.update(
            _activity_in_sqlite(
                split,
                first,
                busy,
                people,
                space_ids,
                conversation_ids,
                [page.pk for page in pages],
                [article.pk for article in articles],
                busy_day,
            )
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return written
    posts_count = sum(split("posts"))
    written["posts"] = bulk_insert(
        "feed_post",
        (
            "body",
            "body_html",
            "created_at",
            "comment_count",
            "share_count",
            "reaction_counts",
            "author_id",
            "space_id",
            "activity_kind",
            "activity_count",
            "activity_items",
        ),
        (
            (
                "…",
                "<p>…</p>",
                at,
                0,
                0,
                "{}",
                rng.choice(people),
                rng.choice(space_ids),
                "",
                0,
                "[]",
            )
            for at in when("posts")
        ),
    )
    low_post = connection.cursor()
    low_post.execute("SELECT MIN(id) FROM feed_post")
    first_post = low_post.fetchone()[0]
    written["comments"] = bulk_insert(
        "feed_comment",
        ("body", "body_html", "created_at", "reaction_counts", "author_id", "post_id"),
        (
            ("…", "<p>…</p>", at, "{}", rng.choice(people), first_post + rng.randrange(posts_count))
            for at in when("comments")
        ),
    )
    # One reaction per person and post: the n-th reaction goes to post n // 4, from four people
    # whose numbers differ for each post.
    step = max(1, len(people) // 5)
    written["reactions"] = bulk_insert(
        "feed_reaction",
        ("kind", "created_at", "post_id", "user_id"),
        (
            (
                "like",
                at,
                first_post + (n // 4) % posts_count,
                people[(n // 4 * 7919 + (n % 4) * step) % len(people)],
            )
            for n, at in enumerate(when("reactions"))
        ),
    )
    written["messages"] = bulk_insert(
        "chat_message",
        (
            "client_id",
            "body",
            "body_html",
            "body_normalized",
            "created_at",
            "conversation_id",
            "sender_id",
        ),
        (
            (f"b{n}", "…", "<p>…</p>", "…", at, rng.choice(conversation_ids), rng.choice(people))
            for n, at in enumerate(when("messages"))
        ),
    )
    page_ids = [page.pk for page in pages]
    written["page reads"] = bulk_insert(
        "pages_pageread",
        ("day", "page_id", "user_id"),
        # (page, person, day) is unique: the n-th read is person n's, of page n % PAGES.
        (
            (timezone.localtime(at).date(), page_ids[n % PAGES], people[n % len(people)])
            for n, at in enumerate(when("page reads"))
        ),
    )
    article_ids = [article.pk for article in articles]
    written["news reads"] = bulk_insert(
        "news_articleread",
        ("read_at", "article_id", "user_id"),
        (
            (at, article_ids[n % ARTICLES], people[(n // ARTICLES) % len(people)])
            for n, at in enumerate(when("news reads"))
        ),
    )

    def came() -> Iterator[tuple[date, int]]:
        for offset in range(366):
            day = busy_day - timedelta(days=365 - offset)
            share_of_people = 0.25 if day.weekday() < 5 else 0.03
            for person in rng.sample(people, int(len(people) * share_of_people)):
                yield day, person

    written["active days"] = bulk_insert("adoption_activeday", ("day", "user_id"), came())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return written


def _activity_in_sqlite(
    split: Any,
    first: datetime,
    busy: datetime,
    people: list[int],
    space_ids: list[int],
    conversation_ids: list[int],
    page_ids: list[int],
    article_ids: list[int],
    busy_day: date,
) -> dict[str, int]:
    """The same activity as `seed`'s generators, made by SQLite itself (`INSERT … SELECT` over a
    counter, people and spaces picked by multiplicative hashing): minutes of Python become
    seconds of C. Times are stored as Django stores them (UTC, "YYYY-MM-DD HH:MM:SS")."""
    from django.db import connection, transaction

    written: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size = -400000")
        for name, ids in (
            ("bench_people", people),
            ("bench_spaces", space_ids),
            ("bench_conversations", conversation_ids),
            ("bench_pages", page_ids),
            ("bench_articles", article_ids),
        ):
            cursor.execute(f"CREATE TEMP TABLE {name} (idx INTEGER PRIMARY KEY, id INTEGER)")
            cursor.executemany(
                f"INSERT INTO {name} (idx, id) VALUES (%s, %s)",  # noqa: S608 (our names)
                list(enumerate(ids)),
            )
        np_, ns, nc = len(people), len(space_ids), len(conversation_ids)

        def insert(kind: str, table: str, columns: str, select: str, joins: str) -> None:
            year, on_busy_day = split(kind)
            # `{busy}` in `select` and `joins`: 0 for the year's rows, 1 for the busy day's.
            for part, (count, start, days) in enumerate(
                ((year, first, 365), (on_busy_day, busy, 1))
            ):
                if not count:
                    continue
                moment = (
                    f"datetime('{start.astimezone(UTC):%Y-%m-%d %H:%M:%S}', "
                    f"'+' || (seq.n * {days} / {count}) || ' days', "
                    f"'+' || (28800 + (seq.n * 7907) % 36000) || ' seconds')"
                )
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) "  # noqa: S608 (our names and numbers)
                    f"WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq "
                    f"WHERE n < {count - 1}) "
                    f"SELECT {select.replace('{moment}', moment).replace('{busy}', str(part))} "
                    f"FROM seq {joins.replace('{busy}', str(part))}"
                )
                written[kind] = written.get(kind, 0) + cursor.rowcount

        insert(
            "posts",
            "feed_post",
            "body, body_html, created_at, comment_count, share_count, reaction_counts, "
            "author_id, space_id, activity_kind, activity_count, activity_items",
            "'…', '<p>…</p>', {moment}, 0, 0, '{}', p.id, s.id, '', 0, '[]'",
            f"JOIN bench_people p ON p.idx = (seq.n * 7919) % {np_} "
            f"JOIN bench_spaces s ON s.idx = (seq.n * 104729) % {ns}",
        )
        cursor.execute("SELECT MIN(id), COUNT(*) FROM feed_post WHERE body = '…'")
        first_post, posts = cursor.fetchone()
        insert(
            "comments",
            "feed_comment",
            "body, body_html, created_at, reaction_counts, author_id, post_id",
            f"'…', '<p>…</p>', {{moment}}, '{{}}', p.id, {first_post} + (seq.n * 104729) % {posts}",
            f"JOIN bench_people p ON p.idx = (seq.n * 7919 + 17) % {np_}",
        )
        # One reaction per person and post: the n-th goes to post n / 4, from four people apart.
        step = max(1, np_ // 5)
        insert(
            "reactions",
            "feed_reaction",
            "kind, created_at, post_id, user_id",
            f"'like', {{moment}}, {first_post} + (seq.n / 4) % {posts}, p.id",
            f"JOIN bench_people p ON p.idx = ((seq.n / 4) * 7919 + (seq.n % 4) * {step} "
            f"+ {{busy}}) % {np_}",
        )
        insert(
            "messages",
            "chat_message",
            "client_id, body, body_html, body_normalized, created_at, conversation_id, sender_id",
            "'b{busy}-' || seq.n, '…', '<p>…</p>', '…', {moment}, c.id, p.id",
            f"JOIN bench_conversations c ON c.idx = (seq.n * 7919) % {nc} "
            f"JOIN bench_people p ON p.idx = (seq.n * 104723) % {np_}",
        )
        insert(
            "page reads",
            "pages_pageread",
            "day, page_id, user_id",
            "date({moment}), g.id, p.id",
            f"JOIN bench_pages g ON g.idx = seq.n % {len(page_ids)} "
            f"JOIN bench_people p ON p.idx = seq.n % {np_}",
        )
        insert(
            "news reads",
            "news_articleread",
            "read_at, article_id, user_id",
            "{moment}, a.id, p.id",
            f"JOIN bench_articles a ON a.idx = seq.n % {len(article_ids)} "
            f"JOIN bench_people p ON p.idx = (seq.n / {len(article_ids)} "
            f"+ {{busy}} * {np_ // 2}) % {np_}",
        )
        # The days people came: a quarter of everyone on a working day, 3 % at weekends, a
        # different quarter each day.
        cursor.execute(
            "INSERT INTO adoption_activeday (day, user_id) "  # noqa: S608 (our numbers)
            "WITH RECURSIVE d(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM d WHERE n < 365) "
            f"SELECT date('{busy_day - timedelta(days=365)}', '+' || d.n || ' days'), p.id "
            "FROM d JOIN bench_people p ON (p.idx * 7 + d.n * 13) % 100 < CASE "
            f"WHEN strftime('%w', date('{busy_day - timedelta(days=365)}', '+' || d.n || "
            "' days')) IN ('0', '6') THEN 3 ELSE 25 END"
        )
        written["active days"] = cursor.rowcount
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--spaces", type=int, default=1_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--busy", type=int, default=200_000, help="of the events, on yesterday")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backfill-days", type=int, default=365)
    parser.add_argument("--postgres", help="a PostgreSQL URL whose database is (re)created")
    parser.add_argument(
        "--skip-seed",
        action="store_true",
        help="with --var-dir: the activity is there already (a run stopped after its seeding)",
    )
    parser.add_argument(
        "--var-dir",
        help="an existing var dir (SQLite) whose generated people are reused (seeding 100,000 "
        "people takes minutes); the activity is added to it",
    )
    args = parser.parse_args(argv)
    if not 0 < args.busy <= args.events:
        parser.error("--busy must be between 1 and --events")

    if args.postgres:
        recreate_pg_database(args.postgres)
    var_dir = args.var_dir or tempfile.mkdtemp(prefix="cercle-adoption-bench-")
    setup_django(var_dir, args.postgres or "")
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from cercle.accounts.models import Profile, Role, User
    from cercle.adoption.actions import aggregate_day
    from cercle.adoption.models import DailyFigure

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    busy_day = timezone.localdate() - timedelta(days=1)
    written = {"seeded by an earlier run": 0} if args.skip_seed else seed(args, busy_day)
    seeded = round(time.perf_counter() - started, 1)
    events = sum(n for kind, n in written.items() if kind not in ("space members", "active days"))
    print(f"seeded in {seeded} s: {written} ({events} events) on {connection.vendor}", flush=True)

    runs, run_cpu = [], []
    for _ in range(3):
        t, c = time.perf_counter(), cpu_seconds()
        aggregate_day(busy_day)
        runs.append(time.perf_counter() - t)
        run_cpu.append(cpu_seconds() - c)
    print(
        f"aggregate_day of the busy day: {[round(r, 2) for r in runs]} s "
        f"(CPU of this process {[round(c, 2) for c in run_cpu]} s)"
    )
    admin = User.objects.filter(role=Role.ADMIN).first() or User.objects.create_user(
        username="bench-admin", password="x", role=Role.ADMIN
    )
    Profile.objects.get_or_create(user=admin)
    client = Client(SERVER_NAME="localhost")
    client.force_login(admin)

    def read_dashboard(days_aggregated: int) -> dict[str, dict[str, float]]:
        pages: dict[str, dict[str, float]] = {}
        for period in (30, 90, 365):
            for page in ("", "figures.csv"):
                url = f"/manage/adoption/{page}?period={period}"
                cold = time_ok(partial(client.get, url), 1, url)[0]
                pages[url] = {
                    "first_ms": round(cold, 1),
                    **median_p99(time_ok(partial(client.get, url), args.requests, url)),
                }
                print(f"{days_aggregated} days aggregated: GET {url}: {pages[url]}", flush=True)
        return pages

    dashboards = {}
    backfill = 0.0
    done = 1
    for until in sorted({min(30, args.backfill_days), args.backfill_days}):
        t = time.perf_counter()
        for offset in range(done, until):
            aggregate_day(busy_day - timedelta(days=offset))
        backfill += time.perf_counter() - t
        done = until
        print(f"{until} days aggregated in {backfill:.1f} s", flush=True)
        dashboards[until] = read_dashboard(until)
    figures = DailyFigure.objects.count()
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "people": args.people,
        "written": written,
        "events": events,
        "seeded_s": seeded,
        "aggregate_busy_day_s": [round(r, 2) for r in runs],
        "aggregate_busy_day_cpu_s": [round(c, 2) for c in run_cpu],
        "backfill_days": args.backfill_days,
        "backfill_s": round(backfill, 1),
        "figures": figures,
        "dashboard": dashboards,
        "load_average": os.getloadavg(),
    }
    out = save_report(f"adoption-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json", result, indent=1)
    print(f"(written to {out.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
