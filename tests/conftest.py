"""Shared fixtures: services (PostgreSQL, Redis) required in CI, skipped elsewhere when absent."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.db.backends.postgresql.operations import DatabaseOperations

from cercle.core.services import reachable

REQUIRE_SERVICES = os.environ.get("CERCLE_REQUIRE_SERVICES") == "1"


def _redis_url_of_this_worker(url: str) -> str:
    """The Redis database of this pytest-xdist worker: the run's own number for the first
    (gw0), one less for each next one, so that workers never flush each other's database
    (`make test`: SQLite 15 and 14, browser 13 and 12, PostgreSQL 11 and 10)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    base, _slash, number = url.rpartition("/")
    if not number.isdigit():
        return url
    return f"{base}/{int(number) - int(worker.removeprefix('gw') or 0)}"


def _deleting_flush(
    self: Any, style: Any, tables: list[str], *, reset_sequences: bool = False, **options: Any
) -> list[str]:
    """PostgreSQL's flush between transactional tests as DELETEs (Django's foreign keys are
    deferred to the flush's commit), not one TRUNCATE: a TRUNCATE makes new files for every
    table and index (150 tables: 1.3 s idle, 5 s loaded, after each of the run's hundreds of
    transactional and server tests), where deleting a test's few rows takes 0.08 s."""
    if reset_sequences or not tables:
        return _truncating_flush(self, style, tables, reset_sequences=reset_sequences, **options)
    return ["SET CONSTRAINTS ALL DEFERRED;"] + [
        f"DELETE FROM {self.quote_name(table)};"  # noqa: S608 - Django's own table names
        for table in tables
    ]


_truncating_flush = DatabaseOperations.sql_flush
DatabaseOperations.sql_flush = _deleting_flush  # type: ignore[method-assign]


TEST_REDIS_URL = _redis_url_of_this_worker(
    os.environ.get("CERCLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
)


def require_service(name: str, ok: bool) -> None:
    """Skip when a server is missing, except in CI where a missing server is a failure."""
    if ok:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{name} is required (CERCLE_REQUIRE_SERVICES=1) but not reachable")
    pytest.skip(f"{name} not reachable")


@pytest.fixture
def redis_url() -> str:
    require_service("Redis", reachable(TEST_REDIS_URL, 6379))
    return TEST_REDIS_URL


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """The cache holds rate-limit counters and the organisation: each test starts clean."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_process_memos() -> None:
    """What a process keeps for a minute (the session policy's limits, the sessions whose "last
    seen" it wrote) is read again at each test's first request, not at a moment that falls inside
    a test's counted queries."""
    from cercle.accounts.middleware import forget_tracked
    from cercle.adoption.actions import forget_came
    from cercle.sso.queries import forget_session_limits

    forget_session_limits()
    forget_tracked()
    forget_came()


@pytest.fixture(autouse=True)
def _default_language() -> None:
    """Each test starts in the site's language: a request through the test client activates the
    language it chose (Accept-Language, the person's own) in this thread and leaves it active, so
    an action called after a test's English requests would otherwise speak English in the next."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def mailoutbox_memory(settings: pytest.FixtureRequest) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]


class ReceivedMail:
    """What the test SMTP server received: `messages` are email.message.EmailMessage objects."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.messages: list[Any] = []

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[Any]:
        """The messages once at least `count` have arrived (delivery is synchronous with Django's
        SMTP backend, so this normally returns at once)."""
        import time

        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages

    def texts(self) -> list[str]:
        """Each message's plain-text body."""
        bodies = []
        for message in self.messages:
            part = (
                message.get_body(preferencelist=("plain",)) if message.is_multipart() else message
            )
            bodies.append(part.get_content() if part is not None else "")
        return bodies


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[ReceivedMail]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 with a free port; Django's mail goes to it."""
    import email
    import email.policy
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    received = ReceivedMail("127.0.0.1", port)

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.messages.append(
                email.message_from_bytes(envelope.content, policy=email.policy.default)
            )
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield received
    finally:
        controller.stop()


@pytest.fixture
def scratch_database(django_db_blocker: Any, tmp_path: Any) -> Iterator[None]:
    """An empty database of the run's vendor, made the default connection for the test: a migration
    test migrates it forward from nothing to the state it starts from (only the migrations that
    state needs) rather than taking the whole test database back and then forward again, which
    cost 2-3 CPU-minutes per test. Dropped afterwards; the test database is never touched."""
    from django.db import connections

    original = connections["default"]
    settings_dict = {**original.settings_dict}
    on_postgres = original.vendor == "postgresql"
    if on_postgres:
        settings_dict["NAME"] = f"{original.settings_dict['NAME']}_scratch"
        # Django keeps psycopg pools per alias, not per database: with the settings' pool, the
        # scratch connection would take one of the test database's connections (and migrate it).
        options = {**settings_dict.get("OPTIONS", {})}
        options.pop("pool", None)
        settings_dict["OPTIONS"] = options
    else:
        settings_dict["NAME"] = str(tmp_path / "scratch.sqlite3")

    def on_the_server(statement: str) -> None:
        with original._nodb_cursor() as cursor:
            cursor.execute(statement)

    with django_db_blocker.unblock():
        if on_postgres:
            on_the_server(f'DROP DATABASE IF EXISTS "{settings_dict["NAME"]}" WITH (FORCE)')
            on_the_server(f'CREATE DATABASE "{settings_dict["NAME"]}"')
        scratch = original.__class__(settings_dict, alias="default")
        connections["default"] = scratch
        try:
            yield
        finally:
            scratch.close()
            connections["default"] = original
            if on_postgres:
                on_the_server(f'DROP DATABASE IF EXISTS "{settings_dict["NAME"]}" WITH (FORCE)')


def _touches_the_database(item: pytest.Item) -> bool:
    """Whether a test reaches the run's database (pytest-django's marker or fixtures, a Django
    TestCase), or is marked to run on PostgreSQL."""
    if item.get_closest_marker("django_db") or item.get_closest_marker("postgres"):
        return True
    fixtures = getattr(item, "fixturenames", ())
    if "_django_db_helper" in fixtures or "scratch_database" in fixtures:
        return True
    from django.test import SimpleTestCase, TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, SimpleTestCase):
        return issubclass(cls, TransactionTestCase)
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, only the tests that reach the database run: the others (parsers, stemmers,
    servers on a SQLite file of their own) would do again exactly what the SQLite run does, and
    the suite's time is CPU-bound on two cores."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        return
    if os.environ.get("CERCLE_TEST_EVERYTHING") == "1":
        return
    kept, once = [], []
    for item in items:
        (kept if _touches_the_database(item) else once).append(item)
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = kept


@pytest.fixture
def prepared_statements(transactional_db: None) -> Iterator[None]:
    """PostgreSQL: the default connection made as `DATABASE_SERVER_SIDE_BINDING=1` makes it
    (parameters bound on the server, a statement prepared after 5 uses), on the test database,
    for a transactional test (its rows committed, flushed after as usual)."""
    from django.db import connections

    original = connections["default"]
    if original.vendor != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    options = {**original.settings_dict.get("OPTIONS", {})}
    options.pop("pool", None)  # (pools are kept per alias: it would lend the test's connection)
    options.update(server_side_binding=True, prepare_threshold=5)
    prepared = original.__class__({**original.settings_dict, "OPTIONS": options}, alias="default")
    connections["default"] = prepared
    try:
        yield
    finally:
        prepared.close()
        connections["default"] = original
