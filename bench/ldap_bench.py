#!/usr/bin/env python3
"""The company directory's synchronisation against a real OpenLDAP server: a first run that
creates `--people` whole people (profile, department, site, manager, a photo for one in ten),
then an incremental run after 1 % of the entries changed (their title).

It starts Debian's slapd on loopback through python-ldap's `slapdtest` helper (the tests'
own `tests/directory/directory_data.py`), loads the generated LDIF, migrates a fresh SQLite
database in a temporary directory (or uses `DATABASE_URL`), makes an administrator, then times
`sync_directory`'s work (`directory.actions.run_sync`). It prints the figures and writes
bench/results/ldap-<date>.json.

    .venv/bin/python bench/ldap_bench.py --people 5000
    .venv/bin/python bench/ldap_bench.py --people 100000     # the issue's target

Targets (issue 14): at 100,000 people, a first run under 10 minutes, an incremental one under 1.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]


class QueryCounter:
    """Counts the database's statements (a load-independent measure)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.count += 1
        return execute(sql, params, many, context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--changed", type=float, default=1.0, help="percent changed")
    parser.add_argument(
        "--changed-people",
        type=int,
        nargs="+",
        help="incremental runs one after another, each after this many entries changed their "
        "title (e.g. 200 2000); replaces --changed",
    )
    parser.add_argument(
        "--load",
        choices=["slapadd", "ldapadd"],
        default="slapadd",
        help="load the people with slapadd into the stopped server's database (fast, the way a "
        "directory is seeded; the default) or with ldapadd through the running server",
    )
    parser.add_argument("--profile", help="write the first run's cProfile statistics here")
    parser.add_argument(
        "--profile-incremental", help="write the incremental run's cProfile statistics here"
    )
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="cercle-ldap-bench-"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{scratch / 'bench.sqlite3'}")
    os.environ.setdefault("CERCLE_VAR_DIR", str(scratch))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cercle.settings")
    os.environ["CERCLE_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from cercle.accounts.models import Role, User
    from cercle.directory import actions
    from cercle.directory.models import DirectoryPerson, SyncRun
    from tests.directory import directory_data as data

    call_command("migrate", verbosity=0)
    admin = User.objects.create(
        username="bench-admin", email="bench-admin@example.org", role=Role.ADMIN, is_staff=True
    )
    server = data.start()
    try:
        started = time.perf_counter()
        chunk = 2000
        if args.load == "slapadd":
            # Offline: the server stopped, its database filled by slapadd (entryUUID and the
            # other operational attributes generated), then started again on it.
            server.terminate()
            server.wait()
            ldif_path = scratch / "people.ldif"
            with ldif_path.open("w") as out:
                out.write(data.ou("bench") + "\n")
                for first in range(0, args.people, chunk):
                    count = min(chunk, args.people - first)
                    out.write(data.people_ldif("bench", count, start=first).split("\n\n", 1)[1])
                    out.write("\n")
            server.slapadd(None, ["-q", "-b", data.SUFFIX, "-l", str(ldif_path)])
            ldif_path.unlink()
            server.resume()
        else:
            server.ldapadd(data.ou("bench"))
            for first in range(0, args.people, chunk):
                count = min(chunk, args.people - first)
                ldif = data.people_ldif("bench", count, start=first).split("\n\n", 1)[1]
                server.ldapadd(ldif)
        load = time.perf_counter() - started
        with override_settings(MEDIA_ROOT=str(scratch / "media")):
            actions.save_settings(
                actor=admin,
                enabled=True,
                server_uri=server.ldap_uri,
                bind_dn=server.root_dn,
                bind_password=server.root_pw,
                user_base_dn=f"ou=bench,{data.SUFFIX}",
            )
            counter = QueryCounter()
            profiler = cProfile.Profile() if args.profile else None
            started, cpu = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(counter):
                if profiler is not None:
                    profiler.enable()
                first_run = actions.run_sync(run_id=SyncRun.objects.create().pk)
                if profiler is not None:
                    profiler.disable()
                    profiler.dump_stats(args.profile)
            first_seconds = time.perf_counter() - started
            first_cpu = time.process_time() - cpu
            first_queries = counter.count
            load_first = os.getloadavg()
            rounds = args.changed_people or [max(1, int(args.people * args.changed / 100))]
            incremental: list[dict[str, object]] = []
            for round_number, changed in enumerate(rounds, 1):
                step = max(1, args.people // changed)
                rows = list(DirectoryPerson.objects.order_by("username")[: changed * step : step])
                ldif = "\n".join(
                    f"dn: {row.dn}\nchangetype: modify\nreplace: title\n"
                    f"title: Changed {round_number}-{i}\n"
                    for i, row in enumerate(rows)
                )
                server.ldapmodify(ldif)
                counter = QueryCounter()
                profiler = cProfile.Profile() if args.profile_incremental else None
                load_before = os.getloadavg()
                started, cpu = time.perf_counter(), time.process_time()
                with connection.execute_wrapper(counter):
                    if profiler is not None:
                        profiler.enable()
                    second = actions.run_sync(run_id=SyncRun.objects.create().pk)
                    if profiler is not None:
                        profiler.disable()
                        profiler.dump_stats(f"{args.profile_incremental}.{round_number}")
                seconds = time.perf_counter() - started
                incremental.append(
                    {
                        "seconds": round(seconds, 1),
                        "cpu_seconds": round(time.process_time() - cpu, 1),
                        "changed_in_directory": len(rows),
                        "updated": second.updated_count,
                        "queries": counter.count,
                        "queries_per_update": round(counter.count / max(len(rows), 1), 2),
                        "load_average_before": load_before,
                        "load_average_after": os.getloadavg(),
                    }
                )
    finally:
        server.stop()
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "people": args.people,
        "database": django.conf.settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "ldif_load": args.load,
        "ldif_load_seconds": round(load, 1),
        "first_run": {
            "seconds": round(first_seconds, 1),
            "cpu_seconds": round(first_cpu, 1),
            "created": first_run.created_count,
            "refused": first_run.refused_count,
            "people_per_second": round(first_run.created_count / first_seconds, 1),
            "queries": first_queries,
            "queries_per_person": round(first_queries / max(first_run.created_count, 1), 2),
            "cpu_ms_per_person": round(1000 * first_cpu / max(first_run.created_count, 1), 2),
            "load_average_after": load_first,
        },
        "incremental": incremental[0] if len(incremental) == 1 else incremental,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / f"ldap-{datetime.now(UTC):%Y%m%d-%H%M}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
