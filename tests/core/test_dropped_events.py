"""Events dropped under overload are made visible: when the in-memory layer drops a group message
for a local socket (its queue is full), the socket is told (`DirectReceiver.note_dropped`) and its
client gets one `resync` frame, after which a `sync` gives back every message it missed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers, get_channel_layer

from cercle.core.layers import InMemoryChannelLayer
from tests.factories import make_group, make_message, make_user
from tests.helpers.sockets import CONNECT_TIMEOUT, drain, slow_socket

CAPACITY = 3


def event(n: int) -> dict[str, Any]:
    return {"type": "cercle.event", "event": {"type": "typing", "n": n}, "text": f'{{"n":{n}}}'}


class Busy:
    """A receiver that is always busy (never takes an event at once) and counts what it is told."""

    def __init__(self) -> None:
        self.received = 0
        self.dropped = 0

    def note_received(self) -> None:
        self.received += 1

    def take_now(self, message: dict[str, Any]) -> bool:
        return False

    def note_dropped(self) -> None:
        self.dropped += 1


async def test_a_full_receiver_is_told_once_per_burst_of_drops() -> None:
    layer = InMemoryChannelLayer(capacity=1)
    told, plain = Busy(), None
    channels = [await layer.new_channel() for _ in range(2)]
    for channel, receiver in zip(channels, (told, plain), strict=True):
        await layer.group_add("g", channel)
        if receiver is not None:
            layer.add_receiver(channel, receiver)
    for n in range(5):  # 1 queued, 4 dropped
        await layer.group_send("g", event(n))
    assert told.dropped == 1
    assert (await layer.receive(channels[0]))["event"]["n"] == 0
    # Room again: the next message is queued, and the next drop is a new burst, told again.
    for n in range(5, 8):
        await layer.group_send("g", event(n))
    assert told.dropped == 2
    assert (await layer.receive(channels[0]))["event"]["n"] == 5
    # A channel without a receiver drops silently, as in Channels; a discarded receiver is not told.
    assert (await layer.receive(channels[1]))["event"]["n"] == 0
    layer.discard_receiver(channels[0])
    for n in range(8, 11):
        await layer.group_send("g", event(n))
    assert told.dropped == 2


async def test_messages_sent_to_a_channel_are_not_group_drops() -> None:
    """`send` to a full channel raises `ChannelFull` to its sender, who knows: nobody is told."""
    from channels.exceptions import ChannelFull

    layer = InMemoryChannelLayer(capacity=1)
    receiver = Busy()
    channel = await layer.new_channel()
    layer.add_receiver(channel, receiver)
    await layer.send(channel, event(1))
    with pytest.raises(ChannelFull):
        await layer.send(channel, event(2))
    assert receiver.dropped == 0


@pytest.fixture
def small_layer(settings: Any) -> None:
    """The in-memory layer with room for CAPACITY messages per channel. Channels keeps its layers
    in `channel_layers.backends` and forgets them when CHANNEL_LAYERS changes (setting_changed),
    here and when the fixture restores the setting."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "cercle.core.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": CAPACITY},
        }
    }
    layer = get_channel_layer()
    assert isinstance(layer, InMemoryChannelLayer)
    assert layer.capacity == CAPACITY
    assert channel_layers.backends["default"] is layer


async def flood(sender: Any, group: Any, count: int) -> list[Any]:
    return [await sync_to_async(make_message)(sender, group, f"n{n}") for n in range(count)]


@pytest.mark.django_db(transaction=True)
async def test_a_socket_that_falls_behind_gets_one_resync_and_sync_gives_every_message(
    small_layer: None,
) -> None:
    anne, bruno = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    group = await sync_to_async(make_group)(anne, [bruno])
    slow, writable = slow_socket(bruno)
    assert (await slow.connect(timeout=CONNECT_TIMEOUT))[0]
    hello = await slow.receive_json_from()
    assert hello["type"] == "hello"
    before = hello["last_message_id"]
    await drain(slow)

    async def overload(count: int) -> tuple[list[Any], list[dict[str, Any]]]:
        """Messages published while the client reads nothing, then every frame it gets."""
        writable.clear()
        sent = await flood(anne, group, count)
        await asyncio.sleep(0.2)
        writable.set()
        return sent, await drain(slow, timeout=0.3)

    sent, frames = await overload(4 * CAPACITY)
    kinds = [f["type"] for f in frames]
    live = [f["message"]["id"] for f in frames if f["type"] == "message.new"]
    assert kinds.count("resync") == 1  # once, not once per message dropped
    assert len(live) < len(sent)  # some were dropped for this socket …
    assert live == sorted(live)
    # … and it is told after the message it was handling, with what was queued still to come.
    assert 0 < kinds.index("resync") < len(kinds) - 1

    # What the client does then, as after a reconnection: everything comes back, in order.
    await slow.send_json_to({"type": "sync", "after": before})
    result = await slow.receive_json_from(timeout=2)
    assert result["type"] == "sync.result"
    assert [m["id"] for m in result["messages"]] == [m.pk for m in sent]
    assert result["more"] is False

    # Having asked `sync`, the client is told again at the next overload (once again).
    sent_again, frames = await overload(4 * CAPACITY)
    assert [f["type"] for f in frames].count("resync") == 1
    await slow.send_json_to({"type": "sync", "after": sent[-1].pk})
    result = await slow.receive_json_from(timeout=2)
    # (led by the look-back's few messages written just before `after`, which the client has)
    new = [m["id"] for m in result["messages"] if m["id"] > sent[-1].pk]
    assert new == [m.pk for m in sent_again]

    # A socket that keeps up is never told.
    writable.set()
    await flood(anne, group, 2 * CAPACITY)
    frames = await drain(slow, timeout=0.3)
    assert [f["type"] for f in frames].count("resync") == 0
    assert len([f for f in frames if f["type"] == "message.new"]) == 2 * CAPACITY
    await slow.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_second_overload_before_the_client_syncs_is_not_told_again(
    small_layer: None,
) -> None:
    """Until the client asks `sync`, which will cover the later drops too, one resync is enough."""
    anne, bruno = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    group = await sync_to_async(make_group)(anne, [bruno])
    slow, writable = slow_socket(bruno)
    assert (await slow.connect(timeout=CONNECT_TIMEOUT))[0]
    await drain(slow)
    frames: list[dict[str, Any]] = []
    for _ in range(2):
        writable.clear()
        await flood(anne, group, 4 * CAPACITY)
        await asyncio.sleep(0.2)
        writable.set()
        frames += await drain(slow, timeout=0.3)
    assert [f["type"] for f in frames].count("resync") == 1
    await slow.disconnect()
