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
  consumer stops receiving (its receive is cancelled when the socket closes).

Everything else (capacity, `ChannelFull` dropped for groups, expiry) behaves as in Channels.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from copy import deepcopy
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer

CLEAN_EVERY = 1.0


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    _last_clean = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_clean < CLEAN_EVERY:
            return
        self._last_clean = now
        super()._clean_expired()

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
        for channel in list(self.groups.get(group, {})):
            with contextlib.suppress(ChannelFull):
                self._put(channel, message)
