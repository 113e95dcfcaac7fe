"""What the benchmark scripts share: the paths, the statistics, the timing loops, the server and
`manage.py` processes, the databases (a scratch var dir, a PostgreSQL database made and dropped),
Django set up in this process, the seeding that is the same in several scripts, and the reports.

bench/ is not a package: a script imports this as `common` once its own folder is on `sys.path`
(`python bench/<script>.py` puts it there). Nothing here imports Django or Cercle at import time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

import httpx

if TYPE_CHECKING:
    from cercle.accounts.models import User
    from cercle.agenda.models import Calendar, Event
    from cercle.agenda.recurrence import Timing as EventTiming
    from tests.helpers.server import ServerSite

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
UVICORN = str(Path(PYTHON).parent / "uvicorn")
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/cercle_bench"
HOST = "127.0.0.1"

T = TypeVar("T")


# --- Options.


def database_parser(
    doc: str | None, pg_url: str = DEFAULT_PG_URL, db: str = "both"
) -> argparse.ArgumentParser:
    """A parser described by the first line of `doc`, with `--db` (sqlite, postgresql or both)
    and `--pg-url` (the PostgreSQL database, made and dropped by the run)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else "")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default=db)
    parser.add_argument("--pg-url", default=pg_url)
    return parser


def databases(args: argparse.Namespace) -> list[str]:
    """The databases `--db` names, SQLite first."""
    return ["sqlite", "postgresql"] if args.db == "both" else [args.db]


# --- Statistics.
#
# Three percentiles: `percentile` (nearest rank), `percentile_above` and `percentile_rounded`,
# each the one a benchmark's published figures were computed with (docs/benchmarks.md). They
# differ on small samples: a script keeps its own, so that its figures stay comparable.


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, int(-(-fraction * len(sorted_values) // 1)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class Timing:
    endpoint: str
    mode: str  # "sequential" or "concurrent-<n>"
    requests: int
    errors: int
    median_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    throughput_rps: float
    mean_results: float
    server_cpu_ms_per_request: float = float("nan")
    load_average: float = float("nan")
    error_samples: list[str] = field(default_factory=list)


def summarise(
    endpoint: str,
    mode: str,
    latencies: list[float],
    wall: float,
    errors: list[str],
    results: list[int],
) -> Timing:
    ordered = sorted(latencies)
    return Timing(
        endpoint=endpoint,
        mode=mode,
        requests=len(latencies),
        errors=len(errors),
        median_ms=round(statistics.median(ordered) * 1000, 2) if ordered else float("nan"),
        p90_ms=round(percentile(ordered, 0.90) * 1000, 2),
        p99_ms=round(percentile(ordered, 0.99) * 1000, 2),
        max_ms=round(ordered[-1] * 1000, 2) if ordered else float("nan"),
        throughput_rps=round(len(latencies) / wall, 1) if wall else 0.0,
        mean_results=round(statistics.mean(results), 1) if results else 0.0,
        error_samples=errors[:5],
    )


def percentile_above(values: list[float], share: float) -> float:
    """The sorted value at index int(share * n): the first with `share` of the values below it."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def percentile_rounded(values: list[float], fraction: float) -> float:
    """The sorted value at index round(fraction * (n - 1)); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def median_p99(latencies_ms: list[float]) -> dict[str, float]:
    """Median and p99 (`percentile_above`) of milliseconds, to two decimals."""
    return {
        "median_ms": round(statistics.median(latencies_ms), 2),
        "p99_ms": round(percentile_above(latencies_ms, 0.99), 2),
    }


def median_and_p99(times_ms: list[float], digits: int = 0, between: str = " | ") -> str:
    """`<median><between><p99>` (`percentile_rounded`) of milliseconds, for a Markdown row."""
    median = statistics.median(times_ms)
    return f"{median:.{digits}f}{between}{percentile_rounded(times_ms, 0.99):.{digits}f}"


def print_median_p99_table(
    results: dict[str, list[float]], digits: int = 0, rule: str = "|---|---:|---:|"
) -> None:
    """A Markdown table of each request's median and p99 in milliseconds."""
    print("| request | median (ms) | p99 (ms) |")
    print(rule)
    for label, times in results.items():
        print(f"| {label} | {median_and_p99(times, digits)} |")


# --- Timing loops.


def time_calls(
    call: Callable[[], T], rounds: int, check: Callable[[T], object] | None = None
) -> list[float]:
    """Milliseconds of `rounds` calls one after the other; `check` sees each answer, untimed."""
    durations = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = call()
        durations.append((time.perf_counter() - started) * 1000)
        if check is not None:
            check(answer)
    return durations


def expect(response: Any, statuses: Collection[int], *context: object) -> None:
    """Stop on an unexpected status: an error must not be timed as an answer."""
    assert response.status_code in statuses, (*context, response.status_code)


def time_ok(get: Callable[[], Any], rounds: int, what: str = "") -> list[float]:
    """Milliseconds of `rounds` requests (httpx's or Django's test client), each answering 200."""
    return time_calls(get, rounds, lambda response: expect(response, {200}, what))


def time_url(
    client: httpx.Client,
    server: Server,
    url: str,
    requests: int,
    warmup: int,
    headers: dict[str, str] | None = None,
    before: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """`warmup` then `requests` sequential GETs of `url` on one connection: how many, their
    median and p99, the server's CPU per request and the load average. `before`: called before
    each GET, neither timed nor counted in the server's CPU (a write that makes the server
    build the answer again, say)."""
    time_ok(lambda: client.get(url, headers=headers), warmup, url)
    latencies: list[float] = []
    cpu_spent = 0.0
    for _ in range(requests):
        if before is not None:
            before()
        cpu = server.cpu_seconds()
        latencies += time_ok(lambda: client.get(url, headers=headers), 1, url)
        cpu_spent += server.cpu_seconds() - cpu
    return {
        "requests": len(latencies),
        **median_p99(latencies),
        "server_cpu_ms": round(cpu_spent * 1000 / len(latencies), 2),
        "load_average": round(os.getloadavg()[0], 1),
    }


def time_seeded_urls(
    env: dict[str, str],
    workdir: Path,
    database: str,
    seeded: dict[str, Any],
    requests: int,
    warmup: int,
    changes: dict[str, Callable[[httpx.Client, dict[str, str]], Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """The server started on the seeded database, and `time_url` for each of `seeded["urls"]`
    with the session cookie `seeded["cookie"]` (and `seeded["token"]`, when there is one, as a
    Bearer token for the API's URLs), with the query count `seeded["queries"]` found for each.
    `changes`: for some labels, a write made before each of their requests (untimed), given the
    client and the API's headers."""
    timings = {}
    with (
        Server(env, workdir) as server,
        httpx.Client(base_url=server.url, cookies=seeded["cookie"], timeout=60) as client,
    ):
        token = {"Authorization": f"Bearer {seeded['token']}"} if "token" in seeded else {}
        for label, url in seeded["urls"].items():
            headers = token if url.startswith("/api/") else {}
            change = (changes or {}).get(label)
            before = partial(change, client, token) if change is not None else None
            timings[label] = {
                "url": url,
                "queries": seeded["queries"][label],
                **time_url(client, server, url, requests, warmup, headers, before),
            }
            print(f"[{database}] GET {label}: {timings[label]}", flush=True)
    return timings


def url_timings_table(runs: list[dict[str, Any]]) -> str:
    """The Markdown table of `time_url`'s timings (with each request's query count)."""
    lines = [
        "| database | request | queries | median ms | p99 ms | server CPU ms | load |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for label, t in run["timings"].items():
            lines.append(
                f"| {run['database']} | {label} | {t['queries']} | {t['median_ms']} | "
                f"{t['p99_ms']} | {t['server_cpu_ms']} | {t['load_average']} |"
            )
    return "\n".join(lines)


# --- Processes.


START_TIMEOUT = int(os.environ.get("CERCLE_BENCH_START_TIMEOUT", "600"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def manage(env: dict[str, str], *args: str, quiet: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed")
    if not quiet and result.stdout.strip():
        print("   ", result.stdout.strip().splitlines()[-1])
    return result.stdout


class Server:
    """`uvicorn cercle.asgi:application` on 127.0.0.1, one worker (or `workers`)."""

    def __init__(self, env: dict[str, str], workdir: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = workdir / f"uvicorn-{self.port}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                UVICORN,
                "cercle.asgi:application",
                "--app-dir",
                "src",
                "--host",
                HOST,
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        # A loaded machine imports Django slowly (load 28 on 2 CPUs: over 3 minutes).
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"uvicorn exited; see {self.log_path}")
            try:
                httpx.get(f"{self.url}/api/v1/openapi.json", timeout=10)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"uvicorn did not start in {START_TIMEOUT} s")

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used so far (Linux /proc): its process and,
        with several workers, its workers (the supervisor's children)."""
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        total = 0.0
        for one in [str(pid), *children]:
            try:
                fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                if one == str(pid):
                    return float("nan")
                continue  # a worker gone
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def shell_value(env: dict[str, str], code: str, key: str) -> str:
    """What `code`, run by `manage.py shell`, printed after `<key>=` on a line of its own."""
    output = manage(env, "shell", "-c", code, quiet=True)
    line = next(line for line in output.splitlines() if line.startswith(f"{key}="))
    return line.removeprefix(f"{key}=")


_CALL_CODE = """
import sys
sys.path.insert(0, {bench!r})
import {module}
{module}.{function}({options!r})
"""


def shell_call(env: dict[str, str], module: str, function: str, options: dict[str, Any]) -> str:
    """`bench/<module>.py`'s `function(options)` run by `manage.py shell` (Django set up, on the
    benchmark's database); what it printed."""
    code = _CALL_CODE.format(
        bench=str(Path(__file__).resolve().parent),
        module=module,
        function=function,
        options=options,
    )
    return manage(env, "shell", "-c", code, quiet=True)


_TOKEN_CODE = """
from cercle.accounts.models import ApiToken, User
from cercle.accounts.tokens import generate_token_secret, hash_token
secret = generate_token_secret()
ApiToken.objects.create(user=User.objects.get(username={username!r}), name={name!r},
                        key_hash=hash_token(secret), prefix=secret[:12])
print("TOKEN=" + secret)
"""


def api_token(env: dict[str, str], username: str, name: str = "bench") -> str:
    """An API token for `username`, made as an ApiToken row in a shell (no password needed)."""
    return shell_value(env, _TOKEN_CODE.format(username=username, name=name), "TOKEN")


def start_uvicorn_module(port: int) -> subprocess.Popen[bytes]:
    """`python -m uvicorn cercle.asgi:application` on 127.0.0.1:`port` with this environment, its
    output discarded (uvicorn's defaults: access log on); the caller waits for it to answer."""
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "cercle.asgi:application", "--port", str(port)],
        env=dict(os.environ, PYTHONPATH=str(ROOT / "src")),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def migrate_and_seed(site: ServerSite, code: str, files: int) -> Any:
    """`tests.helpers.server.ServerSite` migrated, then `code` run in it (timed): its result."""
    site.migrate()
    started = time.perf_counter()
    seeded = site.python(code)
    print(f"seeded {files} files in {time.perf_counter() - started:.0f} s")
    return seeded


# --- Load.


def count_results(response: httpx.Response) -> int:
    try:
        body = response.json()
    except ValueError:
        return 0
    if isinstance(body, dict):
        for key in ("items", "results", "experts", "people"):
            if isinstance(body.get(key), list):
                return len(body[key])
    if isinstance(body, list):
        return len(body)
    return 0


def run_sequential(
    url: str, token: str, paths: list[str], warmup: int
) -> tuple[list[float], float, list[str], list[int]]:
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    errors: list[str] = []
    results: list[int] = []
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        for path in paths[:warmup]:
            client.get(path)
        started = time.perf_counter()
        for path in paths:
            t0 = time.perf_counter()
            response = client.get(path)
            latencies.append(time.perf_counter() - t0)
            if response.status_code != 200:
                errors.append(f"{response.status_code} {path}: {response.text[:200]}")
            else:
                results.append(count_results(response))
        wall = time.perf_counter() - started
    return latencies, wall, errors, results


def run_concurrent(
    url: str, token: str, paths: list[str], clients: int
) -> tuple[list[float], float, list[str], list[int]]:
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    errors: list[str] = []
    results: list[int] = []
    lock = threading.Lock()
    shares = [paths[i::clients] for i in range(clients)]

    def worker(share: list[str]) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            for path in share:
                t0 = time.perf_counter()
                response = client.get(path)
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    if response.status_code != 200:
                        errors.append(f"{response.status_code} {path}")
                    else:
                        results.append(count_results(response))

    threads = [threading.Thread(target=worker, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - started, errors, results


# --- Databases.


def pg_admin(url: str, sql: str) -> None:
    import psycopg

    parsed = urlparse(url)
    with psycopg.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        # Fixed statements, no user input.
        connection.execute(sql)  # type: ignore[arg-type,unused-ignore]


def pg_database_name(url: str) -> str:
    name = urlparse(url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"unexpected database name {name!r}")
    return name


def analyze(env: dict[str, str], database: str) -> None:
    """Fresh statistics for the planner, as autovacuum (PostgreSQL) or `PRAGMA optimize` would."""
    code = (
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        f"    c.execute({'VACUUM ANALYZE' if database == 'postgresql' else 'ANALYZE'!r})\n"
    )
    manage(env, "shell", "-c", code, quiet=True)


def git_commit() -> str:
    """The checked-out commit, "+changes" when the tree differs from it, or "" outside git."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "src", "bench"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return ""
    return f"{commit}+changes" if commit and changed else commit


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    with contextlib.suppress(OSError):
        memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout
    import sqlite3

    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


def pg_url_named(url: str, name: str) -> str:
    """`url` with its database name replaced by `name`."""
    return url.rsplit("/", 1)[0] + f"/{name}"


def recreate_pg_database(url: str) -> None:
    """The database `url` names, dropped if it is there, then made empty."""
    name = pg_database_name(url)
    pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_admin(url, f'CREATE DATABASE "{name}"')


def drop_pg_database(url: str) -> None:
    pg_admin(url, f'DROP DATABASE IF EXISTS "{pg_database_name(url)}" WITH (FORCE)')


def server_env(workdir: Path, **extra: str) -> dict[str, str]:
    """The environment of `manage.py` and the server: this one, on a var dir of its own (SQLite
    there unless `DATABASE_URL` is among `extra`), `DEBUG=0`."""
    env = dict(os.environ, CERCLE_VAR_DIR=str(workdir), DEBUG="0")
    env.pop("DATABASE_URL", None)
    env.update(extra)
    return env


@contextlib.contextmanager
def scratch_site(
    database: str,
    pg_url: str,
    prefix: str,
    suffix: str = "",
    workdir: Path | None = None,
    keep: bool = False,
    reuse: bool = False,
    **extra: str,
) -> Iterator[tuple[Path, dict[str, str]]]:
    """A var dir and the environment of `server_env` for one database: a temporary directory
    (or `workdir`, kept); for "postgresql", the database `pg_url` names with `suffix` added to
    its name, made empty first (`reuse`: taken as it is, seeded by an earlier run). Both are
    removed on the way out, unless `keep` (to read the seeded data afterwards: slow statements,
    plans; or to run again on them)."""
    folder = workdir or Path(tempfile.mkdtemp(prefix=prefix))
    env = server_env(folder, **extra)
    url = ""
    if database == "postgresql":
        url = pg_url_named(pg_url, pg_database_name(pg_url) + suffix)
        if not reuse:
            recreate_pg_database(url)
        env["DATABASE_URL"] = url
    try:
        yield folder, env
    finally:
        if keep:
            print(f"kept: {folder}" + (f" and {url}" if url else ""), flush=True)
        else:
            if url:
                drop_pg_database(url)
            if workdir is None:
                shutil.rmtree(folder, ignore_errors=True)


# --- Django in this process.


def setup_django(var_dir: str | Path, database_url: str = "", **environ: str) -> None:
    """Django set up in this process on `var_dir` (SQLite there, or `database_url`), with
    `environ` added to the environment first."""
    os.environ["CERCLE_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cercle.settings")
    os.environ.update(environ)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def count_queries(call: Callable[[], T]) -> tuple[int, T]:
    """How many SQL statements `call` ran (Django set up), and what it returned."""
    from django.db import connection

    run: list[str] = []

    def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        run.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        answer = call()
    return len(run), answer


# --- Seeding.


def agenda_event(
    calendar: Calendar, organiser: User, n: int, timing: EventTiming, rule: str, uid: str
) -> Event:
    """Event number `n` ("Réunion <n>", in Salle 3, planned in `timing`'s zone) with the bounds the
    agenda's actions would give it, unsaved: for `bulk_create`."""
    from cercle.agenda import recurrence
    from cercle.agenda.models import Event

    event = Event(
        calendar=calendar,
        organiser=organiser,
        title=f"Réunion {n}",
        description="Ordre du jour : le point de la semaine.",
        place="Salle 3",
        time_zone=timing.zone,
        rule=recurrence.normalize_rule(rule, timing),
        uid=uid,
    )
    event.set_timing(timing)
    event.first_start = recurrence.span(timing)[0]
    event.last_end = recurrence.rule_until(event.rule, timing)
    return event


# --- Reports.


def save_report(name: str, report: dict[str, Any], indent: int = 2) -> Path:
    """`report` as JSON in bench/results/<name>."""
    path = ROOT / "bench" / "results" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=indent))
    return path
