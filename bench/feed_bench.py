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

Only 127.0.0.1 is ever targeted. Shares its process and timing helpers with bench/run.py.
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

from run import (  # bench/run.py: shared helpers
    DEFAULT_PG_URL,
    ROOT,
    Server,
    Timing,
    get_token,
    machine,
    manage,
    pg_admin,
    pg_database_name,
    run_concurrent,
    run_sequential,
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

        per = max(requests // workers, 1)
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


def bench(args: argparse.Namespace, database: str) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="cercle-feed-bench-"))
    env = dict(os.environ, CERCLE_VAR_DIR=str(workdir), DEBUG="0")
    env.pop("DATABASE_URL", None)
    env["CERCLE_TASKS_BACKEND"] = "django_tasks_db.DatabaseBackend"
    if database == "postgresql":
        name = pg_database_name(args.pg_url) + "_feed"
        admin_url = args.pg_url.rsplit("/", 1)[0] + "/postgres"
        pg_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}"')
        pg_admin(admin_url, f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = args.pg_url.rsplit("/", 1)[0] + f"/{name}"
    result: dict[str, Any] = {"database": database, "timings": []}
    try:
        print(f"[{database}] migrate, seed {args.people} people and the wall…")
        manage(env, "migrate", "--noinput", quiet=True)
        started = time.perf_counter()
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
        )
        result["seed_seconds"] = round(time.perf_counter() - started, 1)
        server = Server(env, workdir)
        try:
            token, _how = get_token(server.url, env)
            paths = feed_paths(server.url, token, args.requests, args.deep)
            for endpoint, endpoint_paths in paths.items():
                latencies, wall, errors, results = run_sequential(
                    server.url, token, endpoint_paths, warmup=20
                )
                result["timings"].append(
                    summarise(endpoint, "sequential", latencies, wall, errors, results).__dict__
                )
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
    finally:
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--spaces", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--big-space", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--deep", type=int, default=10)
    args = parser.parse_args(argv)
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    runs = [bench(args, database) for database in databases]
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "arguments": vars(args),
        "runs": runs,
    }
    out = ROOT / "bench" / "results" / f"feed-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(markdown(runs))
    print(f"\nSaved {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
