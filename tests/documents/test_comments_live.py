"""A file's comments live: a page subscribed to a file (`documents.subscribe` over the /ws/
socket, WebsocketCommunicator against the real consumer) hears `documents.comments` when a comment
is written, edited or deleted there — only while its person may read the file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import SyncToAsync, sync_to_async
from django.db import connections

from cercle.documents import actions
from cercle.documents.events import DocumentComments, DocumentsSubscribed
from tests.factories import make_user
from tests.helpers.documents import add_file, root_for
from tests.helpers.sockets import connected, drain, next_of_type

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _close_worker_connections() -> Iterator[None]:
    yield
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)


def _comments(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == "documents.comments"]


async def test_a_comment_reaches_those_viewing_the_file_while_they_may_read_it() -> None:
    anne = await sync_to_async(make_user)()
    bruno = await sync_to_async(make_user)()
    carla = await sync_to_async(make_user)()
    document = await sync_to_async(add_file)(anne, await sync_to_async(root_for)(owner=anne))
    other = await sync_to_async(add_file)(anne, await sync_to_async(root_for)(owner=anne), "b.txt")
    share = await sync_to_async(actions.share)(actor=anne, item=document, access="read", user=bruno)
    reader, elsewhere, stranger = (
        await connected(bruno),
        await connected(anne),
        await connected(carla),
    )

    await reader.send_json_to({"type": "documents.subscribe", "id": document.pk})
    answer = await next_of_type(reader, "documents.subscribed")
    assert answer == DocumentsSubscribed(document_id=document.pk).payload()
    await elsewhere.send_json_to({"type": "documents.subscribe", "id": other.pk})
    await next_of_type(elsewhere, "documents.subscribed")
    # Someone who may not read the file: the same answer as for a file that does not exist.
    for wanted in (document.pk, 2**62):
        await stranger.send_json_to({"type": "documents.subscribe", "id": wanted, "ref": 1})
        error = await next_of_type(stranger, "error")
        assert error["code"] == "not_found" and error["ref"] == 1
    await stranger.send_json_to({"type": "documents.subscribe", "id": "12", "ref": 2})
    assert (await next_of_type(stranger, "error"))["code"] == "invalid"

    comment = await sync_to_async(actions.add_comment)(actor=anne, document=document, body="Vu")
    expected = DocumentComments(document_id=document.pk, author_id=anne.pk).payload()
    assert await next_of_type(reader, "documents.comments") == expected
    assert _comments(await drain(elsewhere, timeout=0.3)) == []  # another file's page
    assert _comments(await drain(stranger, timeout=0.3)) == []
    await sync_to_async(actions.edit_comment)(actor=anne, comment=comment, body="Vu et lu")
    assert await next_of_type(reader, "documents.comments") == expected
    await sync_to_async(actions.delete_comment)(actor=anne, comment=comment)
    assert await next_of_type(reader, "documents.comments") == expected

    # The share revoked: nothing more reaches Bruno's open page.
    await sync_to_async(actions.revoke_share)(actor=anne, share=share)
    await sync_to_async(actions.add_comment)(actor=anne, document=document, body="Encore")
    assert _comments(await drain(reader, timeout=0.5)) == []
    # Unsubscribed (null): nothing either.
    await elsewhere.send_json_to({"type": "documents.subscribe", "id": None})
    assert (await next_of_type(elsewhere, "documents.subscribed"))["document_id"] is None
    await sync_to_async(actions.add_comment)(actor=anne, document=other, body="Rien")
    assert _comments(await drain(elsewhere, timeout=0.3)) == []
    for comm in (reader, elsewhere, stranger):
        await comm.disconnect()
