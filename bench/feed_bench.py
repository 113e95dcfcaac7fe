#!/usr/bin/env python3
"""Home feed, space wall and post creation latency through the real server, at scale.

For each database (SQLite in a temporary var dir; PostgreSQL in a database `cercle_bench_feed` it
creates and drops) this script migrates, seeds people (`seed_demo --scale N`) and the wall
(`seed_feed`: spaces, posts, comments, reactions; the viewer `admin` is in 50 spaces and follows
200 people; the first space has `--big-space` members), starts `uvicorn cercle.asgi:application`
on 127.0.0.1 (one worker), gets an API token and times:

- `GET /api/v1/feed` (first page) and a deep page (the cursor after `--deep` pages);
- `GET /api/v1/spaces/<id>/posts` for spaces the viewer belongs to;
- `POST /api/v1/posts` in the big space (notification fan-out runs in the background: with the
  database task backend, a worker is not started here, so it is queued, not run);

sequentially (latency: median, p99) then with `--clients` concurrent clients (throughput).
Results go to bench/results/feed-<date>.json and a Markdown table is printed.

    .venv/bin/python bench/feed_bench.py --db sqlite --people 2000 --posts 20000 --requests 300
    .venv/bin/python bench/feed_bench.py      # the issue's sizes: takes a long while

Only 127.0.0.1 is ever targeted. Shares its process and timing helpers with the other
benchmarks (bench/common.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # bench/common.py: what the benchmarks share
    ROOT,
    Server,
    Timing,
    analyze,
    api_token,
    database_parser,
    databases,
    machine,
    manage,
    pg_admin,
    pg_database_name,
    pg_url_named,
    run_concurrent,
    run_sequential,
    save_report,
    server_env,
    shell_value,
    summarise,
)


def feed_paths(url: str, token: str, requests: int, deep: int) -> dict[str, list[str]]:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        cursor = None
        for _ in range(deep):
            page = client.get("/api/v1/feed", params={"cursor": cursor} if cursor else {}).json()
            cursor = page.get("next_cursor")
            if not cursor:
                break
        mine = client.get("/api/v1/spaces", params={"mine": "true"}).json()["items"]
    space_ids = [s["id"] for s in mine if not s["is_organisation"]][:50] or [mine[0]["id"]]
    deep_path = f"/api/v1/feed?cursor={cursor}" if cursor else "/api/v1/feed"
    return {
        "GET /api/v1/feed (first page)": ["/api/v1/feed"] * requests,
        f"GET /api/v1/feed (page {deep + 1})": [deep_path] * requests,
        "GET /api/v1/spaces/<id>/posts": [
            f"/api/v1/spaces/{space_ids[i % len(space_ids)]}/posts" for i in range(requests)
        ],
    }


def time_posts(url: str, token: str, space_id: int, requests: int, clients: int) -> list[Timing]:
    headers = {"Authorization": f"Bearer {token}"}
    timings = []
    for mode, workers in (("sequential", 1), (f"concurrent-{clients}", clients)):
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def worker(
            count: int,
            latencies: list[float] = latencies,
            errors: list[str] = errors,
            lock: threading.Lock = lock,
        ) -> None:
            with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
                for i in range(count):
                    t0 = time.perf_counter()
                    response = client.post(
                        "/api/v1/posts", json={"body": f"Mesure {i} #bench", "space_id": space_id}
                    )
                    elapsed = time.perf_counter() - t0
                    with lock:
                        latencies.append(elapsed)
                        if response.status_code != 201:
                            errors.append(f"{response.status_code} {response.text[:200]}")

        per = max(-(-requests // workers), 1)  # at least `requests` in all
        threads = [threading.Thread(target=worker, args=(per,)) for _ in range(workers)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        timings.append(
            summarise(
                "POST /api/v1/posts (space of the big size)",
                mode,
                latencies,
                time.perf_counter() - started,
                errors,
                [],
            )
        )
    return timings


FANOUT_CODE = """
import time, json
from django.db import transaction
from cercle.feed import actions
from cercle.accounts.models import User
from cercle.spaces.models import Membership, Space
from cercle.notifications.models import Notification, SpaceSetting
from cercle.feed.notifications import fan_out_space_post
space = Space.objects.get(slug="bench-space-00001")
author = User.objects.get(username={login!r})
# The worst case: every member asked for every post (the default is mentions only above 100).
member_ids = list(Membership.objects.filter(space=space).values_list("user_id", flat=True))
SpaceSetting.objects.filter(space=space).delete()
SpaceSetting.objects.bulk_create(
    [SpaceSetting(user_id=uid, space=space, level="all") for uid in member_ids], batch_size=2000
)
runs = []
for i in range({runs}):
    Notification.objects.filter(group_key=f"space_post:space:{{space.pk}}").delete()
    with transaction.atomic():
        post = actions.create_post(actor=author, space=space, body=f"Diffusion {{i}} #bench")
    started = time.perf_counter()
    cpu = time.process_time()
    sent = fan_out_space_post(post_id=post.pk)
    runs.append({{"seconds": round(time.perf_counter() - started, 3),
                 "cpu_seconds": round(time.process_time() - cpu, 3), "sent": sent}})
SpaceSetting.objects.filter(space=space).delete()
print("FANOUT=" + json.dumps({{"members": len(member_ids), "runs": runs}}))
"""


def pg_database_exists(admin_url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        row = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def seed(args: argparse.Namespace, env: dict[str, str]) -> None:
    manage(env, "seed_demo", "--scale", str(args.people))
    manage(
        env,
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
        str(min(args.big_space, args.people)),
        "--bench-user",
        args.viewer,
    )


def bench(args: argparse.Namespace, database: str) -> dict[str, Any]:
    if args.keep:
        # Seeded once, kept and reused: var/bench/feed-<database> (and `cercle_bench_feed`).
        workdir = ROOT / "var" / "bench" / f"feed-{database}"
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="cercle-feed-bench-"))
    env = server_env(
        workdir,
        CERCLE_TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        # The bench user logs in a few times from one address: no lockout.
        CERCLE_LOGIN_FAILED_LIMIT="1000/m/ip,1000/m/key",
    )
    if database == "postgresql":
        name = pg_database_name(args.pg_url) + "_feed"
        admin_url = args.pg_url.rsplit("/", 1)[0] + "/postgres"
        if not args.keep:
            pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}"')
        if not pg_database_exists(admin_url, name):
            pg_admin(admin_url, f'CREATE DATABASE "{name}"')
            (workdir / "seeded.json").unlink(missing_ok=True)
        env["DATABASE_URL"] = pg_url_named(args.pg_url, name)
    sizes = {
        "people": args.people,
        "spaces": args.spaces,
        "posts": args.posts,
        "big_space": args.big_space,
        "viewer": args.viewer,
    }
    marker = workdir / "seeded.json"
    result: dict[str, Any] = {"database": database, "timings": [], "sizes": sizes}
    try:
        manage(env, "migrate", "--noinput", quiet=True)
        if args.keep and marker.exists() and json.loads(marker.read_text()) == sizes:
            print(f"[{database}] reusing the data seeded in {workdir.relative_to(ROOT)}")
        else:
            print(f"[{database}] seed {args.people} people and the wall…")
            started = time.perf_counter()
            seed(args, env)
            analyze(env, database)
            result["seed_seconds"] = round(time.perf_counter() - started, 1)
            print(f"    seeded in {result['seed_seconds']} s")
            if args.keep:
                marker.write_text(json.dumps(sizes))
        if args.seed_only:
            return result
        server = Server(env, workdir)
        try:
            # An API token for the viewer (generated people have no known password).
            token = api_token(env, args.viewer, "feed bench")
            paths = feed_paths(server.url, token, args.requests, args.deep)
            for endpoint, endpoint_paths in paths.items():
                cpu = server.cpu_seconds()
                latencies, wall, errors, results = run_sequential(
                    server.url, token, endpoint_paths, warmup=20
                )
                timing = summarise(endpoint, "sequential", latencies, wall, errors, results)
                timing.load_average = os.getloadavg()[0]  # how busy the machine was
                # Server CPU per request: less noisy than wall time on a shared machine.
                timing.server_cpu_ms_per_request = round(
                    (server.cpu_seconds() - cpu) * 1000 / (len(latencies) + 20), 2
                )
                result["timings"].append(timing.__dict__)
                latencies, wall, errors, results = run_concurrent(
                    server.url, token, endpoint_paths, args.clients
                )
                result["timings"].append(
                    summarise(
                        endpoint, f"concurrent-{args.clients}", latencies, wall, errors, results
                    ).__dict__
                )
            big = httpx.get(
                f"{server.url}/api/v1/spaces/bench-space-00001",
                headers={"Authorization": f"Bearer {token}"},
            ).json()
            for timing in time_posts(server.url, token, big["id"], args.requests, args.clients):
                result["timings"].append(timing.__dict__)
        finally:
            server.stop()
            if any(t["errors"] for t in result["timings"]):
                kept = ROOT / "bench" / "results" / f"feed-{database}-{server.log_path.name}"
                kept.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(server.log_path, kept)
                result["server_log"] = str(kept.relative_to(ROOT))
                print(f"    errors: server log kept in {result['server_log']}")
        if args.fanout:
            code = FANOUT_CODE.format(login=args.viewer, runs=args.fanout)
            result["fanout"] = json.loads(shell_value(env, code, "FANOUT"))
    finally:
        if not args.keep:
            if database == "postgresql":
                pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            shutil.rmtree(workdir, ignore_errors=True)
    return result


def markdown(runs: list[dict[str, Any]]) -> str:
    lines = [
        "| database | endpoint | mode | requests | errors | median ms | p99 ms | req/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for t in run["timings"]:
            lines.append(
                f"| {run['database']} | {t['endpoint']} | {t['mode']} | {t['requests']} | "
                f"{t['errors']} | {t['median_ms']} | {t['p99_ms']} | {t['throughput_rps']} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = database_parser(__doc__)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--spaces", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--big-space", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--deep", type=int, default=10)
    parser.add_argument(
        "--viewer",
        default="scale-000001",
        help="Who reads the feed and posts: an ordinary employee (generated by seed_demo "
        "--scale), put in 50 spaces and following 200 people by seed_feed.",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="Seed once into var/bench/feed-<db> (and the database cercle_bench_feed), keep it, "
        "and reuse it on the next run with the same sizes.",
    )
    parser.add_argument("--seed-only", action="store_true", help="Seed (with --keep) and stop.")
    parser.add_argument(
        "--fanout",
        type=int,
        default=3,
        metavar="RUNS",
        help="Time the notification fan-out of a post in the big space RUNS times (0: skip).",
    )
    args = parser.parse_args(argv)
    runs = [bench(args, database) for database in databases(args)]
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "arguments": vars(args),
        "runs": runs,
    }
    out = save_report(f"feed-{datetime.now(UTC):%Y%m%d-%H%M%S}.json", report)
    print(markdown(runs))
    for run in runs:
        if "fanout" in run:
            fanout = run["fanout"]
            print(
                f"{run['database']}: fan-out of a post to {fanout['members']} members: "
                + ", ".join(
                    f"{r['seconds']} s ({r['cpu_seconds']} s CPU, {r['sent']} sent)"
                    for r in fanout["runs"]
                )
            )
    print(f"\nSaved {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
