"""Schemathesis, an independent fuzzer, over every operation of the API's OpenAPI schema.

One real server (uvicorn, `tests.helpers.server`) on a database seeded with the demo organisation
plus a space, a post and conversations of the three people it signs in as: a member, an
organisation admin and a guest. For each of them, once per test session, `schemathesis run` calls
every operation of `/api/v1/openapi.json` — its coverage phase (the schema's boundaries and
near-misses), fuzzing (positive and negative data) and stateful phase (sequences of calls that
reuse what earlier responses returned) — with a fixed seed and budget, and checks each response:
never a server error, and always a status, content type and body the schema declares. The tests
below read its JSON report: no failure, no error, and every operation tested, so that the check
cannot pass by testing nothing.

A new module's API is in the schema, so it is fuzzed with nothing to add here. To reproduce a
failure, the report prints a `curl` line per case; the server's log is in the failure message.
On PostgreSQL (`DATABASE_URL`), the server uses a database of its own next to the test database,
dropped at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.helpers.server import PYTHON, ServerProcess, ServerSite

ROLES = ("member", "admin", "guest")
# Per operation and phase: enough to find the issue 17 bugs again, small enough for a few
# minutes in all on SQLite and on PostgreSQL (each run prints its time in the report).
MAX_EXAMPLES = int(os.environ.get("CERCLE_FUZZ_MAX_EXAMPLES", "10"))
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)
PASSWORD = "fuzz-Password-2026!"

SEED = f"""
from django.core.management import call_command

from cercle.accounts.models import User
from tests.factories import (
    add_member, make_admin, make_direct, make_group, make_guest, make_message, make_post,
    make_space, make_user,
)

call_command("seed_demo", verbosity=0)
call_command("seed_feed", demo=True, verbosity=0)
member = make_user(username="fuzz.member", first_name="Fuzz", last_name="Member")
admin = make_admin(username="fuzz.admin", first_name="Fuzz", last_name="Admin")
guest = make_guest(username="fuzz.guest", first_name="Fuzz", last_name="Guest")
for person in (member, admin, guest):
    person.set_password({PASSWORD!r})
    person.save(update_fields=["password"])
space = make_space(owner=member, name="Fuzz space")
add_member(space, guest)
add_member(space, admin, "admin")
make_post(author=member, space=space, body="Bonjour #fuzz @fuzz.admin")
group = make_group(member, [admin, guest], name="Fuzz group")
make_message(member, group, body="Bonjour")
make_message(admin, make_direct(member, admin), body="Salut")
result = {{"people": User.objects.count()}}
"""


def _config(role: str) -> str:
    # The token comes from POST /auth/token and is fetched again after a 401: the fuzzer revokes
    # its own tokens (DELETE /me/tokens/{token_id}) and must go on testing afterwards.
    return f"""
[auth.dynamic.openapi.BearerTokenAuth]
path = "/api/v1/auth/token"
payload = {{ username = "fuzz.{role}", password = "{PASSWORD}" }}
extract_selector = "/token"
"""


def _postgres_database(url: str) -> tuple[str, str]:
    """(the server's database URL, the maintenance URL to create and drop it from)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "cercle"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # each pytest-xdist worker its own
    server_url = urlunsplit(parts._replace(path=f"/test_{name}_schemathesis{worker}"))
    return server_url, urlunsplit(parts._replace(path="/postgres"))


def _postgres(maintenance_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


def _operations() -> int:
    from cercle.api import api

    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return sum(len(item) for item in schema["paths"].values())


def _start(server: ServerProcess, role: str, directory: Path) -> subprocess.Popen[str]:
    config = directory / f"{role}.toml"
    config.write_text(_config(role))
    return subprocess.Popen(
        [
            str(Path(PYTHON).with_name("schemathesis")),
            "--config-file",
            str(config),
            "run",
            f"{server.url}/api/v1/openapi.json",
            "--checks",
            CHECKS,
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--generation-deterministic",
            "--continue-on-failure",
            # One thread per run, the three roles' runs at once: Schemathesis' worker threads
            # compiling its generators together tripped CPython 3.11's "AST constructor
            # recursion depth mismatch" (a SystemError inside the fuzzer, not the server).
            "--workers",
            "1",
            "--no-color",
            "--report",
            "json",
            "--report-json-path",
            str(directory / f"{role}.json"),
        ],
        cwd=directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(run: subprocess.Popen[str], role: str, directory: Path) -> dict[str, Any]:
    try:
        stdout, stderr = run.communicate(timeout=900)
    except subprocess.TimeoutExpired:
        run.kill()
        stdout, stderr = run.communicate()
    report = directory / f"{role}.json"
    result: dict[str, Any] = (
        json.loads(report.read_text()) if report.exists() else {"failures": ["no report"]}
    )
    result["output"] = stdout[-20_000:] + stderr[-4000:]
    return result


@pytest.fixture(scope="session")
def fuzz_reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    directory = tmp_path_factory.mktemp("schemathesis")
    site = ServerSite(directory)
    # The fuzzer posts wrong passwords to /auth/token from one address, then signs in again after
    # revoking its own token: the failed-login limit would lock it out for minutes mid-run.
    site.extra_env["CERCLE_LOGIN_FAILED_LIMIT"] = "100000/m/ip,100000/m/key"
    database_url = os.environ.get("DATABASE_URL", "")
    maintenance_url = ""
    if database_url.startswith("postgres"):
        server_url, maintenance_url = _postgres_database(database_url)
        name = urlsplit(server_url).path.lstrip("/")
        _postgres(maintenance_url, f'DROP DATABASE IF EXISTS "{name}"')
        _postgres(maintenance_url, f'CREATE DATABASE "{name}"')
        site.extra_env["DATABASE_URL"] = server_url
    try:
        site.migrate()
        site.python(SEED)
        server = site.start()
        runs = {role: _start(server, role, directory) for role in ROLES}
        reports = {role: _result(run, role, directory) for role, run in runs.items()}
        log = server.log.read_text(errors="replace")
        for report in reports.values():
            report["server_log"] = log[-6000:]
        yield reports
    finally:
        site.stop()
        if maintenance_url:
            _postgres(maintenance_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("role", ROLES)
def test_the_fuzzer_finds_no_server_error_nor_schema_mismatch(
    fuzz_reports: dict[str, dict[str, Any]], role: str
) -> None:
    report = fuzz_reports[role]
    explain = f"{report['output']}\n--- server log ---\n{report.get('server_log', '')}"
    assert report["failures"] == [], explain
    assert report["errors"] == [], explain
    assert report["complete"], explain
    # Every operation of the schema was tested, by every phase.
    operations = report["operations"]
    assert operations["total"] == _operations() > 70, explain
    assert operations["tested"] == operations["total"], explain
    for phase in ("coverage", "fuzzing", "stateful"):
        assert report["phases"][phase]["status"] == "success", (phase, explain)
    assert report["test_cases"]["generated"] >= 10 * operations["total"], explain
