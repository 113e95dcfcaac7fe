"""`feed.new` and the bell cross uvicorn processes through the real Redis: a post made through the
API on one process reaches a subscribed socket on the other, and nobody who may not see it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.helpers.server import ServerSite, make_people, next_of_type, open_socket

pytestmark = pytest.mark.redis

SPACE_CODE = """
from cercle.accounts.models import User
from tests.factories import make_space
anne, bruno = User.objects.get(username="anne"), User.objects.get(username="bruno")
space = make_space(kind="private", owner=anne, members=(bruno,))
result = {"id": space.pk}
"""


@pytest.fixture
def site(tmp_path: Path, redis_url: str) -> Iterator[ServerSite]:
    redis.Redis.from_url(redis_url).flushdb()
    site = ServerSite(tmp_path, redis_url=redis_url)
    site.migrate()
    yield site
    site.stop()
    redis.Redis.from_url(redis_url).flushdb()


async def test_feed_new_and_bell_cross_processes(site: ServerSite) -> None:
    people = make_people(site, ["anne", "bruno", "chloe"])["people"]
    space_id = site.python(SPACE_CODE)["id"]
    one, two = site.start(), site.start()
    bruno = await open_socket(two, people["bruno"]["token"])
    chloe = await open_socket(two, people["chloe"]["token"])
    for socket in (bruno, chloe):
        await socket.send(json.dumps({"type": "feed.subscribe", "feed": "home"}))
        assert (await next_of_type(socket, "feed.subscribed"))["filter"] == "all"

    async with httpx.AsyncClient(base_url=one.url, timeout=60) as http:
        created = await http.post(
            "/api/v1/posts",
            json={"body": "Hello @bruno", "space_id": space_id},
            headers={"Authorization": f"Bearer {people['anne']['token']}"},
        )
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]
    seen: dict[str, dict[str, object]] = {}
    while len(seen) < 2:  # in either order
        frame = json.loads(await asyncio.wait_for(bruno.recv(decode=True), 5))
        if frame["type"] in ("feed.new", "notification.new"):
            seen[frame["type"]] = frame
    assert seen["feed.new"] == {
        "type": "feed.new",
        "post_id": post_id,
        "space_id": space_id,
        "author_id": people["anne"]["id"],
        "wall_owner_id": None,
    }
    assert seen["notification.new"]["kind"] == "mention"
    # Chloe, not a member of the private space, hears nothing of it.
    with pytest.raises(TimeoutError):
        await next_of_type(chloe, "feed.new", timeout=1)
    await bruno.close()
    await chloe.close()
