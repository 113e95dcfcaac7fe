"""/metrics (cercle.core.operations.metrics): requests by route and status, sockets, realtime
deliveries, the task queue and the database pool, parsed with prometheus_client's own parser;
served to allowed networks or the bearer token only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import SyncToAsync, sync_to_async
from django.db import connections
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from cercle.core.events import Pong
from cercle.core.realtime import publish_now, user_group
from tests.factories import make_user
from tests.helpers.sockets import drain, socket_for


@pytest.fixture
def close_socket_connections() -> Iterator[None]:
    """The sockets' database thread keeps a connection: give it back (PostgreSQL's pool)."""
    yield
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)


async def connected(user: Any) -> Any:
    """A connected socket, its hello read (generous timeouts: a loaded machine)."""
    comm = socket_for(user)
    ok, _code = await comm.connect(timeout=10)
    assert ok
    assert (await comm.receive_json_from(timeout=10))["type"] == "hello"
    await drain(comm)
    return comm


def scrape(client: Client, **headers: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics: (name, sorted labels) → value."""
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def requests_of(samples: dict[Any, float], route: str, status: str, method: str = "GET") -> float:
    return value(
        samples,
        "cercle_http_request_duration_seconds_count",
        route=route,
        method=method,
        status=status,
    )


@pytest.mark.django_db
def test_requests_are_counted_by_route_and_status_never_by_raw_path(client: Client) -> None:
    user = make_user(username="metricsanne")
    client.force_login(user)
    before = scrape(client)
    profile_route = "/people/<str:username>/"
    for _ in range(3):
        assert client.get("/people/metricsanne/").status_code == 200
    assert client.get("/people/nobody-such-9f2c/").status_code == 404
    assert client.get("/no/such/page-5e1d/").status_code == 404
    after = scrape(client)
    assert requests_of(after, profile_route, "200") - requests_of(before, profile_route, "200") == 3
    assert requests_of(after, profile_route, "404") - requests_of(before, profile_route, "404") == 1
    assert requests_of(after, "<unmatched>", "404") - requests_of(before, "<unmatched>", "404") == 1
    # The latency histogram: every request falls in the +Inf bucket, and the sum is positive.
    inf = value(
        after,
        "cercle_http_request_duration_seconds_bucket",
        route=profile_route,
        method="GET",
        status="200",
        le="+Inf",
    )
    assert inf == requests_of(after, profile_route, "200")
    assert (
        value(
            after,
            "cercle_http_request_duration_seconds_sum",
            route=profile_route,
            method="GET",
            status="200",
        )
        > 0
    )
    # No raw path anywhere in the labels: no cardinality explosion.
    labels = {v for (_name, pairs) in after for _k, v in pairs}
    assert not any("metricsanne" in v or "9f2c" in v or "5e1d" in v for v in labels)


@pytest.mark.django_db
def test_the_metrics_are_404_to_the_public(client: Client, settings: Any) -> None:
    settings.CERCLE_METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    # A public request relayed by a reverse proxy on the loopback is not a local one.
    relayed = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert relayed.status_code == 404
    spoofed = client.get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.9"
    )
    assert spoofed.status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    # No login page, no redirect: nothing says it exists.
    assert b"cercle_" not in client.get("/metrics", REMOTE_ADDR="203.0.113.9").content


@pytest.mark.django_db
def test_allowed_networks_and_the_bearer_token(client: Client, settings: Any) -> None:
    settings.CERCLE_METRICS_ALLOWED_IPS = "10.0.0.0/8, 192.0.2.7"
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.8").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404

    settings.CERCLE_METRICS_ALLOWED_IPS = ""
    settings.CERCLE_METRICS_TOKEN = "s3cret-scrape-token"
    public = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", **public).status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **public).status_code == 404
    scraped = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token", **public)
    assert scraped.status_code == 200
    assert b"cercle_http_request_duration_seconds" in scraped.content


@pytest.mark.django_db
def test_the_task_queue_depth_and_age_are_read_at_scrape_time(
    client: Client, settings: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    from cercle.feed.tasks import fan_out_space_post

    settings.TASKS = {
        "default": {"BACKEND": "cercle.core.operations.tasks.DatabaseBackend", "QUEUES": []}
    }
    first = fan_out_space_post.enqueue(1)
    fan_out_space_post.enqueue(2)
    # Deferred to tomorrow: not ready, not counted.
    fan_out_space_post.using(run_after=timezone.now() + timedelta(days=1)).enqueue(3)
    DBTaskResult.objects.filter(id=first.id).update(
        enqueued_at=timezone.now() - timedelta(minutes=5)
    )
    samples = scrape(client)
    assert value(samples, "cercle_tasks_ready", queue="default") == 2
    assert 300 <= value(samples, "cercle_tasks_oldest_ready_age_seconds", queue="default") < 400
    assert value(samples, "cercle_tasks_running", queue="default") == 0


@pytest.mark.django_db
def test_the_database_pool_on_postgresql(client: Client) -> None:
    connection = connections["default"]
    if connection.vendor != "postgresql" or not connection.settings_dict["OPTIONS"].get("pool"):
        pytest.skip("psycopg's pool: PostgreSQL with DATABASE_POOL only")
    samples = scrape(client)
    assert (
        value(samples, "cercle_db_pool_max_connections")
        == (connection.settings_dict["OPTIONS"]["pool"]["max_size"])
    )
    in_use = value(samples, "cercle_db_pool_connections", state="in_use")
    idle = value(samples, "cercle_db_pool_connections", state="idle")
    assert in_use + idle >= 1


@pytest.mark.django_db(transaction=True)
async def test_open_sockets_and_realtime_deliveries(
    client: Client, close_socket_connections: None
) -> None:
    user = await sync_to_async(make_user)(username="socketmetrics")
    before = await sync_to_async(scrape)(client)
    first = await connected(user)
    second = await connected(user)
    during = await sync_to_async(scrape)(client)
    assert value(during, "cercle_websockets_open") - value(before, "cercle_websockets_open") == 2
    assert (
        value(during, "cercle_websocket_connections_total")
        - value(before, "cercle_websocket_connections_total")
        == 2
    )

    publish_now(Pong(), groups=[user_group(user.pk)])
    assert [f["type"] for f in await drain(first)] == ["pong"]
    assert [f["type"] for f in await drain(second)] == ["pong"]
    after = await sync_to_async(scrape)(client)
    assert (
        value(after, "cercle_realtime_events_published_total", type="pong")
        - value(before, "cercle_realtime_events_published_total", type="pong")
        == 1
    )
    assert (
        value(after, "cercle_realtime_deliveries_total")
        - value(before, "cercle_realtime_deliveries_total")
        == 2
    )

    await first.disconnect()
    await second.disconnect()
    closed = await sync_to_async(scrape)(client)
    assert value(closed, "cercle_websockets_open") == value(before, "cercle_websockets_open")


def test_starting_up_reads_nothing_from_the_database(tmp_path: Any) -> None:
    """The task queue's collector is registered at import: the registry must not collect then
    (a fresh installation has no tables yet; Django warns of queries during app loading)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
        "CERCLE_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "cercle.settings",
        "PYTHONPATH": str(root / "src"),
        "CERCLE_TASKS_BACKEND": "cercle.core.operations.tasks.DatabaseBackend",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "task queue figures unavailable" not in done.stderr
