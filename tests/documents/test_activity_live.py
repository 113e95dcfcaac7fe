"""An activity post that grows ("Anne added 4 files to Atelier" after 3) reaches the walls open
on it at once: `feed.updated` over the /ws/ socket (WebsocketCommunicator against the real
consumer), to whoever may see it, and the page's script draws the post again from its page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import SyncToAsync, sync_to_async
from django.db import connections
from django.test import Client

from cercle.documents.activity import FILES_ADDED
from cercle.feed.events import FeedUpdated
from cercle.feed.models import Post
from tests.factories import make_space, make_user
from tests.helpers.documents import add_file, root_for
from tests.helpers.sockets import connected, drain, next_of_type

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _close_worker_connections() -> Iterator[None]:
    yield
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)


def _updates(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == "feed.updated"]


async def test_more_files_in_an_activity_post_reach_open_walls_without_reload() -> None:
    anne, member, outsider = (
        await sync_to_async(make_user)(),
        await sync_to_async(make_user)(),
        await sync_to_async(make_user)(),
    )
    space = await sync_to_async(make_space)(owner=anne, members=(member,), kind="private")
    root = await sync_to_async(root_for)(space)
    upload = sync_to_async(add_file)
    await upload(anne, root, "un.txt")
    post = await sync_to_async(Post.objects.get)(space=space, activity_kind=FILES_ADDED)
    wall, home, stranger, own = (
        await connected(member),
        await connected(member),
        await connected(outsider),
        await connected(anne),
    )
    for comm, frame in (
        (wall, {"feed": "space", "id": space.pk}),
        (home, {"feed": "home"}),
        (stranger, {"feed": "home"}),
        (own, {"feed": "space", "id": space.pk}),
    ):
        await comm.send_json_to({"type": "feed.subscribe", **frame})
        await next_of_type(comm, "feed.subscribed")
    await upload(anne, root, "deux.txt")
    expected = FeedUpdated(
        post_id=post.pk, space_id=space.pk, author_id=anne.pk, wall_owner_id=None
    ).payload()
    for comm in (wall, home, own):  # the author's other tab too
        assert await next_of_type(comm, "feed.updated") == expected
    assert _updates(await drain(stranger, timeout=0.3)) == []
    # It grew: no "new post" for it.
    assert not [f for f in await drain(wall, timeout=0.3) if f["type"] == "feed.new"]
    # The same file again (nothing added): nothing sent.
    await sync_to_async(add_file)(anne, root, "deux.txt", b"v2\n")  # a new version
    assert _updates(await drain(wall, timeout=0.3)) == []
    for comm in (wall, home, stranger, own):
        await comm.disconnect()
    # What the page's script reads back: the post's page, with its heading saying 2 files.
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    await sync_to_async(client.force_login)(member)
    page = (await sync_to_async(client.get)(f"/posts/{post.pk}/")).content.decode()
    assert f'id="post-{post.pk}"' in page and "added 2 files to" in page
