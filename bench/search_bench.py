#!/usr/bin/env python3
"""Search latency through the real server, at a small scale, beside plain `LIKE` scans.

For each database (SQLite in a temporary var dir; PostgreSQL in a database `<name>_search` it
creates and drops) this script migrates, seeds people (`seed_demo --scale N`) and the wall
(`seed_feed`), rebuilds the search index (`rebuild_search_index`: the seeds write in bulk, which
the index does not follow), starts `uvicorn cercle.asgi:application` on 127.0.0.1 (one worker),
and times, sequentially, `GET /api/v1/search?q=` and `GET /api/v1/search/suggest?q=` over a
list of French and English queries (single words, two words, prefixes, phrases, rare and common
words). Then, in one process, the same words as `LIKE '%word%'` scans over the posts, comments
and profiles (the ratio shows what the index buys), and the index's size against the data's.

    .venv/bin/python bench/search_bench.py --db sqlite --people 1000 --posts 5000 --requests 200

Only 127.0.0.1 is ever targeted. Shares its helpers with the other benchmarks (bench/common.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # bench/common.py: what the benchmarks share

WORDS = [
    "réunion",
    "projet",
    "budget",
    "congés",
    "équipe",
    "client",
    "formation",
    "sécurité",
    "meeting",
    "running",
    "report",
    "planning",
    "déploiement",
    "audit",
    "café",
    "vélo",
]
PREFIXES = ["budg", "réun", "form", "sécu", "plan", "proj"]
PHRASES = ['"bonne semaine"', '"merci à tous"', '"the team"']
RARE = ["ornithorynque", "zeppelin", "quasar"]


def queries(count: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    made = []
    for i in range(count):
        shape = i % 5
        if shape == 0:
            made.append(rng.choice(WORDS))
        elif shape == 1:
            made.append(f"{rng.choice(WORDS)} {rng.choice(WORDS)}")
        elif shape == 2:
            made.append(f"{rng.choice(WORDS)} {rng.choice(PREFIXES)}")
        elif shape == 3:
            made.append(rng.choice(PHRASES))
        else:
            made.append(rng.choice(RARE + WORDS))
    return made


LIKE_CODE = """
import json, time
from django.db import connection
from cercle.core.text import normalize
words = {words!r}
runs = []
with connection.cursor() as cursor:
    for word in words:
        term = "%" + word + "%"
        t0 = time.perf_counter()
        cursor.execute(
            "SELECT (SELECT count(*) FROM feed_post WHERE body LIKE %s)"
            " + (SELECT count(*) FROM feed_comment WHERE body LIKE %s)"
            " + (SELECT count(*) FROM accounts_profile WHERE search_text LIKE %s)",
            [term, term, "%" + normalize(word) + "%"],
        )
        cursor.fetchone()
        runs.append(time.perf_counter() - t0)
    sizes = {{}}
    if connection.vendor == "sqlite":
        tables = ("search_searchdocument", "search_fts", "search_trigram", "feed_post",
                  "feed_comment")
        for table in tables:
            try:
                cursor.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE %s", [table + "%"])
                sizes[table] = cursor.fetchone()[0]
            except Exception as error:
                sizes[table] = str(error)
    else:
        for table in ("search_searchdocument", "search_vector", "feed_post", "feed_comment"):
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
            sizes[table] = cursor.fetchone()[0]
    cursor.execute("SELECT count(*) FROM search_searchdocument")
    documents = cursor.fetchone()[0]
runs.sort()
print("LIKE=" + json.dumps({{"queries": len(runs),
    "median_ms": round(runs[len(runs) // 2] * 1000, 2),
    "p99_ms": round(runs[min(len(runs) - 1, int(len(runs) * 0.99))] * 1000, 2),
    "sizes": sizes, "documents": documents}}))
"""


def bench(args: argparse.Namespace, database: str) -> dict[str, Any]:
    result: dict[str, Any] = {"database": database, "timings": []}
    with common.scratch_site(
        database,
        args.pg_url,
        "cercle-search-bench-",
        suffix="_search",
        CERCLE_TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    ) as (workdir, env):
        common.manage(env, "migrate", "--noinput", quiet=True)
        print(f"[{database}] seed {args.people} people and {args.posts} posts…")
        common.manage(env, "seed_demo", "--scale", str(args.people), quiet=True)
        common.manage(
            env, "seed_feed", "--spaces", "50", "--posts", str(args.posts),
            "--comments", str(args.posts), "--reactions", "0", "--big-space", "100",
            "--bench-user", args.viewer, quiet=True,
        )  # fmt: skip
        started = time.perf_counter()
        common.manage(env, "rebuild_search_index", "--batch", "2000", quiet=True)
        result["rebuild_seconds"] = round(time.perf_counter() - started, 1)
        common.analyze(env, database)
        with common.Server(env, workdir) as server:
            token = common.api_token(env, args.viewer, "feed bench")
            texts = queries(args.requests)
            for endpoint, path in (
                ("GET /api/v1/search", "/api/v1/search?"),
                ("GET /api/v1/search/suggest", "/api/v1/search/suggest?"),
            ):
                paths = [path + urlencode({"q": text}) for text in texts]
                latencies, wall, errors, results = common.run_sequential(
                    server.url, token, paths, warmup=10
                )
                timing = common.summarise(endpoint, "sequential", latencies, wall, errors, results)
                timing.load_average = os.getloadavg()[0]
                result["timings"].append(timing.__dict__)
        words = sorted({w for text in queries(args.requests) for w in text.strip('"').split()})
        result["like"] = json.loads(common.shell_value(env, LIKE_CODE.format(words=words), "LIKE"))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = common.database_parser(__doc__)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--viewer", default="scale-000001")
    args = parser.parse_args(argv)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": common.machine(),
        "runs": [bench(args, database) for database in common.databases(args)],
    }
    common.save_report(f"search-{report['date'][:10]}.json", report)
    print("| database | endpoint | requests | errors | median ms | p99 ms | load |")
    print("|---|---|---|---|---|---|---|")
    for run in report["runs"]:
        for t in run["timings"]:
            print(
                f"| {run['database']} | {t['endpoint']} | {t['requests']} | {t['errors']} | "
                f"{t['median_ms']} | {t['p99_ms']} | {t.get('load_average', 0):.1f} |"
            )
        like = run["like"]
        print(
            f"| {run['database']} | LIKE scans (posts, comments, profiles), in process | "
            f"{like['queries']} | 0 | {like['median_ms']} | {like['p99_ms']} | |"
        )
        print(f"  rebuild: {run['rebuild_seconds']} s, {like['documents']} documents")
        print(f"  sizes (bytes): {like['sizes']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
