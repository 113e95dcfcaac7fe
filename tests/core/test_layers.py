"""The in-memory channel layer (cercle.core.layers) and publishing from worker threads."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import pytest
from asgiref.sync import sync_to_async

from cercle.core import realtime
from cercle.core.layers import InMemoryChannelLayer


async def test_group_send_reaches_every_member_once_and_in_order() -> None:
    layer = InMemoryChannelLayer()
    channels = [await layer.new_channel() for _ in range(50)]
    for channel in channels:
        await layer.group_add("conversation.1", channel)
    await layer.group_add("conversation.2", channels[0])
    for n in range(3):
        await layer.group_send("conversation.1", {"type": "cercle.event", "n": n})
    for channel in channels:
        got = [(await layer.receive(channel))["n"] for _ in range(3)]
        assert got == [0, 1, 2]
    # Nothing else was queued.
    assert all(
        channel not in layer.channels or layer.channels[channel].empty() for channel in channels
    )


async def test_a_full_member_does_not_stop_the_others() -> None:
    layer = InMemoryChannelLayer(capacity=1)
    full, other = await layer.new_channel(), await layer.new_channel()
    await layer.group_add("g", full)
    await layer.group_add("g", other)
    await layer.group_send("g", {"type": "cercle.event", "n": 1})
    await layer.group_send("g", {"type": "cercle.event", "n": 2})  # `full` has no room: dropped
    assert (await layer.receive(full))["n"] == 1
    assert (await layer.receive(other))["n"] == 1


async def test_other_messages_are_deep_copied_events_shallowly() -> None:
    layer = InMemoryChannelLayer()
    channel = await layer.new_channel()
    nested = {"list": [1]}
    await layer.send(channel, {"type": "other", "nested": nested})
    await layer.send(channel, {"type": "cercle.event", "event": nested})
    first, second = await layer.receive(channel), await layer.receive(channel)
    assert first["nested"] == nested and first["nested"] is not nested
    assert second["event"] is nested  # built once by an action, never mutated by a consumer


async def test_a_receiver_that_stops_leaves_no_queue() -> None:
    layer = InMemoryChannelLayer()
    channel = await layer.new_channel()
    waiting = asyncio.create_task(layer.receive(channel))
    await asyncio.sleep(0)
    assert channel in layer.channels
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert channel not in layer.channels


@dataclass(frozen=True)
class Word(realtime.Event):
    type = "test.word"
    n: int
    word: str


async def test_events_published_from_a_worker_thread_arrive_in_order_with_their_text() -> None:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    assert layer is not None
    channel = await layer.new_channel()
    await layer.group_add("user.7", channel)

    def publish() -> None:
        for n in range(20):
            realtime.publish_now(Word(n=n, word="été"), groups=["user.7"])

    await sync_to_async(publish)()  # returns before the events are sent
    received = [await asyncio.wait_for(layer.receive(channel), 2) for _ in range(20)]
    assert [m["event"]["n"] for m in received] == list(range(20))
    assert json.loads(received[3]["text"]) == {"type": "test.word", "n": 3, "word": "été"}
    await layer.group_discard("user.7", channel)
