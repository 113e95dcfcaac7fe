"""A socket cut mid-conversation: what was sent meanwhile comes back with `sync`, in order, once;
a send retried after the cut (same client id) is stored once."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from cercle.chat.models import Message
from tests.factories import make_direct, make_user
from tests.helpers.sockets import connected, next_of_type

pytestmark = pytest.mark.django_db(transaction=True)


async def test_reconnect_then_sync_loses_and_doubles_nothing() -> None:
    anne, bruno = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    conversation = await sync_to_async(make_direct)(anne, bruno)
    a, b = await connected(anne), await connected(bruno)

    def send_frame(n: int) -> dict[str, Any]:
        return {
            "type": "message.send",
            "conversation_id": conversation.pk,
            "client_id": f"a-{n}",
            "body": f"message {n}",
        }

    seen: list[int] = []
    for n in range(3):
        await a.send_json_to(send_frame(n))
        seen.append((await next_of_type(b, "message.new"))["message"]["id"])
    last_seen = seen[-1]

    # Bruno's network goes away; Anne keeps writing.
    await b.disconnect()
    for n in range(3, 8):
        await a.send_json_to(send_frame(n))
        await next_of_type(a, "message.ack")
    # Anne's acknowledgement of message 7 was "lost": she retries it after her own reconnect.
    await a.disconnect()
    a = await connected(anne)
    await a.send_json_to(send_frame(7))
    retry = await next_of_type(a, "message.ack")
    assert retry["duplicate"] is True

    b = await connected(bruno)
    await b.send_json_to({"type": "sync", "after": last_seen})
    result = await next_of_type(b, "sync.result")
    new = [m["body"] for m in result["messages"] if m["id"] > last_seen]
    assert new == [f"message {n}" for n in range(3, 8)]
    # Led by the look-back (messages of lower id written just before `last_seen`): ones Bruno has;
    # the page keeps one of each id.
    again = [m["id"] for m in result["messages"] if m["id"] <= last_seen]
    assert again == [id for id in seen if id < last_seen]
    ids = [m["id"] for m in result["messages"]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) == 7
    assert await sync_to_async(Message.objects.count)() == 8
    # Live delivery resumes after the sync.
    await a.send_json_to(send_frame(8))
    assert (await next_of_type(b, "message.new"))["message"]["body"] == "message 8"
    await a.disconnect()
    await b.disconnect()


async def test_sync_pages_through_long_absences(settings: Any) -> None:
    from cercle.chat import queries

    anne, bruno = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    conversation = await sync_to_async(make_direct)(anne, bruno)
    from tests.factories import make_message

    for n in range(7):
        await sync_to_async(make_message)(anne, conversation, f"m{n}")
    first = await sync_to_async(queries.messages_since)(bruno, 0, limit=5)
    assert [m.body for m in first.messages] == [f"m{n}" for n in range(5)] and first.more
    rest = await sync_to_async(queries.messages_since)(bruno, first.messages[-1].pk, limit=5)
    after = [m.body for m in rest.messages if m.pk > first.messages[-1].pk]
    assert after == ["m5", "m6"] and not rest.more
    # The look-back brings the first page again but its last (written within seconds): no
    # message is lost.
    assert [m.body for m in rest.messages if m.pk <= first.messages[-1].pk] == [
        f"m{n}" for n in range(4)
    ]
