"""The operators' view of real uvicorn workers: two processes with Redis, prometheus_client's
multiprocess mode (PROMETHEUS_MULTIPROC_DIR) and JSON logs; real HTTP requests and real sockets,
then /metrics scraped and parsed, and the log lines parsed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers.server import ServerSite, make_people, next_of_type, open_socket

pytestmark = pytest.mark.redis


@pytest.fixture
def site(tmp_path: Path, redis_url: str) -> Iterator[ServerSite]:
    redis.Redis.from_url(redis_url).flushdb()
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    site = ServerSite(
        tmp_path,
        redis_url=redis_url,
        extra_env={
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "CERCLE_LOG_FORMAT": "json",
            "LOG_LEVEL": "WARNING",
        },
    )
    site.migrate()
    yield site
    site.stop()
    redis.Redis.from_url(redis_url).flushdb()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict[Any, float], name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_two_workers_metrics_and_json_logs(site: ServerSite) -> None:
    people = make_people(site, ["anne", "bruno"])["people"]
    server = site.start(workers=2)
    anne_auth = {"Authorization": f"Bearer {people['anne']['token']}"}
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        created = await http.post(
            "/api/v1/conversations",
            json={"kind": "direct", "username": "bruno"},
            headers={**anne_auth, "X-Request-ID": "it-create-1"},
        )
        assert created.status_code == 201, created.text
        assert created.headers["X-Request-ID"] == "it-create-1"
        conversation_id = created.json()["id"]
        # Spread over both workers (uvicorn hands connections to either).
        for _ in range(10):
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as fresh:
                listed = await fresh.get("/api/v1/conversations", headers=anne_auth)
                assert listed.status_code == 200

        anne = await open_socket(server, people["anne"]["token"])
        bruno = await open_socket(server, people["bruno"]["token"])
        frame = {
            "type": "message.send",
            "conversation_id": conversation_id,
            "client_id": "m1",
            "body": "Bonjour",
        }
        await anne.send(json.dumps(frame))
        await next_of_type(anne, "message.ack")
        await next_of_type(bruno, "message.new", body="Bonjour")

        scraped = await http.get("/metrics")
        assert scraped.status_code == 200
        during = samples(scraped.text)
        assert value(during, "cercle_websockets_open") == 2
        assert value(during, "cercle_websocket_connections_total") == 2
        assert value(during, "cercle_realtime_events_published_total", type="message.new") >= 1
        assert value(during, "cercle_realtime_deliveries_total") >= 2  # both of Anne's and Bruno's
        listed_count = value(
            during,
            "cercle_http_request_duration_seconds_count",
            route="/api/v1/conversations",
            method="GET",
            status="200",
        )
        assert listed_count == 10
        assert (
            value(
                during,
                "cercle_http_request_duration_seconds_count",
                route="/api/v1/conversations",
                method="POST",
                status="201",
            )
            == 1
        )
        # The task queue, read from the database at scrape time.
        assert ("cercle_tasks_ready", (("queue", "default"),)) in during or not any(
            name == "cercle_tasks_ready" for name, _ in during
        )

        await anne.close()
        await bruno.close()
        for _ in range(50):
            after = samples((await http.get("/metrics")).text)
            if value(after, "cercle_websockets_open") == 0:
                break
            await asyncio.sleep(0.1)
        assert value(after, "cercle_websockets_open") == 0

        # Not from the public (as relayed by a proxy), whichever worker answers.
        hidden = await http.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        assert hidden.status_code == 404

    site.stop()
    lines = [
        json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")
    ]
    access = [line for line in lines if line["logger"] == "cercle.request"]
    create = [line for line in access if line["request_id"] == "it-create-1"]
    assert len(create) == 1
    assert create[0]["route"] == "/api/v1/conversations"
    assert create[0]["status"] == 201
    assert create[0]["method"] == "POST"
    assert create[0]["user_id"] == people["anne"]["id"]
    assert create[0]["duration_ms"] > 0
    # Every access line is one JSON object with the fields operators filter on.
    assert len(access) >= 12
    for line in access:
        assert {"time", "level", "logger", "message", "request_id", "route", "status"} <= set(line)
