"""Direct delivery: the in-memory layer hands a published event straight to idle local sockets
(`DirectReceiver.take_now`), and each socket still gets its messages once and in order."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from cercle.core.layers import InMemoryChannelLayer
from tests.factories import make_group, make_message, make_user
from tests.helpers.sockets import CONNECT_TIMEOUT, connected, drain, next_of_type, slow_socket


def event(n: int) -> dict[str, Any]:
    return {"type": "cercle.event", "event": {"type": "typing", "n": n}, "text": f'{{"n":{n}}}'}


class Recorder:
    """A receiver that takes what it is offered while `accepting`, and counts what it received."""

    def __init__(self, accepting: bool = True) -> None:
        self.accepting = accepting
        self.taken: list[int] = []
        self.received = 0
        self.dropped = 0

    def note_received(self) -> None:
        self.received += 1

    def note_dropped(self) -> None:
        self.dropped += 1

    def take_now(self, message: dict[str, Any]) -> bool:
        if not self.accepting:
            return False
        self.taken.append(message["event"]["n"])
        return True


async def test_idle_receivers_take_events_at_once_and_busy_ones_get_them_queued() -> None:
    layer = InMemoryChannelLayer()
    idle, busy, plain = Recorder(), Recorder(accepting=False), None
    channels = [await layer.new_channel() for _ in range(3)]
    for channel, receiver in zip(channels, (idle, busy, plain), strict=True):
        await layer.group_add("g", channel)
        if receiver is not None:
            layer.add_receiver(channel, receiver)
    await layer.group_send("g", event(1))
    assert idle.taken == [1]
    assert layer.channels.get(channels[0]) is None  # nothing queued for it
    # The busy one and the one without a receiver have it queued; taking it counts as received.
    assert (await layer.receive(channels[1]))["event"]["n"] == 1
    assert busy.received == 1
    assert (await layer.receive(channels[2]))["event"]["n"] == 1


async def test_a_receiver_with_messages_queued_gets_the_next_ones_queued_too() -> None:
    layer = InMemoryChannelLayer()
    receiver = Recorder(accepting=False)
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    layer.add_receiver(channel, receiver)
    await layer.group_send("g", event(1))  # busy: queued
    receiver.accepting = True
    await layer.group_send("g", event(2))  # idle now, but 1 is still waiting: queued behind it
    assert receiver.taken == []
    assert [(await layer.receive(channel))["event"]["n"] for _ in range(2)] == [1, 2]
    await layer.group_send("g", event(3))  # queue empty: taken at once
    assert receiver.taken == [3]


async def test_only_pre_encoded_events_are_offered_and_a_discarded_receiver_is_not() -> None:
    layer = InMemoryChannelLayer()
    receiver = Recorder()
    channel = await layer.new_channel()
    await layer.group_add("g", channel)
    layer.add_receiver(channel, receiver)
    await layer.group_send("g", {"type": "feed.new", "event": {"n": 1}})
    await layer.group_send("g", {"type": "cercle.event", "event": {"type": "typing", "n": 2}})
    layer.discard_receiver(channel)
    await layer.group_send("g", event(3))
    assert receiver.taken == []
    got = [(await layer.receive(channel)) for _ in range(3)]
    assert [m["event"]["n"] for m in got] == [1, 2, 3]


async def test_live_sockets_keep_their_groups_past_expiry_and_are_told_of_expired_messages() -> (
    None
):
    """Channels takes a channel out of every group when one of its messages expires, and ends
    group memberships after `group_expiry`: a live socket keeps its groups (a tab open overnight
    still hears) and is told its expired messages were dropped; other channels expire as before."""
    layer = InMemoryChannelLayer(expiry=60, group_expiry=3600)
    live, gone = await layer.new_channel(), await layer.new_channel()
    receiver = Recorder(accepting=False)  # busy: messages queue
    layer.add_receiver(live, receiver)
    for channel in (live, gone):
        await layer.group_add("g", channel)
    await layer.group_send("g", event(1))
    for channel in (live, gone):  # joined long ago; the message has waited past its expiry
        layer.groups["g"][channel] = 1  # a Unix time of 1
        layer.channels[channel]._queue[0] = (0.0, layer.channels[channel]._queue[0][1])
    layer._last_clean = 0.0
    layer._clean_expired()
    assert set(layer.groups["g"]) == {live}
    assert layer.channels[live].empty() and gone not in layer.channels
    assert receiver.dropped == 1
    layer._last_clean = 0.0
    layer._clean_expired()
    assert receiver.dropped == 1  # once, until it takes a message again
    await layer.group_send("g", event(2))
    assert (await layer.receive(live))["event"]["n"] == 2


@pytest.mark.django_db(transaction=True)
async def test_a_group_message_reaches_every_idle_socket_directly_once() -> None:
    anne, bruno, chloe = [await sync_to_async(make_user)() for _ in range(3)]
    group = await sync_to_async(make_group)(anne, [bruno, chloe])
    sockets = [await connected(person) for person in (anne, bruno, chloe)]
    layer = get_channel_layer()
    assert isinstance(layer, InMemoryChannelLayer)
    assert len(layer.receivers) == 3  # every socket took part as a direct receiver
    message = await sync_to_async(make_message)(anne, group, "Bonjour à tous")
    for socket in sockets:
        frame = await next_of_type(socket, "message.new")
        assert frame["message"]["id"] == message.pk
        assert all(f["type"] != "message.new" for f in await drain(socket))  # once only
    for socket in sockets:
        await socket.disconnect()
    assert layer.receivers == {}


@pytest.mark.django_db(transaction=True)
async def test_a_socket_whose_client_reads_slowly_gets_every_message_in_order() -> None:
    """A send that cannot complete at once (the client's buffer is full) is finished later, and
    what is published meanwhile queues behind it: nothing lost, nothing overtaken."""
    anne, bruno = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    group = await sync_to_async(make_group)(anne, [bruno])
    slow, writable = slow_socket(bruno)
    assert (await slow.connect(timeout=CONNECT_TIMEOUT))[0]
    await drain(slow)
    writable.clear()
    sent = [await sync_to_async(make_message)(anne, group, f"n{n}") for n in range(5)]
    await asyncio.sleep(0.2)
    assert await slow.receive_nothing(timeout=0.1)  # all held behind the full buffer
    writable.set()
    got: list[int] = []
    while len(got) < len(sent):
        got.append((await next_of_type(slow, "message.new"))["message"]["id"])
    assert got == [m.pk for m in sent]
    assert all(f["type"] != "message.new" for f in await drain(slow))
    await slow.disconnect()


async def test_the_redis_layer_hands_events_from_redis_to_idle_receivers_directly(
    redis_url: str,
) -> None:
    from cercle.core.layers import RedisPubSubChannelLayer

    layer = RedisPubSubChannelLayer(hosts=[redis_url], prefix="cercle-test-direct")
    try:
        idle_channel, busy_channel, plain_channel = [await layer.new_channel() for _ in range(3)]
        idle, busy = Recorder(), Recorder(accepting=False)
        for channel in (idle_channel, busy_channel, plain_channel):
            await layer.group_add("g", channel)
        layer.add_receiver(idle_channel, idle)
        layer.add_receiver(busy_channel, busy)
        await layer.group_send("g", event(1))
        await layer.group_send("g", {"type": "feed.new", "event": {"n": 2}})
        for channel in (busy_channel, plain_channel):
            got = [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(2)]
            assert [m["event"]["n"] for m in got] == [1, 2]
        assert busy.received == 2  # counted as in the consumer's hands when taken from the queue
        assert idle.taken == [1]  # the other message type went through its queue
        assert (await asyncio.wait_for(layer.receive(idle_channel), 5))["event"]["n"] == 2
        layer.discard_receiver(idle_channel)
        await layer.group_send("g", event(3))
        assert (await asyncio.wait_for(layer.receive(idle_channel), 5))["event"]["n"] == 3
        assert idle.taken == [1]
    finally:
        await layer.flush()
