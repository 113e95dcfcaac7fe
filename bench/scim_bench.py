#!/usr/bin/env python3
"""SCIM bulk provisioning through the real server: how many people per second an identity
provider can create in Cercle, each a whole person (account, profile, directory entry, verified
email, a pending invitation that is not mailed), through `POST /scim/v2/Users`.

For each database (SQLite in a temporary var dir; PostgreSQL in a database `cercle_bench_scim`
it creates and drops) this script migrates, makes an administrator and a SCIM token, starts
`uvicorn cercle.asgi:application` on 127.0.0.1 (one worker), then:

- provisions `--people` people with `--clients` concurrent clients, as Entra ID does (userName,
  name, work email, title, externalId, the enterprise extension's department among 40);
- reads full list pages (`GET /Users?startIndex=…&count=100`, and one of 500, the most a page
  holds) spread over the whole directory;
- looks `--lookups` of them up by `userName eq` (what Entra ID and Okta do before each change),
  and as many by `externalId eq` and by `emails[type eq "work"].value eq`;
- creates `--groups` groups (SCIM groups are departments; the first `--mapped` of them are
  mapped to a space each, so their member changes also add and remove space memberships), then
  PATCHes each group as Entra ID does: an `Add` of `--group-members` members in one operation,
  then a `Remove` of a tenth of them;
- deprovisions `--deactivate` of them (`PATCH active "False"`, Entra ID's form).

It prints people per second, median and p99 latency of each kind of call, the server's CPU per
call, and writes bench/results/scim-<date>.json.

    .venv/bin/python bench/scim_bench.py --db sqlite --people 1000 --clients 4
    .venv/bin/python bench/scim_bench.py      # the issue's 10,000 people, on both databases

Target (issue 14): at least 50 people per second for 10,000 people. Only 127.0.0.1 is targeted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # bench/common.py: what the benchmarks share (Server reads its free_port)
from common import (
    DEFAULT_PG_URL,
    ROOT,
    Server,
    Timing,
    drop_pg_database,
    git_commit,
    machine,
    manage,
    pg_database_name,
    pg_url_named,
    recreate_pg_database,
    save_report,
    summarise,
)

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
SETUP = """
from cercle.accounts.models import Role, User
from cercle.provisioning import actions
admin = User.objects.create_user(username="bench.scim", email="bench.scim@example.org",
                                 first_name="Bench", last_name="Scim", role=Role.ADMIN)
from cercle.accounts.models import Profile
Profile.objects.get_or_create(user=admin)
_token, secret = actions.create_token(actor=admin, name="bench")
from cercle.spaces import actions as space_actions
for n in range(MAPPED):
    space = space_actions.create_space(actor=admin, name=f"Espace {n:03d}", kind="private")
    actions.add_group_rule(actor=admin, match_by="display_name", value=f"Équipe {n:03d}",
                           space=space)
print("TOKEN=" + secret)
"""


def person(index: int) -> dict[str, Any]:
    return {
        "schemas": [USER, ENTERPRISE],
        "userName": f"person{index:06d}@bench.example.org",
        "externalId": f"ext-{index:06d}",
        "name": {"givenName": f"Prénom{index}", "familyName": f"Nom{index}"},
        "displayName": f"Prénom{index} Nom{index}",
        "emails": [
            {"value": f"person{index:06d}@bench.example.org", "type": "work", "primary": True}
        ],
        "title": ("Comptable", "Technicienne", "Chef de projet", "Juriste")[index % 4],
        "active": True,
        ENTERPRISE: {"department": f"Service {index % 40:02d}"},
    }


def run_calls(
    url: str,
    token: str,
    calls: list[Callable[[httpx.Client], httpx.Response]],
    clients: int,
    expected: set[int],
) -> tuple[list[float], list[str], float, list[httpx.Response]]:
    latencies: list[float] = []
    errors: list[str] = []
    responses: list[httpx.Response] = []
    lock = threading.Lock()
    queue = list(reversed(calls))

    def worker() -> None:
        with httpx.Client(
            base_url=f"{url}/scim/v2",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"},
            timeout=120,
        ) as client:
            while True:
                with lock:
                    if not queue:
                        return
                    call = queue.pop()
                started = time.perf_counter()
                response = call(client)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    responses.append(response)
                    if response.status_code not in expected:
                        errors.append(f"{response.status_code} {response.text[:200]}")

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - started, responses


def bench(args: argparse.Namespace, database: str) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="cercle-scim-bench-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(CERCLE_VAR_DIR=str(workdir), DEBUG="0", LOG_LEVEL="WARNING")
    pg_url = ""
    if database == "postgresql":
        pg_url = pg_url_named(args.pg_url, pg_database_name(args.pg_url) + "_scim")
        recreate_pg_database(pg_url)
        env["DATABASE_URL"] = pg_url
    result: dict[str, Any] = {"database": database, "people": args.people, "timings": []}
    server = None
    try:
        print(f"== {database}: migrating in {workdir}")
        manage(env, "migrate", "--no-input", "-v", "0", quiet=True)
        setup = f"MAPPED = {args.mapped}\n" + SETUP
        output = manage(env, "shell", "-c", setup, quiet=True)
        token = next(x for x in output.splitlines() if x.startswith("TOKEN=")).split("=", 1)[1]
        server = Server(env, workdir, workers=args.workers)
        load_before = os.getloadavg()[0]

        def measure(name: str, calls: list[Any], expected: set[int]) -> list[httpx.Response]:
            assert server is not None
            cpu = server.cpu_seconds()
            latencies, errors, wall, responses = run_calls(
                server.url, token, calls, args.clients, expected
            )
            timing: Timing = summarise(
                name, f"concurrent-{args.clients}", latencies, wall, errors, []
            )
            timing.server_cpu_ms_per_request = round(
                (server.cpu_seconds() - cpu) * 1000 / max(len(calls), 1), 2
            )
            timing.load_average = round(os.getloadavg()[0], 1)
            result["timings"].append(timing.__dict__)
            print(
                f"   {name}: {len(calls)} calls in {wall:.1f} s = {timing.throughput_rps}/s, "
                f"median {timing.median_ms} ms, p99 {timing.p99_ms} ms, "
                f"server CPU {timing.server_cpu_ms_per_request} ms/call, errors {len(errors)}"
            )
            if errors:
                print("   first errors:", errors[:3])
            return responses

        def create(index: int) -> Callable[[httpx.Client], httpx.Response]:
            return lambda client: client.post("/Users", json=person(index))

        created = measure("POST /Users", [create(i) for i in range(args.people)], {201})
        ids = [r.json()["id"] for r in created if r.status_code == 201]
        result["people_per_second"] = result["timings"][-1]["throughput_rps"]

        def page(start: int, count: int) -> Callable[[httpx.Client], httpx.Response]:
            return lambda client: client.get("/Users", params={"startIndex": start, "count": count})

        starts = [1 + i * max(args.people // args.pages, 1) for i in range(args.pages)]
        measure("GET /Users page of 100", [page(start, 100) for start in starts], {200})
        measure("GET /Users page of 500", [page(start, 500) for start in starts[:5]], {200})

        def lookup(index: int) -> Callable[[httpx.Client], httpx.Response]:
            name = person(index)["userName"]
            return lambda client: client.get("/Users", params={"filter": f'userName eq "{name}"'})

        def lookup_external(index: int) -> Callable[[httpx.Client], httpx.Response]:
            ext = person(index)["externalId"]
            return lambda client: client.get("/Users", params={"filter": f'externalId eq "{ext}"'})

        def lookup_email(index: int) -> Callable[[httpx.Client], httpx.Response]:
            email = person(index)["userName"]
            text = f'emails[type eq "work" and value eq "{email}"]'
            return lambda client: client.get("/Users", params={"filter": text})

        step = max(args.people // max(args.lookups, 1), 1)
        sample = list(range(0, args.people, step))[: args.lookups]
        measure("GET /Users?filter=userName eq", [lookup(i) for i in sample], {200})
        measure("GET /Users?filter=externalId eq", [lookup_external(i) for i in sample], {200})
        measure("GET /Users?filter=emails[value eq]", [lookup_email(i) for i in sample], {200})

        def create_group(index: int) -> Callable[[httpx.Client], httpx.Response]:
            body = {
                "schemas": [GROUP],
                "displayName": f"Équipe {index:03d}",
                "externalId": f"grp-{index:03d}",
            }
            return lambda client: client.post("/Groups", json=body)

        groups = measure("POST /Groups", [create_group(i) for i in range(args.groups)], {201})
        group_ids = [r.json()["id"] for r in groups if r.status_code == 201]
        # Each group its own slice of people (groups are departments: a person is in one).
        size = args.group_members

        def members_of(position: int) -> list[str]:
            first = position * size % max(len(ids), 1)
            return ids[first : first + size]

        def add_members(position: int, group_id: str) -> Callable[[httpx.Client], httpx.Response]:
            value = [{"value": pk} for pk in members_of(position)]
            body = {
                "schemas": [PATCH],
                "Operations": [{"op": "Add", "path": "members", "value": value}],
            }
            return lambda client: client.patch(f"/Groups/{group_id}", json=body)

        def remove_members(
            position: int, group_id: str
        ) -> Callable[[httpx.Client], httpx.Response]:
            value = [{"value": pk} for pk in members_of(position)[: max(size // 10, 1)]]
            body = {
                "schemas": [PATCH],
                "Operations": [{"op": "Remove", "path": "members", "value": value}],
            }
            return lambda client: client.patch(f"/Groups/{group_id}", json=body)

        mapped = list(enumerate(group_ids))[: args.mapped]
        plain = list(enumerate(group_ids))[args.mapped :]
        measure(
            f"PATCH /Groups Add {size} members (mapped to a space)",
            [add_members(p, g) for p, g in mapped],
            {200},
        )
        measure(
            f"PATCH /Groups Add {size} members (department only)",
            [add_members(p, g) for p, g in plain],
            {200},
        )
        measure(
            f"PATCH /Groups Remove {max(size // 10, 1)} members (mapped to a space)",
            [remove_members(p, g) for p, g in mapped],
            {200},
        )
        measure(
            f"PATCH /Groups Remove {max(size // 10, 1)} members (department only)",
            [remove_members(p, g) for p, g in plain],
            {200},
        )

        def deactivate(person_id: str) -> Callable[[httpx.Client], httpx.Response]:
            body = {
                "schemas": [PATCH],
                "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
            }
            return lambda client: client.patch(f"/Users/{person_id}", json=body)

        measure(
            "PATCH /Users/{id} active False", [deactivate(i) for i in ids[: args.deactivate]], {200}
        )
        result["load_average_before"] = round(load_before, 1)
        result["load_average_after"] = round(os.getloadavg()[0], 1)
    finally:
        if server is not None:
            server.stop()
        if pg_url:
            drop_pg_database(pg_url)
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("DATABASE_URL", DEFAULT_PG_URL))
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--lookups", type=int, default=200)
    parser.add_argument("--deactivate", type=int, default=200)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument(
        "--port", type=int, default=0, help="the server's port (default: any free one)"
    )
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--mapped", type=int, default=20)
    parser.add_argument("--group-members", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn workers (production: 2)")
    args = parser.parse_args(argv)
    if args.port:
        common.free_port = lambda: args.port  # a machine where each engineer has a port range
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "runs": [bench(args, database) for database in databases],
    }
    out = save_report(f"scim-{datetime.now(UTC):%Y%m%d-%H%M%S}.json", report)
    print(f"\nwritten {out.relative_to(ROOT)}")
    print(
        "\n| database | people | clients | call | calls/s | median | p99 | server CPU/call | load |"
    )
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|")
    for run in report["runs"]:
        for timing in run["timings"]:
            print(
                f"| {run['database']} | {run['people']} | {args.clients} | `{timing['endpoint']}` "
                f"| {timing['throughput_rps']} | {timing['median_ms']} ms | {timing['p99_ms']} ms "
                f"| {timing['server_cpu_ms_per_request']} ms | {timing['load_average']} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
