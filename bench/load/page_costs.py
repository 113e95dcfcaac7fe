#!/usr/bin/env python3
"""What each action of the mixed load costs, in process, on the load test's own seeded database:
Python function calls, SQL queries and their time, and wall time per request — the first two do
not depend on how busy the machine is, so two commits can be compared on a shared machine.

    # the production configuration's database (seeded by ramp.py --config production):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cercle_bench_load \\
        .venv/bin/python bench/load/page_costs.py
    # the embedded one's:
    CERCLE_VAR_DIR=var/bench/load-embedded .venv/bin/python bench/load/page_costs.py
    # one action, with its costliest functions (cumulative, Cercle's code):
    ... page_costs.py --only "home feed" --top 30

Each action runs once for each of `--people` generated people (`scale-…`, signed in with a
session as a browser is; htmx's header on the writes), after two warm-up requests, through
Django's test client (no HTTP server, no socket: the server's own cost of a request). Writes
(react, comment, post) add rows to the seeded database, as the load test does. Prints a table,
and JSON with `--json`. To compare a commit, run it from that commit's checkout with
`PYTHONPATH=<checkout>/src` on the same database (when the schema is the same).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--people", type=int, default=15)
    parser.add_argument("--only", default="", help="One action (its name in the table).")
    parser.add_argument("--top", type=int, default=0, help="Print the N costliest functions.")
    parser.add_argument(
        "--sort", default="cumulative", help="pstats order of --top: cumulative or tottime."
    )
    parser.add_argument(
        "--where", default="cercle/", help='Functions --top lists, by path ("" for all).'
    )
    parser.add_argument(
        "--callees", default="", help="With --top: also what this function (a pattern) calls."
    )
    parser.add_argument(
        "--queries", action="store_true", help="Print each action's statements (its last request)."
    )
    parser.add_argument(
        "--warm",
        action="store_true",
        help="A warm-up request per person first (else each person's first request is timed, "
        "but for the first two).",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cercle.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cercle.accounts.models import User
    from cercle.chat.models import Membership as ChatMembership
    from cercle.feed.models import Post
    from cercle.notifications.queries import unread_count
    from cercle.spaces.models import Membership

    people = list(User.objects.filter(username__startswith="scale-").order_by("pk")[: args.people])
    if not people:
        parser.error("no generated people (scale-…): seed with bench/load/ramp.py first")
    sessions = []
    for person in people:
        client = Client(SERVER_NAME="localhost")
        client.force_login(person)
        membership = Membership.objects.filter(user=person).select_related("space").first()
        assert membership is not None, person
        space = membership.space
        sessions.append(
            {
                "client": client,
                "user": person,
                "space": space,
                "post": Post.objects.filter(space_id=space.pk).order_by("-id").first(),
                "conversation": ChatMembership.objects.filter(user=person)
                .values_list("conversation_id", flat=True)
                .first(),
            }
        )
    htmx = {"HX-Request": "true"}
    background = {"HX-Request": "true", "X-Cercle-Background": "1"}

    def page(path: Callable[[dict[str, Any]], str]) -> Callable[[dict[str, Any]], Any]:
        return lambda s: s["client"].get(path(s), follow=True)

    actions: dict[str, Callable[[dict[str, Any]], Any]] = {
        "home feed": page(lambda s: "/"),
        "space wall": page(lambda s: f"/spaces/{s['space'].slug}/"),
        "open a post": page(lambda s: f"/posts/{s['post'].pk}/"),
        "react": lambda s: s["client"].post(
            f"/posts/{s['post'].pk}/react/", {"kind": random.choice(["like", ""])}, headers=htmx
        ),
        "comment": lambda s: s["client"].post(
            f"/posts/{s['post'].pk}/comments/", {"body": "Bench comment"}, headers=htmx
        ),
        "post": lambda s: s["client"].post(
            "/posts/", {"body": "Bench post", "space": str(s["space"].pk)}, headers=htmx
        ),
        "directory search": page(lambda s: "/people/?q=mar"),
        "global search": page(lambda s: "/search/?q=budget"),
        "notifications": page(lambda s: "/notifications/"),
        # What browsers asked after every full page until issue 15's third round; now the
        # socket's `hello` brings the count (the next row: its part of the socket's opening).
        "bell": lambda s: s["client"].get("/notifications/bell/", headers=background),
        "bell in hello": lambda s: _Done(unread_count(s["user"])),
        "document library": page(lambda s: f"/spaces/{s['space'].slug}/documents/"),
        "intranet": page(lambda s: "/intranet/"),
        "agenda": page(lambda s: "/agenda/"),
        "read a conversation": page(lambda s: f"/messages/{s['conversation']}/"),
    }
    results: dict[str, dict[str, float]] = {}
    for name, act in actions.items():
        if args.only and name != args.only:
            continue
        # Two warm-up requests (the process's first of a kind), or one per person with `--warm`
        # (each person's own kept state made first, as in the load test's steady state).
        for session in sessions if args.warm else sessions[:2]:
            status = act(session).status_code
            assert status in (200, 201), (name, status)
        walls, queries, sql_ms, calls = [], [], [], []
        pg_cpu_ns = 0
        profile = cProfile.Profile() if args.top else None
        for session in sessions:
            counter = cProfile.Profile()
            pg_before = _database_cpu_ns(connection)
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                act(session)
                walls.append((time.perf_counter() - started) * 1000)
            pg_cpu_ns += _database_cpu_ns(connection) - pg_before
            # Read now: the next request empties the connection's query log (request_started).
            queries.append(len(captured))
            if args.queries and session is sessions[-1]:
                print(f"=== {name}: {len(captured)} statements", file=sys.stderr)
                for query in captured.captured_queries:
                    print(
                        f"{float(query['time']) * 1000:6.2f} ms  {query['sql'][:300]}",
                        file=sys.stderr,
                    )
            sql_ms.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
            # Calls counted in a second request of the same kind (cProfile slows what it counts).
            counter.enable()
            act(session)
            counter.disable()
            calls.append(pstats.Stats(counter).total_calls)  # type: ignore[attr-defined]
            if profile is not None:
                profile.enable()
                act(session)
                profile.disable()
        results[name] = {
            "wall_ms_median": round(statistics.median(walls), 1),
            "wall_ms_max": round(max(walls), 1),
            "sql_ms_median": round(statistics.median(sql_ms), 1),
            "queries_median": statistics.median(queries),
            "calls_median": statistics.median(calls),
            # PostgreSQL's CPU for these requests (its backends of this database, on this
            # machine), their mean: what the server's database costs beside the Python.
            "pg_cpu_ms_mean": round(pg_cpu_ns / len(sessions) / 1e6, 2),
        }
        if profile is not None:
            text = io.StringIO()
            stats = pstats.Stats(profile, stream=text).sort_stats(args.sort)
            stats.print_stats(args.where, args.top)
            if args.callees:
                stats.print_callees(args.callees)
            print(f"=== {name}\n{text.getvalue()}", file=sys.stderr)
    if args.json:
        print(json.dumps({"database": connection.vendor, "actions": results}, indent=1))
        return 0
    print(
        f"{'action':22} {'wall ms':>8} {'max':>8} {'SQL ms':>7} {'PG CPU':>7}"
        f" {'queries':>7} {'calls':>9}"
    )
    for name, row in results.items():
        print(
            f"{name:22} {row['wall_ms_median']:8.1f} {row['wall_ms_max']:8.1f}"
            f" {row['sql_ms_median']:7.1f} {row['pg_cpu_ms_mean']:7.2f}"
            f" {row['queries_median']:7.0f} {row['calls_median']:9.0f}"
        )
    return 0


def _database_cpu_ns(connection: Any) -> int:
    """The CPU time (ns, /proc's schedstat) of every PostgreSQL backend of this database on this
    machine (the pool keeps several); 0 on SQLite or where /proc does not tell."""
    if connection.vendor != "postgresql":
        return 0
    name = f" {connection.settings_dict['NAME']} ".encode()
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as f:
                title = f.read()
            if not title.startswith(b"postgres: ") or name not in title:
                continue
            with open(f"/proc/{entry.name}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return total


class _Done:
    """A step that is not an HTTP request (the socket's part), answered as one."""

    status_code = 200

    def __init__(self, _value: object) -> None:
        pass


if __name__ == "__main__":
    raise SystemExit(main())
