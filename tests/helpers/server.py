"""Real Cercle server processes for realtime tests and benchmarks.

`ServerSite` is one SQLite database file in a temporary directory (a copy of a database migrated
once per test process) that several uvicorn processes share; `start()` starts a process on a free
port, with the in-memory channel layer or, given a Redis URL, with channels-redis
(CERCLE_CHANNEL_LAYER=redis), so that events cross processes. `python()` runs code with Django set
up against the same database (test data).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


_TEMPLATES: dict[str, Path] = {}


def _migrated_template() -> Path:
    """A SQLite database with every migration applied, made by `manage.py migrate` once per test
    process (kept in a temporary directory removed at exit, so never stale) and copied for each
    site: a migration run costs ~20 s of CPU, and a test run starts many sites."""
    if "path" not in _TEMPLATES:
        scratch = Path(tempfile.mkdtemp(prefix="cercle-migrated-"))
        atexit.register(shutil.rmtree, scratch, ignore_errors=True)
        ServerSite(scratch / "site").run_migrations()
        # One self-contained file (the WAL checkpointed into it), whatever the journal mode.
        template = scratch / "template.sqlite3"
        source = sqlite3.connect(scratch / "site" / "cercle.sqlite3")
        destination = sqlite3.connect(template)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
        _TEMPLATES["path"] = template
    return _TEMPLATES["path"]


@dataclass
class ServerProcess:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def _warm_up(url: str, timeout: float) -> None:
    """One page drawn before the tests' own: the first one imports the views and compiles the
    base templates, which on a loaded machine (three suites at once in CI) outlasted a browser's
    10 s wait for a page (fresh-check of 2026-12-06: the bell test's first `goto`)."""
    try:
        with urllib.request.urlopen(f"{url}/accounts/login/", timeout=timeout) as response:
            response.read()
    except urllib.error.HTTPError:
        pass  # a page that answers, whatever it says, is warm


@dataclass
class ServerSite:
    directory: Path
    redis_url: str = ""
    processes: list[ServerProcess] = field(default_factory=list)
    # Environment variables for the server processes, over the defaults below.
    extra_env: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"CERCLE_TESTING", "DATABASE_URL", "REDIS_URL", "PYTEST_CURRENT_TEST"}
            and not key.startswith("PYTEST_")
        }
        env.update(
            CERCLE_VAR_DIR=str(self.directory),
            DJANGO_SETTINGS_MODULE="cercle.settings",
            PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            SECRET_KEY="realtime-test-secret-key-not-for-production-0123456789",
            LOG_LEVEL="ERROR",
            # Tests and benchmarks send fast on purpose.
            CERCLE_SOCKET_RATE="100000/1",
        )
        if self.redis_url:
            env.update(REDIS_URL=self.redis_url, CERCLE_CHANNEL_LAYER="redis")
        env.update(self.extra_env)
        return env

    def migrate(self) -> None:
        """The migrated database. On SQLite, a copy of a template migrated once per state of the
        migrations (a migration run costs ~20 s of CPU, and a test run starts many sites);
        a site given a DATABASE_URL of its own (PostgreSQL) is migrated there."""
        if "DATABASE_URL" in self.extra_env:
            self.run_migrations()
            return
        template = _migrated_template()
        target = self.directory / "cercle.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        shutil.copyfile(template, target)

    def run_migrations(self) -> None:
        subprocess.run(
            [PYTHON, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
            env=self.env(),
            check=True,
            cwd=ROOT,
            capture_output=True,
        )

    def python(self, code: str) -> Any:
        """Run `code` with Django set up; it assigns `result`, returned as JSON."""
        script = (
            "import django, json\ndjango.setup()\n"
            + code
            + "\nprint('@@RESULT@@' + json.dumps(result))\n"
        )
        done = subprocess.run(
            [PYTHON, "-c", script],
            env=self.env(),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-4000:])
        line = [x for x in done.stdout.splitlines() if x.startswith("@@RESULT@@")][-1]
        return json.loads(line.removeprefix("@@RESULT@@"))

    def start(
        self, *, workers: int = 1, args: tuple[str, ...] = (), timeout: float = 120
    ) -> ServerProcess:
        """A server process on a free port, once it answers /healthz (within `timeout` s: a loaded
        machine, tests in parallel, starts slowly)."""
        port = free_port()
        log = self.directory / f"uvicorn-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "uvicorn",
                    "cercle.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                    "--log-level",
                    "warning",
                    "--ws-max-size",
                    "1048576",
                    # As served in production (Makefile, Dockerfile, docs/deployment.md).
                    "--ws-per-message-deflate",
                    "false",
                    *args,
                ],
                env=self.env(),
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = ServerProcess(port=port, process=process, log=log)
        self.processes.append(server)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(log.read_text()[-4000:])
            try:
                with urllib.request.urlopen(f"{server.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        _warm_up(server.url, max(10.0, deadline - time.monotonic()))
                        return server
            except OSError:
                time.sleep(0.2)
        server.stop()
        raise RuntimeError(f"server did not start: {log.read_text()[-4000:]}")

    def stop(self) -> None:
        for server in self.processes:
            server.stop()
        self.processes.clear()


PEOPLE_CODE = """
from tests.factories import make_user, make_direct, PASSWORD
from cercle.accounts.actions.auth import create_api_token
names = {names!r}
people = {{}}
for name in names:
    user = make_user(username=name, first_name=name.capitalize(), last_name="Test")
    _token, secret = create_api_token(user=user, name="realtime test")
    people[name] = {{"id": user.pk, "token": secret}}
result = {{"people": people, "password": PASSWORD}}
"""


def make_people(site: ServerSite, names: list[str]) -> dict[str, Any]:
    """Create people (with API tokens) in the site's database."""
    result: dict[str, Any] = site.python(PEOPLE_CODE.format(names=names))
    return result


def start_direct(server: ServerProcess, token: str, username: str) -> int:
    """The id of the direct conversation between `token`'s owner and `username`, through the
    API."""
    created = httpx.post(
        f"{server.url}/api/v1/conversations",
        json={"kind": "direct", "username": username},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    created.raise_for_status()
    conversation_id: int = created.json()["id"]
    return conversation_id


async def open_socket(server: ServerProcess, token: str) -> ClientConnection:
    socket, _hello = await open_socket_with_hello(server, token)
    return socket


async def open_socket_with_hello(
    server: ServerProcess, token: str
) -> tuple[ClientConnection, dict[str, Any]]:
    """A socket opened with an API ticket, and its first frame (`hello`)."""
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        response = await http.post(
            "/api/v1/realtime/ticket", headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200, response.text
    ticket = response.json()["ticket"]
    socket = await connect(f"{server.ws_url}?ticket={ticket}", origin=server.url)  # type: ignore[arg-type]
    hello: dict[str, Any] = json.loads(await socket.recv(decode=True))
    assert hello["type"] == "hello"
    return socket, hello


async def next_of_type(
    socket: ClientConnection, kind: str, timeout: float = 20, *, body: str | None = None
) -> dict[str, Any]:
    """The next frame of a type (and, for messages, with this body), skipping others."""

    async def find() -> dict[str, Any]:
        while True:
            frame: dict[str, Any] = json.loads(await socket.recv(decode=True))
            if frame["type"] == kind and (body is None or frame["message"]["body"] == body):
                return frame

    return await asyncio.wait_for(find(), timeout)


@contextlib.contextmanager
def postgres_databases(*suffixes: str) -> Iterator[list[str]]:
    """New, empty PostgreSQL databases on the server DATABASE_URL points to (skips the test when it
    points elsewhere), one per suffix, as URLs; dropped afterwards."""
    import psycopg
    import pytest

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("DATABASE_URL does not point to PostgreSQL")
    base = url.rpartition("/")[0]
    names = [f"test_cercle_{os.getpid()}_{suffix}" for suffix in suffixes]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield [f"{base}/{name}" for name in names]
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
