#!/usr/bin/env python3
"""How many people one server holds: a mixed load (bench/load/locustfile.py) raised step by step
until the server is no longer healthy, the last healthy step confirmed by a re-run.

Configurations:

- `embedded`: one uvicorn process, SQLite (a file under var/bench/load-embedded), the in-memory
  channel layer, and the task worker (`manage.py db_worker`) — what `make run` serves;
- `production`: PostgreSQL (`--pg-url`), Redis (`--redis-url`: channel layer and cache),
  `--workers` uvicorn workers (2 by default) and the task worker.

The data is seeded once per configuration and kept (bench/feed_bench.py's seeding: `seed_demo
--scale`, `seed_feed`; then bench/load/seed.py's conversations and `rebuild_search_index`, so
that global search looks through everything seeded) and reused while the sizes are the same.
Then Locust runs headless in its own process: each step adds people (they sign in once through
the login form and keep one socket), waits `--warmup` seconds, measures `--steady`
seconds and judges health (mix.judge). Results: a JSON of every step and a PNG plot in `--out`
(docs/load/ by default), named after the configuration and `--name`; the commit is in both.

    # the figure (a quiet machine; takes an hour or more):
    .venv/bin/python bench/load/ramp.py --config embedded \
        --steps 100,200,300,400,600,800,1000,1500,2000,2500,3000
    .venv/bin/python bench/load/ramp.py --config production --workers 2 \
        --pg-url postgres://postgres@127.0.0.1:5432/cercle_bench_load \
        --redis-url redis://127.0.0.1:6379/14 --steps 100,200,400,600,800,1000,1500,2000,2500,3000
    # a smoke run (a few minutes), and a profile of the server at one step:
    .venv/bin/python bench/load/ramp.py --config embedded --people 300 --posts 3000 \
        --spaces 30 --steps 10,20 --warmup 10 --steady 30 --name smoke
    .venv/bin/python bench/load/ramp.py --config embedded --steps 200 --profile 200

Only 127.0.0.1 is targeted. Needs the `bench` extra: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import textwrap
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(ROOT))

import mix  # noqa: E402
import seed  # noqa: E402
from common import analyze, git_commit, machine, manage, pg_admin, pg_database_name  # noqa: E402

import tests.helpers.server as server_helpers  # noqa: E402

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/cercle_bench_load"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"  # emptied at each run: a database of its own
VALIDATION_LABEL = "loaded machine, validation only — not the supported-users figure"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--config", choices=["embedded", "production"], default="embedded")
    parser.add_argument(
        "--steps",
        default="100,200,300,400,600,800,1000,1500,2000,2500,3000",
        type=lambda v: [int(x) for x in v.split(",") if x],
        help="People at once, step by step (comma-separated, increasing).",
    )
    parser.add_argument("--warmup", type=float, default=60, help="Seconds after sign-ins.")
    parser.add_argument("--steady", type=float, default=180, help="Seconds measured per step.")
    parser.add_argument("--spawn-rate", type=float, default=5, help="Sign-ins per second.")
    parser.add_argument("--think", type=float, default=mix.THINK_MEAN_S, help="Mean think time.")
    parser.add_argument("--no-confirm", action="store_true", help="Do not re-run the last step.")
    parser.add_argument("--people", type=int, default=0, help="People seeded (default: 10,000).")
    parser.add_argument("--spaces", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--big-space", type=int, default=5000)
    parser.add_argument("--channel", type=int, default=300, help="Members of the space channel.")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers (production).")
    parser.add_argument("--port", type=int, default=0, help="Server port (default: a free one).")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--max-avg-ms", type=float, default=mix.Thresholds.avg_ms)
    parser.add_argument("--max-p99-ms", type=float, default=mix.Thresholds.p99_ms)
    parser.add_argument("--max-error-rate", type=float, default=mix.Thresholds.error_rate)
    parser.add_argument("--max-delivery-p99-ms", type=float, default=mix.Thresholds.delivery_p99_ms)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="PEOPLE",
        help="py-spy the server during the steady window of this step; top functions saved.",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "load")
    parser.add_argument("--name", default="", help="Suffix of the output files.")
    parser.add_argument(
        "--label",
        default="",
        help=f'Written into the outputs and the plot, e.g. "{VALIDATION_LABEL}".',
    )
    parser.add_argument(
        "--replot", type=Path, metavar="JSON", help="Only draw the PNG of a report again."
    )
    parser.add_argument(
        "--reprofile",
        nargs=2,
        type=Path,
        metavar=("JSON", "RAW"),
        help="Only read a py-spy raw profile again into a report's top functions.",
    )
    args = parser.parse_args(argv)
    if args.steps != sorted(args.steps) or not args.steps:
        parser.error("--steps must be increasing")
    args.people = args.people or max(10_000, max(args.steps))
    if args.people < max(args.steps):
        parser.error("--people must be at least the largest step")
    for url in (args.pg_url, args.redis_url):
        if urlparse(url).hostname not in {"127.0.0.1", "localhost"}:
            parser.error("only 127.0.0.1 is targeted")
    return args


def prepare(args: argparse.Namespace) -> tuple[server_helpers.ServerSite, Path, dict[str, Any]]:
    """The site (database, var dir, environment), seeded once; the fixture."""
    workdir = ROOT / "var" / "bench" / f"load-{args.config}"
    workdir.mkdir(parents=True, exist_ok=True)
    extra = {
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        # People sign in from their own address, as behind the company's reverse proxy.
        "CLIENT_IP_HEADER": "X-Real-IP",
        # The server's default frame rate per socket (tests/helpers/server.py lifts it).
        "CERCLE_SOCKET_RATE": "60/10",
        "CERCLE_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    redis_url = ""
    if args.config == "production":
        name = pg_database_name(args.pg_url)
        admin_url = args.pg_url.rsplit("/", 1)[0] + "/postgres"
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
        if not exists:
            pg_admin(admin_url, f'CREATE DATABASE "{name}"')
            (workdir / "seeded.json").unlink(missing_ok=True)
        extra["DATABASE_URL"] = args.pg_url
        redis_url = args.redis_url
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    site = server_helpers.ServerSite(workdir, redis_url=redis_url, extra_env=extra)
    env = site.env()
    sizes = {
        "people": args.people,
        "spaces": args.spaces,
        "posts": args.posts,
        "big_space": args.big_space,
        "channel": args.channel,
        "database": extra.get("DATABASE_URL", "sqlite"),
        "demo_content": True,
    }
    marker = workdir / "seeded.json"
    fixture_path = workdir / "fixture.json"
    manage(env, "migrate", "--noinput", quiet=True)
    if marker.exists() and json.loads(marker.read_text()) == sizes and fixture_path.exists():
        print(f"[{args.config}] reusing the data seeded in {workdir.relative_to(ROOT)}")
    else:
        print(f"[{args.config}] seeding {args.people} people and {args.posts} posts…", flush=True)
        (workdir / "search-indexed.json").unlink(missing_ok=True)
        started = time.monotonic()
        seed.seed_people_and_wall(
            env,
            people=args.people,
            spaces=args.spaces,
            posts=args.posts,
            big_space=min(args.big_space, args.people),
        )
        seed.seed_conversations(env, people=max(args.steps), channel=args.channel, out=fixture_path)
        analyze(env, "postgresql" if args.config == "production" else "sqlite")
        marker.write_text(json.dumps(sizes))
        print(f"    seeded in {time.monotonic() - started:.0f} s", flush=True)
    if seed.index_for_search(env, workdir, sizes):  # bulk seeding sends the index no signal
        analyze(env, "postgresql" if args.config == "production" else "sqlite")
    seed.spread_join_dates(env)
    fixture = json.loads(fixture_path.read_text())
    if len(fixture["people"]) < max(args.steps):
        seed.seed_conversations(env, people=max(args.steps), channel=args.channel, out=fixture_path)
        fixture = json.loads(fixture_path.read_text())
    return site, workdir, sizes


def run_locust(
    args: argparse.Namespace,
    site: server_helpers.ServerSite,
    workdir: Path,
    stamp: str,
) -> tuple[list[dict[str, Any]], Path | None]:
    if args.port:
        server_helpers.free_port = lambda: args.port  # the port range given to this run
    # A loaded machine takes a while to import Django in two workers.
    server = site.start(workers=args.workers if args.config == "production" else 1, timeout=180)
    worker_log = (workdir / "db_worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "db_worker", "--queue-name", "*"],
        env=site.env(),
        cwd=ROOT,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    results = workdir / f"run-{stamp}"
    results.mkdir(parents=True, exist_ok=True)
    profile = results / "profile.txt" if args.profile else None
    thresholds = mix.Thresholds(
        avg_ms=args.max_avg_ms,
        p99_ms=args.max_p99_ms,
        error_rate=args.max_error_rate,
        delivery_p99_ms=args.max_delivery_p99_ms,
    )
    env = dict(
        os.environ,
        LOAD_FIXTURE=str(workdir / "fixture.json"),
        LOAD_STEPS=",".join(str(s) for s in args.steps),
        LOAD_WARMUP=str(args.warmup),
        LOAD_STEADY=str(args.steady),
        LOAD_SPAWN_RATE=str(args.spawn_rate),
        LOAD_THINK_MEAN=str(args.think),
        LOAD_THRESHOLDS=json.dumps(thresholds.as_dict()),
        LOAD_CONFIRM="0" if args.no_confirm else "1",
        LOAD_OUT=str(results),
        LOAD_SERVER_PIDS=f"{server.process.pid},{worker.pid}",
        LOAD_DB_NAME=pg_database_name(args.pg_url) if args.config == "production" else "",
        LOAD_PROFILE_STEP=str(args.profile or ""),
        LOAD_PROFILE_OUT=str(profile or ""),
        LOAD_PG_URL=args.pg_url if args.config == "production" else "",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    )
    try:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "--only-summary",
                "--host",
                server.url,
                "--loglevel",
                "WARNING",
                "--stop-timeout",
                "5",
            ],
            env=env,
            cwd=ROOT,
            check=False,
        )
    finally:
        site.stop()
        worker.terminate()
        try:
            worker.wait(10)
        except subprocess.TimeoutExpired:
            worker.kill()
        worker_log.close()
    steps_file = results / "steps.jsonl"
    lines = steps_file.read_text().splitlines() if steps_file.exists() else []
    steps = [json.loads(line) for line in lines]
    return steps, profile if profile and profile.exists() else None


def top_functions(raw: Path, limit: int = 25) -> dict[str, Any]:
    """py-spy's raw (collapsed) stacks: the functions where the samples are (own), those under
    which they are (inclusive), and the inclusive list restricted to Cercle's own code, each as
    a share of all samples."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [
            re.sub(r"\s+", " ", f)
            for f in stack.split(";")
            if f and not f.startswith("process ") and "spawn_main" not in f
        ]
        if not frames:
            continue
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n

    def shares(counter: Counter[str], keep: str = "") -> list[tuple[str, float]]:
        found = [(f, c) for f, c in counter.most_common() if keep in f][:limit]
        return [(f, round(c * 100 / max(total, 1), 1)) for f, c in found]

    return {
        "samples": total,
        "own": shares(own),
        "inclusive": shares(inclusive),
        "inclusive_cercle": shares(inclusive, "(cercle/"),
    }


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [s for s in report["steps"] if not s["confirmation"]]
    confirms = [s for s in report["steps"] if s["confirmation"]]
    x = [s["people"] for s in steps]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 8), sharex=True)
    for key, label in (("avg_ms", "average"), ("p50_ms", "p50"), ("p95_ms", "p95")):
        top.plot(x, [s["http"][key] for s in steps], marker="o", label=f"HTTP {label}")
    top.plot(x, [s["http"]["p99_ms"] for s in steps], marker="o", label="HTTP p99")
    top.plot(
        x,
        [s["realtime"]["delivery_ms"]["p99"] for s in steps],
        marker="s",
        linestyle="--",
        label="message delivery p99",
    )
    if confirms:
        top.scatter(
            [s["people"] for s in confirms],
            [s["http"]["avg_ms"] for s in confirms],
            marker="*",
            s=160,
            color="black",
            zorder=5,
            label="re-run (average)",
        )
    t = report["thresholds"]
    top.axhline(t["avg_ms"], color="grey", linestyle=":", linewidth=1)
    top.axhline(t["p99_ms"], color="grey", linestyle=":", linewidth=1)
    top.set_yscale("log")
    top.set_ylabel("milliseconds (log)")
    top.legend(fontsize=8)
    top.grid(True, which="both", alpha=0.3)
    bottom.plot(
        x, [s["http"]["error_rate"] * 100 for s in steps], marker="o", label="HTTP errors (%)"
    )
    bottom.plot(
        x,
        [
            (s["realtime"]["missing"] + s["realtime"]["duplicates"])
            * 100
            / max(1, s["realtime"]["expected_deliveries"])
            for s in steps
        ],
        marker="s",
        linestyle="--",
        label="deliveries missing or twice (%)",
    )
    bottom.axhline(t["error_rate"] * 100, color="grey", linestyle=":", linewidth=1)
    bottom.set_ylabel("%")
    bottom.set_xlabel("simulated people at once")
    bottom.legend(fontsize=8)
    bottom.grid(True, alpha=0.3)
    bottom.set_xticks(x)
    ok = [s["people"] for s in steps if s["healthy"]]
    half = max(x) * 0.012
    for ax in (top, bottom):
        for people in ok:
            ax.axvspan(people - half, people + half, color="green", alpha=0.1)
    supported = report["supported"]["people"]
    fig.suptitle(
        f"Cercle mixed load, {report['config']} — commit {report['commit']}\n"
        f"supported: {supported if supported is not None else '—'} people "
        f"({report['supported']['note']})"
        + ("\n" + "\n".join(textwrap.wrap(report["label"], 100)) if report["label"] else ""),
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def table(report: dict[str, Any]) -> str:
    lines = [
        "| people | req/s | avg ms | p99 ms | errors | deliveries (missing / twice) | "
        "delivery p99 ms | server + db cores | generator cores | server CPU ms/person/s | "
        "healthy |",
        "|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for s in report["steps"]:
        h, r, c = s["http"], s["realtime"], s["cpu"]
        lines.append(
            f"| {s['people']}{' (re-run)' if s['confirmation'] else ''} | {h['requests_per_s']} "
            f"| {h['avg_ms']} | {h['p99_ms']} | {h['failures']}/{h['requests']} "
            f"| {r['delivered']}/{r['expected_deliveries']} ({r['missing']} / {r['duplicates']}) "
            f"| {r['delivery_ms']['p99']} | {c['server_cores']} + {c['db_cores']} "
            f"| {c['generator_cores']} | {c['server_cpu_ms_per_person_s']} "
            f"| {'yes' if s['healthy'] else 'no: ' + '; '.join(s['reasons'])} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.replot:
        plot(json.loads(args.replot.read_text()), args.replot.with_suffix(".png"))
        return 0
    if args.reprofile:
        path, raw = args.reprofile
        report = json.loads(path.read_text())
        report["profile"] = {"step": report.get("profile", {}).get("step"), **top_functions(raw)}
        path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    site, workdir, sizes = prepare(args)
    steps, profile = run_locust(args, site, workdir, stamp)
    report: dict[str, Any] = {
        "config": args.config,
        "label": args.label,
        "commit": git_commit(),
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["bench/load/ramp.py", *(argv if argv is not None else sys.argv[1:])]),
        "machine": machine(),
        "server": {
            "embedded": "1 uvicorn process, SQLite, in-memory channel layer, task worker",
            "production": f"{args.workers} uvicorn workers, PostgreSQL, Redis, task worker",
        }[args.config],
        "seeded": sizes,
        "mix": mix.MIX,
        "think_time_s": {"min": mix.THINK_MIN_S, "mean": args.think},
        "windows_s": {"warmup": args.warmup, "steady": args.steady},
        "thresholds": mix.Thresholds(
            avg_ms=args.max_avg_ms,
            p99_ms=args.max_p99_ms,
            error_rate=args.max_error_rate,
            delivery_p99_ms=args.max_delivery_p99_ms,
        ).as_dict(),
        "steps": steps,
        "supported": mix.supported(steps),
    }
    last = next((s for s in steps if s["people"] == report["supported"]["people"]), None)
    if last is not None:
        report["supported"]["server_cpu_ms_per_person_s"] = last["cpu"][
            "server_cpu_ms_per_person_s"
        ]
        report["supported"]["server_cores"] = last["cpu"]["server_cores"]
        report["supported"]["db_cores"] = last["cpu"]["db_cores"]
        report["supported"]["generator_cores"] = last["cpu"]["generator_cores"]
        per_person = last["cpu"]["server_cpu_ms_per_person_s"]
        if per_person and not math.isnan(per_person):
            # A dedicated 2-core server (application and database) at 80 % of its CPU.
            report["supported"]["people_per_dedicated_2_cores_at_80pct"] = int(1600 / per_person)
    if profile is not None:
        report["profile"] = {"step": args.profile, **top_functions(profile)}
    profiled = next((s for s in steps if "pg_statements" in s), None)
    if profiled is not None:
        report.setdefault("profile", {"step": args.profile})["pg_statements"] = profiled.pop(
            "pg_statements"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    base = args.out / f"{args.config}{'-' + args.name if args.name else ''}"
    base.with_suffix(".json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    if steps:
        plot(report, base.with_suffix(".png"))
    print()
    print(table(report))
    s = report["supported"]
    print(f"\nSupported: {s['people']} people ({s['note']}); commit {report['commit']}")
    if "own" in report.get("profile", {}):
        print("\nProfile (own samples %):")
        for frame, share in report["profile"]["own"][:15]:
            print(f"  {share:5.1f}  {frame}")
        print("\nProfile (inclusive, Cercle's code, %):")
        for frame, share in report["profile"]["inclusive_cercle"][:15]:
            print(f"  {share:5.1f}  {frame}")
    statements = report.get("profile", {}).get("pg_statements")
    if statements:
        print("\nPostgreSQL (pg_stat_statements):", statements.get("error", ""))
        for row in statements.get("top", [])[:10]:
            print(f"  {row['total_ms']:9.1f} ms {row['calls']:6} calls  {row['query'][:110]}")
    print(f"\nWritten: {base.with_suffix('.json')}")
    return 0 if steps else 1


if __name__ == "__main__":
    raise SystemExit(main())
