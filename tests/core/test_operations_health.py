"""/healthz and /readyz (cercle.core.operations.health): answered before the session, locale and
host middleware, against the real database, a real Redis and Redis addresses that fail."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.helpers.server import free_port

DATABASE_TASKS = {"default": {"BACKEND": "cercle.core.operations.tasks.DatabaseBackend"}}


@pytest.fixture
def database_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {**DATABASE_TASKS["default"], "QUEUES": []}}


@pytest.mark.django_db
def test_healthz_answers_without_the_database_session_or_host_check(
    client: Client, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        # A probe may call the pod's address, which ALLOWED_HOSTS does not list.
        response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert len(response["X-Request-ID"]) == 32
    # Neither the session nor the locale middleware ran.
    assert "Content-Language" not in response
    assert not response.cookies


@pytest.mark.django_db(transaction=True)
def test_readyz_checks_the_database_and_the_task_queue(
    client: Client, settings: Any, database_tasks: None
) -> None:
    settings.REDIS_URL = ""
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "tasks"}  # no Redis configured: not checked
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["tasks"] == {
        "status": "ok",
        "ms": body["checks"]["tasks"]["ms"],
        "backend": "database",
    }


@pytest.mark.django_db(transaction=True)
def test_readyz_with_a_real_redis(client: Client, settings: Any, redis_url: str) -> None:
    settings.REDIS_URL = redis_url
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["redis"]["status"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_naming_redis_when_its_port_is_closed(client: Client, settings: Any) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/1"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["redis"] == {"status": "fail", "error": "ConnectionError"}
    assert body["checks"]["database"]["status"] == "ok"


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a hung Redis)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield server.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_readyz_gives_up_on_a_check_after_its_timeout(
    client: Client, settings: Any, silent_server: int
) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{silent_server}/1"
    settings.CERCLE_READY_TIMEOUT = 0.5
    started = time.monotonic()
    response = client.get("/readyz")
    # Bounded by the timeout, not by the hung server (the bound is generous: a loaded machine).
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    redis_check = response.json()["checks"]["redis"]
    assert redis_check["status"] == "fail"
    assert redis_check["error"] in {"timeout", "TimeoutError"}


@pytest.mark.django_db
def test_the_probes_keep_a_sane_incoming_request_id_and_replace_others(client: Client) -> None:
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42")
    assert kept["X-Request-ID"] == "lb-7f3a.42"
    for bad in ("", "x" * 200, "a b", "évé", "id\r\nX-Injected: 1"):
        replaced = client.get("/healthz", HTTP_X_REQUEST_ID=bad)
        assert replaced["X-Request-ID"] != bad
        assert len(replaced["X-Request-ID"]) == 32
