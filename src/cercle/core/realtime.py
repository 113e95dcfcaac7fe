"""Realtime events, and publishing them to browser tabs once the transaction commits.

Each event type the server sends on the socket is declared once, as a frozen dataclass subclassing
`Event` in the `events.py` of the app that emits it (`cercle.core.events` for the socket's own
frames: `hello`, `pong`, `error`, `resync`): its class attribute `type` is the frame's type, its
fields the frame's fields (JSON-able values). Publishers build these objects; `payload()` is the
frame. docs/realtime.md is checked against the declarations (tests/core/test_realtime_docs.py).

Groups: `user.<id>` (every tab of one person) and `conversation.<id>` (every tab of every member of
a conversation; the socket joins it on connect and when the person is added). The feed's groups and
messages (`feed.new`, `feed.resync`, filtered by the socket) are in `cercle.feed.events`, sent with
`send_now`. Only actions publish.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import weakref
from collections import deque
from collections.abc import Iterable
from dataclasses import fields
from typing import Any, ClassVar

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from cercle.core.operations import metrics
from cercle.core.operations.context import request_id_var

logger = logging.getLogger(__name__)

# Each event is encoded to JSON once, when it is published (`text` in the layer message), not once
# per receiving socket. Published from a worker thread of a server process (a socket's or a view's
# database work), the event is handed to the process's event loop and sent from there, in order,
# without the thread waiting: that thread runs every database call of the process, and a send to
# a 1,000-member group (or a Redis round trip) would otherwise hold it.
# Per event loop: layer messages waiting to be sent, in publication order.
_Pending = deque[tuple[Any, list[str], dict[str, Any]]]
_PENDING: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Pending] = (
    weakref.WeakKeyDictionary()
)
_DRAINING: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]] = (
    weakref.WeakKeyDictionary()
)


# Every declared event class, by its type (`Event.__init_subclass__`).
EVENT_TYPES: dict[str, type[Event]] = {}


class Event:
    """A realtime event: subclass it as a `@dataclass(frozen=True)` with a class attribute `type`
    (the frame's `"type"`, not a field) and one field per frame field, e.g.

        @dataclass(frozen=True)
        class PostLiked(Event):
            type = "post.liked"
            post_id: int
            count: int

    A type is declared once: a second class with the same type is an error at import."""

    type: ClassVar[str]
    # Fields left out of the frame when they are None (e.g. an error's `ref`).
    omit_when_none: ClassVar[frozenset[str]] = frozenset()
    # False for an event the socket acts on but never passes to its client.
    to_client: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        kind = cls.__dict__.get("type")
        if not isinstance(kind, str):
            return  # a base for several event types (e.g. the reactions'): declares none
        known = EVENT_TYPES.get(kind)
        name = f"{cls.__module__}.{cls.__qualname__}"
        if known is not None and f"{known.__module__}.{known.__qualname__}" != name:
            raise TypeError(
                f"realtime event type {kind!r} declared twice: "
                f"{known.__module__}.{known.__qualname__} and {name}"
            )
        EVENT_TYPES[kind] = cls

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The frame's fields but `type`, in declaration order."""
        names: tuple[str, ...] | None = cls.__dict__.get("_field_names")
        if names is None:
            names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
            cls._field_names = names  # type: ignore[attr-defined]
        return names

    def payload(self) -> dict[str, Any]:
        """The JSON frame: `{"type": ..., <field>: <value>, ...}`."""
        frame: dict[str, Any] = {"type": self.type}
        omit = self.omit_when_none
        for name in self.field_names():
            value = getattr(self, name)
            if value is None and name in omit:
                continue
            frame[name] = value
        return frame


def redis_url() -> str:
    """The Redis that the cache uses (scale-out: presence, the socket's rate limit), else "" (one
    process, memory)."""
    cache = settings.CACHES.get("default", {})
    if cache.get("BACKEND", "").endswith("RedisCache"):
        return str(cache.get("LOCATION", ""))
    return ""


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def _message(event: Event) -> dict[str, Any]:
    """The layer message: the event's frame, and its JSON text that consumers send as it is
    (encoded once here, whatever the number of groups and sockets)."""
    frame = event.payload()
    metrics.EVENTS_PUBLISHED.labels(event.type).inc()
    message = {
        "type": "cercle.event",
        "event": frame,
        "text": json.dumps(frame, separators=(",", ":"), ensure_ascii=False),
    }
    # The request (or socket frame) that caused it: log lines of the sockets handling it carry it.
    request_id = request_id_var.get()
    if request_id is not None:
        message["request_id"] = request_id
    return message


def _main_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop of this process that the current worker thread serves, if any."""
    local = SyncToAsync.threadlocal
    if getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    loop: asyncio.AbstractEventLoop | None = getattr(local, "main_event_loop", None)
    if loop is None or loop.is_closed() or not loop.is_running():
        return None
    return loop


def _enqueue(layer: Any, groups: list[str], message: dict[str, Any]) -> None:
    """On the loop: queue a message; one drain task per loop sends them in order."""
    loop = asyncio.get_running_loop()
    pending = _PENDING.get(loop)
    if pending is None:
        pending = _PENDING[loop] = deque()
    pending.append((layer, groups, message))
    task = _DRAINING.get(loop)
    if task is None or task.done():
        # A fresh context, not the publishing thread's: sockets' sends run in this task now
        # (`cercle.core.layers`), and that thread's context is inside a database call.
        _DRAINING[loop] = loop.create_task(_drain(pending), context=contextvars.Context())


async def _drain(pending: _Pending) -> None:
    """Send the queued messages in order; ends when the queue is empty (a new one starts then)."""
    while pending:
        layer, groups, message = pending.popleft()
        token = request_id_var.set(message.get("request_id"))
        try:
            for group in groups:
                try:
                    await layer.group_send(group, message)
                except Exception:
                    metrics.DROPS.labels("publish_failed").inc()
                    logger.exception("realtime event to %s not sent", group)
        finally:
            request_id_var.reset(token)


async def flush(timeout: float = 10.0) -> int:
    """Wait until the events queued on this loop are sent (the drain task is done), at most
    `timeout` seconds; the number left unsent (0 normally). Called when the server stops
    (`cercle.core.lifespan`): the drain is a task nobody awaits, so without this an event
    published by the last requests and frames — a message stored and acknowledged, or stored
    while its socket was being closed — could die with the loop, never reaching the other
    processes' sockets."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        task = _DRAINING.get(loop)
        if task is None or task.done():
            await asyncio.sleep(0)  # a publish handed over from a thread may still be arriving
            task = _DRAINING.get(loop)
            if task is None or task.done():
                return len(_PENDING.get(loop) or ())
        left = deadline - loop.time()
        if left <= 0:
            return len(_PENDING.get(loop) or ()) + 1
        await asyncio.wait({task}, timeout=left)


def send_now(message: dict[str, Any], *, groups: Iterable[str]) -> None:
    """Send a channel-layer `message` (its "type" names the socket's handler) to the groups, from
    synchronous code: handed to the process's event loop from one of its worker threads, queued
    on the loop when called from a thread running one (async_to_sync cannot be used there), else
    sent through async_to_sync (a management command, a task worker)."""
    layer = get_channel_layer()
    if layer is None:
        return
    groups = list(groups)
    loop = _main_loop()
    if loop is not None:
        loop.call_soon_threadsafe(_enqueue, layer, groups, message)
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        _enqueue(layer, groups, message)
        return
    for group in groups:
        async_to_sync(layer.group_send)(group, message)


def publish_now(event: Event, *, groups: Iterable[str]) -> None:
    """Send `event` to the groups at once (for ephemeral events that store nothing)."""
    send_now(_message(event), groups=groups)


async def apublish_now(event: Event, *, groups: Iterable[str]) -> None:
    """`publish_now` from async code (the consumer's typing and presence)."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = _message(event)
    for group in groups:
        await layer.group_send(group, message)


def publish_on_commit(
    event: Event,
    *,
    user_ids: Iterable[int] = (),
    conversation_ids: Iterable[int] = (),
) -> None:
    """Send `event` to each person's and each conversation's group after commit; nothing is
    sent when the transaction rolls back."""
    groups = [user_group(user_id) for user_id in sorted(set(user_ids))]
    groups += [conversation_group(cid) for cid in sorted(set(conversation_ids))]

    transaction.on_commit(lambda: publish_now(event, groups=groups))


def publish_each_on_commit(events: Iterable[tuple[Event, int]]) -> None:
    """Many events, each to one person's group (`(event, user_id)` pairs), after commit: handed
    over together — one call to the event loop, or one `async_to_sync` in a task worker — where
    `publish_on_commit` per event costs a thread start each outside a server (a notification
    fan-out to 5,000 members spent more time there than in the database)."""
    batch = [(_message(event), [user_group(user_id)]) for event, user_id in events]
    if batch:
        transaction.on_commit(lambda: _send_batch(batch))


def _send_batch(batch: list[tuple[dict[str, Any], list[str]]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _main_loop()
    if loop is not None:
        for message, groups in batch:
            loop.call_soon_threadsafe(_enqueue, layer, groups, message)
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        for message, groups in batch:
            _enqueue(layer, groups, message)
        return

    async def send_all() -> None:
        for message, groups in batch:
            for group in groups:
                try:
                    await layer.group_send(group, message)
                except Exception:
                    metrics.DROPS.labels("publish_failed").inc()
                    logger.exception("realtime event to %s not sent", group)

    async_to_sync(send_all)()
