#!/usr/bin/env python3
"""Global search timed in process, on an existing (seeded and indexed) database.

No server: `queries.search`, `queries.suggest` and the `/search/` view (through Django's test
client, middleware included) are called directly, for the load test's words
(bench/load/locustfile.py's WORDS) and bench/search_bench.py's, as a few generated people
(`scale-000001`…). Each (person, word) is run once to warm up, then `--repeat` times; the report
gives medians and p99s in milliseconds, the number of SQL queries per call and, on SQLite, the
virtual machine's instructions per call (in thousands: a measure of the work done that a loaded
machine does not change); and this process's CPU time per call (SQLite's work included, not a
PostgreSQL server's), which a loaded machine changes less than the wall clock.

    CERCLE_VAR_DIR=var/big PYTHONPATH=src .venv/bin/python bench/search_inprocess.py \\
        --people 3 --repeat 20 --out var/big/after.json

Point the settings at a copy of the data (`CERCLE_VAR_DIR` or `DATABASE_URL`), never at a
database in use: the view records recent searches.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "load"))

from mix import SEARCH_WORDS as LOAD_WORDS  # noqa: E402  (the load test's words)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--out", default="")
    parser.add_argument("--skip-view", action="store_true")
    parser.add_argument("--words", choices=["all", "load", "bench"], default="all")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cercle.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cercle.accounts.models import User
    from cercle.search import queries

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    from search_bench import PHRASES, PREFIXES, RARE, WORDS  # bench/search_bench.py

    words: list[str] = []
    if args.words in {"all", "load"}:
        words += LOAD_WORDS
    if args.words in {"all", "bench"}:
        words += [w for w in WORDS if w not in words] + PHRASES + RARE
    prefixes = PREFIXES + [w[:3] for w in LOAD_WORDS[:6]]
    step = max(1, 10_000 // max(1, args.people))
    names = [f"scale-{1 + i * step:06d}" for i in range(args.people)]
    people = list(User.objects.filter(username__in=names).order_by("username"))
    if not people:
        raise SystemExit("no generated people (scale-…) in this database")

    vm = {"steps": 0}
    connection.ensure_connection()
    if connection.vendor == "sqlite":

        def tick() -> int:
            vm["steps"] += 1
            return 0

        connection.connection.set_progress_handler(tick, 1000)

    def measure(call: Callable[[], Any]) -> tuple[float, int, int, float]:
        vm["steps"] = 0
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            cpu = time.process_time()
            call()
            cpu = (time.process_time() - cpu) * 1000
            elapsed = (time.perf_counter() - started) * 1000
        return elapsed, len(captured.captured_queries), vm["steps"], cpu

    report: dict[str, Any] = {
        "database": connection.vendor,
        "people": [p.username for p in people],
        "repeat": args.repeat,
        "load_average": os.getloadavg(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    series: dict[str, dict[str, list[float]]] = {}

    def run(name: str, call: Callable[[], Any]) -> None:
        call()  # warm-up
        for _ in range(args.repeat):
            ms, count, steps, cpu = measure(call)
            entry = series.setdefault(name, {"ms": [], "queries": [], "kvm": [], "cpu_ms": []})
            entry["ms"].append(ms)
            entry["cpu_ms"].append(cpu)
            entry["queries"].append(count)
            entry["kvm"].append(steps)

    per_word: dict[str, Any] = {}
    for person in people:
        client = Client()
        client.force_login(person)
        for word in words:
            before = len(series.get("search", {}).get("ms", []))
            run("search", partial(queries.search, person, word))
            ms = series["search"]["ms"][before:]
            result = queries.search(person, word)
            per_word.setdefault(word, []).append(
                {
                    "person": person.username,
                    "median_ms": round(statistics.median(ms), 1),
                    "cpu_ms": round(statistics.median(series["search"]["cpu_ms"][before:]), 1),
                    "total": result.total,
                    "capped": getattr(result, "total_capped", False),  # before the budget
                    "kinds": result.counts,
                    "queries": series["search"]["queries"][-1],
                    "kvm": series["search"]["kvm"][-1],
                }
            )
            if not args.skip_view:
                run("view", partial(client.get, "/search/", {"q": word}))
        for prefix in prefixes:
            run("suggest", partial(queries.suggest, person, prefix))
    report["summary"] = {
        name: {
            "calls": len(values["ms"]),
            "median_ms": round(statistics.median(values["ms"]), 1),
            "p95_ms": round(percentile(values["ms"], 0.95), 1),
            "p99_ms": round(percentile(values["ms"], 0.99), 1),
            "max_ms": round(max(values["ms"]), 1),
            # This process's CPU time (SQLite's work included; PostgreSQL's server not).
            "cpu_median_ms": round(statistics.median(values["cpu_ms"]), 1),
            "cpu_p95_ms": round(percentile(values["cpu_ms"], 0.95), 1),
            "cpu_p99_ms": round(percentile(values["cpu_ms"], 0.99), 1),
            "queries_median": statistics.median(values["queries"]),
            "queries_max": max(values["queries"]),
            "kvm_median": statistics.median(values["kvm"]),
            "kvm_max": max(values["kvm"]),
        }
        for name, values in series.items()
    }
    report["per_word"] = per_word
    report["load_average_end"] = os.getloadavg()
    text = json.dumps(report, indent=1, ensure_ascii=False)
    if args.out:
        Path(args.out).write_text(text)
    print(json.dumps(report["summary"], indent=1))
    print("load average", report["load_average"], "→", report["load_average_end"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
