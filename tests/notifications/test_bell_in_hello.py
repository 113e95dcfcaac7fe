"""The bell's count travels in the socket's `hello` (issue 15): a page no longer asks
`GET /notifications/bell/` after every full page. Real uvicorn, real WebSocket clients: the count
in `hello` is the bell's (`queries.unread_count`: leaves out what I may no longer see), and the
frames that change it carry the new count."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.helpers.server import (
    ServerProcess,
    ServerSite,
    make_people,
    next_of_type,
    open_socket_with_hello,
)

SPACE_CODE = """
from cercle.accounts.models import User
from tests.factories import make_space
anne, bruno = User.objects.get(username="anne"), User.objects.get(username="bruno")
open_space = make_space(kind="private", owner=anne, members=(bruno,))
closed = make_space(kind="private", owner=anne, members=(bruno,))
result = {"open": open_space.pk, "closed": closed.pk}
"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[ServerSite]:
    site = ServerSite(tmp_path)
    site.migrate()
    yield site
    site.stop()


def post(server: ServerProcess, token: str, space_id: int, body: str) -> None:
    created = httpx.post(
        f"{server.url}/api/v1/posts",
        json={"body": body, "space_id": space_id},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert created.status_code == 201, created.text


async def test_hello_brings_the_bells_count_and_frames_keep_it(site: ServerSite) -> None:
    people = make_people(site, ["anne", "bruno"])["people"]
    anne, bruno = people["anne"]["token"], people["bruno"]["token"]
    spaces = site.python(SPACE_CODE)
    server = site.start()

    # Nothing unread: 0 (not absent: the page shows no count without asking).
    socket, hello = await open_socket_with_hello(server, bruno)
    assert hello["unread_notifications"] == 0
    await socket.close()

    # Two mentions, one in a space Bruno then leaves: the bell counts only what he may see.
    post(server, anne, spaces["open"], "@bruno tu peux relire ?")
    post(server, anne, spaces["closed"], "@bruno et celui-ci ?")
    _, hello = await open_socket_with_hello(server, bruno)
    assert hello["unread_notifications"] == 2
    left = httpx.delete(
        f"{server.url}/api/v1/spaces/{spaces['closed']}/members/{people['bruno']['id']}",
        headers={"Authorization": f"Bearer {anne}"},
        timeout=60,
    )
    assert left.status_code == 204, left.text
    socket, hello = await open_socket_with_hello(server, bruno)
    assert hello["unread_notifications"] == 1
    # What the page would have asked over HTTP: the same number.
    counted = httpx.get(
        f"{server.url}/api/v1/notifications/unread-count",
        headers={"Authorization": f"Bearer {bruno}"},
        timeout=60,
    )
    assert counted.json()["unread"] == 1

    # A new mention reaches the open socket with the new count…
    post(server, anne, spaces["open"], "@bruno encore une chose")
    new = await next_of_type(socket, "notification.new", timeout=60)
    assert new["unread"] == 2 and new["kind"] == "mention"
    # …and a socket opened afterwards (the next page) starts from it.
    other, hello = await open_socket_with_hello(server, bruno)
    assert hello["unread_notifications"] == 2

    # Read all (another tab, the API): both sockets lower their bell; the next hello says 0.
    done = httpx.post(
        f"{server.url}/api/v1/notifications/read-all",
        headers={"Authorization": f"Bearer {bruno}"},
        timeout=60,
    )
    assert done.status_code == 200, done.text
    for open_socket in (socket, other):
        read = await next_of_type(open_socket, "notification.read", timeout=60)
        assert read == {"type": "notification.read", "ids": None, "unread": 0}
        await open_socket.close()
    last, hello = await open_socket_with_hello(server, bruno)
    assert hello["unread_notifications"] == 0
    await last.close()
