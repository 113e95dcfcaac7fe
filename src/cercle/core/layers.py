"""The in-memory channel layer of a single server process, made cheap for large groups.

Channels' `InMemoryChannelLayer` walks every channel and every group membership of the process to
expire old entries on *each* `receive` and `group_send`, deep-copies the message for every
member, and starts one task per member. With 1,000 sockets in a space channel that is a million
steps per message (each of the 1,000 receivers runs the walk again). This subclass:

- expires entries at most once per second (expiry is counted in tens of seconds anyway);
- copies a `cercle.event` message shallowly: its event is built once by an action, never mutated
  by a consumer, and its JSON text (`text`) is already encoded (see `cercle.core.realtime`);
- puts the message in each member's queue directly instead of through one task per member;
- keeps a receiving channel's queue while its consumer waits on it (Channels built a new
  `asyncio.Queue` for every message received and dropped it after), dropping it when the
  consumer stops receiving (its receive is cancelled when the socket closes);
- hands a group's pre-encoded event straight to each local socket that is idle, in one loop
  (`DirectReceiver`), instead of waking one consumer task per socket: with 1,000 sockets in a
  space channel, waking the tasks (a queue get, Channels' `asyncio.wait` over two receive tasks,
  a dispatch) cost as much CPU as writing the frames. A socket that is busy (handling a frame or
  an earlier message) or has messages queued gets it through its queue, so each socket still
  receives its messages in publication order.
- tells a local socket when a group message was dropped for it (its queue was full: `capacity`,
  100 by default), once until it takes a message from its queue again
  (`DirectReceiver.note_dropped`), so that it can have its client catch up (`resync`).

Everything else (capacity, `ChannelFull` dropped for groups, expiry) behaves as in Channels.

`RedisPubSubChannelLayer` (with REDIS_URL, several server processes) is channels-redis's
publish/subscribe layer with the same direct delivery to each process's own sockets.
"""

from __future__ import annotations

import asyncio
import time
from copy import deepcopy
from typing import Any, Protocol

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer
from channels_redis import pubsub as redis_pubsub
from channels_redis.utils import _wrap_close, decode_hosts

from cercle.core.operations import metrics

CLEAN_EVERY = 1.0


def _is_direct(message: Any) -> bool:
    """A published event with its JSON text: what a socket may take at once (`take_now`)."""
    return (
        isinstance(message, dict)
        and message.get("type") == "cercle.event"
        and isinstance(message.get("text"), str)
    )


class DirectReceiver(Protocol):
    """A local socket that may take a `cercle.event` at once (see `cercle.core.consumers`)."""

    def note_received(self) -> None:
        """A message has left the queue for the consumer: it is busy until it has dispatched it."""

    def take_now(self, message: dict[str, Any]) -> bool:
        """Send (or drop, if not for this socket) the event now; False to have it queued."""
        ...

    def note_dropped(self) -> None:
        """A group message for this socket was dropped (its queue is full). Called once, until a
        message leaves the queue again (`note_received`); the receiver must not wait here."""


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    _last_clean = 0.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.receivers: dict[str, DirectReceiver] = {}
        # Receivers told of a drop (`note_dropped`) that have taken nothing from their queue since.
        self.dropped: set[str] = set()

    def add_receiver(self, channel: str, receiver: DirectReceiver) -> None:
        self.receivers[channel] = receiver

    def discard_receiver(self, channel: str) -> None:
        self.receivers.pop(channel, None)
        self.dropped.discard(channel)

    def _clean_expired(self) -> None:
        """Channels' expiry, except that a live socket (a registered receiver) is never taken out
        of its groups behind its back: Channels removed a channel from every group when one of its
        messages expired (a tab whose consumer fell behind once got nothing more, unknowing) and
        ended every group membership a day after it began (a tab left open overnight went deaf).
        A socket's expired messages are dropped and it is told (`note_dropped`); it leaves its
        groups when it closes. Other channels expire as in Channels."""
        now = time.monotonic()
        if now - self._last_clean < CLEAN_EVERY:
            return
        self._last_clean = now
        wall = time.time()
        for channel, queue in list(self.channels.items()):
            expired = False
            while not queue.empty() and queue._queue[0][0] < wall:
                queue.get_nowait()
                expired = True
            if not expired:
                continue
            receiver = self.receivers.get(channel)
            if receiver is not None:
                metrics.DROPS.labels("expired").inc()
            if receiver is None:
                self._remove_from_groups(channel)
                if queue.empty():
                    self.channels.pop(channel, None)
            elif channel not in self.dropped:
                # Its queue stays: the socket's consumer may be about to wait on it.
                self.dropped.add(channel)
                receiver.note_dropped()
        joined_before = int(wall) - self.group_expiry
        for members in self.groups.values():
            for channel, joined in list(members.items()):
                if joined and joined < joined_before and channel not in self.receivers:
                    members.pop(channel, None)

    def _queue(self, channel: str) -> asyncio.Queue[Any]:
        queue: asyncio.Queue[Any] | None = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return queue

    async def receive(self, channel: str) -> dict[str, Any]:
        self.require_valid_channel_name(channel)
        self._clean_expired()
        queue = self._queue(channel)
        try:
            _expires, message = await queue.get()
        except BaseException:
            if queue.empty():
                self.channels.pop(channel, None)
            raise
        receiver = self.receivers.get(channel)
        if receiver is not None:
            self.dropped.discard(channel)
            receiver.note_received()
        result: dict[str, Any] = message
        return result

    def _put(self, channel: str, message: dict[str, Any]) -> None:
        queue = self._queue(channel)
        copied = dict(message) if message.get("type") == "cercle.event" else deepcopy(message)
        try:
            queue.put_nowait((time.time() + self.expiry, copied))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "message is not a dict"
        self.require_valid_channel_name(channel)
        assert "__asgi_channel__" not in message
        self._put(channel, message)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        direct = _is_direct(message)
        receivers = self.receivers
        for channel in list(self.groups.get(group, {})):
            if direct:
                receiver = receivers.get(channel)
                if receiver is not None:
                    queue = self.channels.get(channel)
                    if (queue is None or queue.empty()) and receiver.take_now(message):
                        continue
            try:
                self._put(channel, message)
            except ChannelFull:
                # Dropped, as Channels does for a group; a local socket is told (once).
                metrics.DROPS.labels("queue_full").inc()
                receiver = receivers.get(channel)
                if receiver is not None and channel not in self.dropped:
                    self.dropped.add(channel)
                    receiver.note_dropped()


class _DirectShardConnection(redis_pubsub.RedisSingleShardConnection):
    """Hands a group's event from Redis to the process's idle sockets directly, decoding it once
    (channels-redis queues the encoded message for each socket, which decodes it again)."""

    channel_layer: _DirectLoopLayer

    def _receive_message(self, message: Any) -> None:
        if message is None:
            return
        name, data = message["channel"], message["data"]
        if isinstance(name, bytes):
            name = name.decode()
        layer = self.channel_layer
        if name in layer.channels:
            layer.channels[name].put_nowait(data)
            return
        decoded: Any = None
        for channel in list(layer.groups.get(name, ())):
            queue = layer.channels.get(channel)
            if queue is None:
                continue
            receiver = layer.receivers.get(channel)
            if receiver is not None and queue.empty():
                if decoded is None:
                    decoded = layer.channel_layer.deserialize(data)
                if _is_direct(decoded) and receiver.take_now(decoded):
                    continue
            queue.put_nowait(data)


class _DirectLoopLayer(redis_pubsub.RedisPubSubLoopLayer):
    """channels-redis's per-loop layer. Its queues (`self.channels`) have no capacity, so nothing is
    dropped for a local socket and `DirectReceiver.note_dropped` is never called here."""

    def __init__(self, hosts: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(hosts, *args, **kwargs)
        self._shards = [_DirectShardConnection(host, self) for host in decode_hosts(hosts)]
        self.receivers: dict[str, DirectReceiver] = {}

    def add_receiver(self, channel: str, receiver: DirectReceiver) -> None:
        self.receivers[channel] = receiver

    def discard_receiver(self, channel: str) -> None:
        self.receivers.pop(channel, None)

    async def receive(self, channel: str) -> Any:
        message = await super().receive(channel)
        receiver = self.receivers.get(channel)
        if receiver is not None:
            receiver.note_received()
        return message


class RedisPubSubChannelLayer(redis_pubsub.RedisPubSubChannelLayer):
    """channels-redis's publish/subscribe layer (one PUBLISH per group send, each process hands
    it to its own sockets), with the direct delivery of the in-memory layer above."""

    def _get_layer(self) -> _DirectLoopLayer:
        loop = asyncio.get_running_loop()
        layer: _DirectLoopLayer | None = self._layers.get(loop)
        if layer is None:
            layer = self._layers[loop] = _DirectLoopLayer(
                *self._args, **self._kwargs, channel_layer=self
            )
            _wrap_close(self, loop)
        return layer
