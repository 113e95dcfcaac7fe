"""Two uvicorn processes sharing events through the real Redis: messages, typing and presence
cross from a client on one process to a client on the other."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from websockets.asyncio.client import connect

from cercle.chat.events import Presence
from tests.helpers.server import ServerProcess, ServerSite, make_people, next_of_type, open_socket

pytestmark = pytest.mark.redis


@pytest.fixture
def site(tmp_path: Path, redis_url: str) -> Iterator[ServerSite]:
    redis.Redis.from_url(redis_url).flushdb()
    site = ServerSite(tmp_path, redis_url=redis_url)
    site.migrate()
    yield site
    site.stop()
    redis.Redis.from_url(redis_url).flushdb()


async def test_messages_typing_and_presence_cross_processes(site: ServerSite) -> None:
    people = make_people(site, ["anne", "bruno"])["people"]
    one, two = site.start(), site.start()
    async with httpx.AsyncClient(base_url=one.url, timeout=60) as http:
        created = await http.post(
            "/api/v1/conversations",
            json={"kind": "direct", "username": "bruno"},
            headers={"Authorization": f"Bearer {people['anne']['token']}"},
        )
    assert created.status_code == 201, created.text
    conversation_id = created.json()["id"]

    anne = await open_socket(one, people["anne"]["token"])
    bruno = await open_socket(two, people["bruno"]["token"])
    # Bruno came online on process two: Anne, on process one, is told.
    online = await next_of_type(anne, "presence")
    assert online == Presence(user_id=people["bruno"]["id"], status="online").payload()

    await anne.send(
        json.dumps(
            {
                "type": "message.send",
                "conversation_id": conversation_id,
                "client_id": "x1",
                "body": "Bonjour",
            }
        )
    )
    ack = await next_of_type(anne, "message.ack")
    received = await next_of_type(bruno, "message.new", body="Bonjour")
    assert received["message"]["id"] == ack["message"]["id"]
    assert received["message"]["body"] == "Bonjour"

    await bruno.send(json.dumps({"type": "typing", "conversation_id": conversation_id}))
    typing = await next_of_type(anne, "typing")
    assert typing["user"]["id"] == people["bruno"]["id"]

    # Idle for longer than channels-redis's blocking receive (5 s): the sockets stay alive.
    await asyncio.sleep(7)
    await bruno.send(
        json.dumps(
            {
                "type": "message.send",
                "conversation_id": conversation_id,
                "client_id": "y1",
                "body": "Salut",
            }
        )
    )
    await next_of_type(anne, "message.new", body="Salut")

    # An API send on process one is delivered to Bruno on process two.
    async with httpx.AsyncClient(base_url=one.url, timeout=60) as http:
        sent = await http.post(
            f"/api/v1/conversations/{conversation_id}/messages",
            json={"client_id": "api-1", "body": "Par l'API"},
            headers={"Authorization": f"Bearer {people['anne']['token']}"},
        )
    assert sent.status_code == 201
    await next_of_type(bruno, "message.new", body="Par l'API")

    await bruno.send(json.dumps({"type": "read", "conversation_id": conversation_id}))
    receipt = await next_of_type(anne, "conversation.read")
    assert receipt["user_id"] == people["bruno"]["id"]

    await bruno.close()
    await anne.close()


async def test_going_offline_crosses_processes(site: ServerSite) -> None:
    people = make_people(site, ["chloe", "david"])["people"]
    one, two = site.start(), site.start()
    async with httpx.AsyncClient(base_url=one.url, timeout=60) as http:
        created = await http.post(
            "/api/v1/conversations",
            json={"kind": "direct", "username": "david"},
            headers={"Authorization": f"Bearer {people['chloe']['token']}"},
        )
    assert created.status_code == 201
    chloe = await open_socket(one, people["chloe"]["token"])
    david = await open_socket(two, people["david"]["token"])
    assert (await next_of_type(chloe, "presence"))["status"] == "online"
    await david.send(json.dumps({"type": "presence", "status": "away"}))
    assert (await next_of_type(chloe, "presence"))["status"] == "away"
    await david.close()
    offline = await next_of_type(chloe, "presence")
    assert offline == Presence(user_id=people["david"]["id"], status="offline").payload()
    await chloe.close()


async def start_direct(server: ServerProcess, token: str, username: str) -> int:
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        created = await http.post(
            "/api/v1/conversations",
            json={"kind": "direct", "username": username},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert created.status_code == 201, created.text
    conversation_id: int = created.json()["id"]
    return conversation_id


async def test_presence_expires_when_a_process_dies(site: ServerSite) -> None:
    """A process killed with its sockets open never runs their cleanup: the person it served must
    still go offline (their sockets expire) and be announced so, while the sockets of a live
    process outlive the expiry time thanks to its heartbeat."""
    site.extra_env["CERCLE_PRESENCE_TTL"] = "3"
    people = make_people(site, ["emma", "felix"])["people"]
    one, two = site.start(), site.start()
    await start_direct(one, people["emma"]["token"], "felix")
    emma = await open_socket(one, people["emma"]["token"])
    felix = await open_socket(two, people["felix"]["token"])
    assert (await next_of_type(emma, "presence"))["status"] == "online"

    two.process.kill()  # SIGKILL: no disconnect, no cleanup
    two.process.wait(5)
    offline = await next_of_type(emma, "presence", timeout=15)
    assert offline == Presence(user_id=people["felix"]["id"], status="offline").payload()
    del felix

    # Emma's socket on the live process has been open for longer than the expiry time.
    assert await status_seen_by(one, people["felix"]["token"], people["emma"]["id"]) == "online"
    await emma.close()


async def status_seen_by(server: ServerProcess, token: str, user_id: int) -> str:
    """The presence of `user_id` in the hello of a new socket."""
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
        response = await http.post(
            "/api/v1/realtime/ticket", headers={"Authorization": f"Bearer {token}"}
        )
    ticket = response.json()["ticket"]
    async with connect(f"{server.ws_url}?ticket={ticket}", origin=server.url) as socket:  # type: ignore[arg-type]
        hello = json.loads(await socket.recv(decode=True))
    status: str = hello["presence"][str(user_id)]
    return status


async def test_rate_limit_is_shared_by_the_processes(site: ServerSite) -> None:
    """One budget per person across processes: 4 frames per hour, two on each process, then the
    fifth is refused wherever it comes from."""
    import time

    site.extra_env["CERCLE_SOCKET_RATE"] = "4/3600"
    if 3600 - time.time() % 3600 < 30:  # not across the window's end
        await asyncio.sleep(3600 - time.time() % 3600 + 1)
    people = make_people(site, ["gina"])["people"]
    one, two = site.start(), site.start()
    first = await open_socket(one, people["gina"]["token"])
    second = await open_socket(two, people["gina"]["token"])
    for socket in (first, first, second, second):
        await socket.send(json.dumps({"type": "ping"}))
        await next_of_type(socket, "pong")
    await second.send(json.dumps({"type": "ping", "ref": "5"}))
    refused = await next_of_type(second, "error")
    assert refused["code"] == "rate_limited", refused
    assert refused["retry_after"] > 0
    await first.send(json.dumps({"type": "ping", "ref": "6"}))
    assert (await next_of_type(first, "error"))["code"] == "rate_limited"
    await first.close()
    await second.close()
