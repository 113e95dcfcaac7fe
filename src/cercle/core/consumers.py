"""The one WebSocket per browser tab, at /ws/: the base consumer each module plugs its part into.

Authenticated by the session cookie, or by a one-use ticket (`/ws/?ticket=...`, `cercle.core.actions
.redeem_ticket`) for API clients; refused otherwise (close code 4401). The socket joins `user.<id>`.

The modules' parts: each module that needs the socket writes a mixin subclassing `SocketPart` (e.g.
`cercle.chat.consumers.ChatSocketMixin`), declaring the client frames it handles (`frames`), the
events the channel layer may hand straight to an idle socket (`direct_events`), its fields of
`hello` (`hello_part`), and its hooks: `part_connect` (join its groups), `part_disconnect`,
`part_follow` (follow an event that changes its state), `part_keeps` (whether this tab shows an
event). The socket itself is assembled at the top, `cercle.routing.Socket`, from those mixins and
`RealtimeConsumer`, which unions their declarations when the class is made and calls each part's
hooks in turn. Core imports no module.

Every client frame is a JSON object with a `type`. A bad frame (binary, too large, not JSON, no or
unknown type), a refused action, or a client over its rate limit gets `{"type": "error", ...}` and
changes nothing; an unexpected failure is logged and answered the same way, so no frame can take
the socket — or anyone else's — down.

When the channel layer drops events for the socket (its queue is full: the socket cannot keep up),
the client gets one `{"type": "resync"}` frame and catches up as after a reconnection (a part's
catch-up frame, chat's `sync`, calls `caught_up`).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import json
import logging
import os
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from cercle.core import actions
from cercle.core.events import (
    AccountDeactivated,
    Error,
    Hello,
    HelloPart,
    Pong,
    Resync,
    SessionsEnded,
)
from cercle.core.operations import metrics
from cercle.core.operations.context import new_request_id, request_id_var, user_id_var
from cercle.core.realtime import Event, redis_url, user_group

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 32 * 1024
# Frames per person (all their sockets together) in a window of seconds.
DEFAULT_RATE_LIMIT = (60, 10)

# After a `resync` frame, further drops are not told again until the client asks `sync` (which
# covers them: the dropped events' changes were committed before they were published) or for this
# many seconds (a client that catches up otherwise, or not at all).
RESYNC_QUIET = 10.0

# (person id, window, window number) → frames counted, when there is no Redis (one process).
_RATE_COUNTS: dict[tuple[int, int, int], int] = {}
# With REDIS_URL: one client per event loop, counting in Redis for every process together.
_RATE_REDIS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()

Handler = Callable[[dict[str, Any]], Awaitable[None]]


def rate_limit() -> tuple[int, int]:
    """(frames, seconds): the CERCLE_SOCKET_RATE_LIMIT setting, else the CERCLE_SOCKET_RATE
    environment variable ("60/10"), else 60 frames per 10 seconds."""
    value = getattr(settings, "CERCLE_SOCKET_RATE_LIMIT", None)
    if value is None:
        frames, _, seconds = os.environ.get("CERCLE_SOCKET_RATE", "").partition("/")
        try:
            value = (int(frames), int(seconds))
        except ValueError:
            value = DEFAULT_RATE_LIMIT
    return int(value[0]), max(1, int(value[1]))


def _rate_redis() -> Any:
    url = redis_url()
    if not url:
        return None
    loop = asyncio.get_running_loop()
    client = _RATE_REDIS.get(loop)
    if client is None:
        import redis.asyncio

        client = _RATE_REDIS[loop] = redis.asyncio.Redis.from_url(url, socket_timeout=2)
    return client


def _count_here(user_id: int, window: int, slot: int) -> int:
    key = (user_id, window, slot)
    count = _RATE_COUNTS.get(key, 0) + 1
    _RATE_COUNTS[key] = count
    if len(_RATE_COUNTS) > 10_000:
        for old in [k for k in _RATE_COUNTS if k[2] < slot]:
            del _RATE_COUNTS[old]
    return count


async def count_frame(user_id: int, window: int, slot: int) -> int:
    """Frames of this person in this window so far, this one included: in Redis (shared by every
    server process, one round trip from the event loop) when there is one, else in memory."""
    client = _rate_redis()
    if client is not None:
        name = f"cercle:socket-rate:{user_id}:{window}:{slot}"
        try:
            async with client.pipeline(transaction=False) as pipe:
                pipe.incr(name)
                pipe.expire(name, window + 1)
                replies = await pipe.execute()
            return int(replies[0])
        except Exception:
            logger.warning("rate limit: Redis unreachable, counting in this process")
    return _count_here(user_id, window, slot)


@database_sync_to_async
def _redeem_ticket(key: str) -> Any:
    return actions.redeem_ticket(key=key)


def _set_ready(ready: asyncio.Future[None], _done: Any) -> None:
    if not ready.done():
        ready.set_result(None)


async def _finish_send(coro: Any, waiting: Any) -> None:
    """Drive to its end a send coroutine that suspended on its first step (`take_now` ran that
    step itself; the client's buffer was full): wait for what it waits on, then resume it."""
    loop = asyncio.get_running_loop()
    try:
        while True:
            if waiting is None:
                await asyncio.sleep(0)
            else:
                waiting._asyncio_future_blocking = False
                ready = loop.create_future()
                waiting.add_done_callback(functools.partial(_set_ready, ready))
                await ready
            waiting = coro.send(None)
    except StopIteration:
        return
    except asyncio.CancelledError:
        coro.close()
        raise
    except Exception:
        logger.exception("realtime event not sent")


class SocketPart(AsyncJsonWebsocketConsumer):
    """One module's part of the socket: subclass it in the module's `consumers.py`, then add the
    mixin to `cercle.routing.Socket`. Declarations are unioned over the parts when the socket class
    is made (a frame type handled by two parts is an error); each hook a part defines itself is
    called in turn, in the order the parts are listed. Name a part's own helpers after the module
    (`chat_...`): the hooks are called per part, but `self.<name>` finds the first part's."""

    user: Any
    # Client frame type → the name of this part's method handling it (`async def (frame)`).
    frames: ClassVar[Mapping[str, str]] = {}
    # Event types (`Event.type`) the channel layer may hand straight to an idle socket
    # (`RealtimeConsumer.take_now`): events that change nothing of the socket, decided by
    # `part_keeps` alone. Events the socket must follow (`part_follow`) go through its queue.
    direct_events: ClassVar[frozenset[str]] = frozenset()
    # The frozen dataclass of this part's fields in `hello`, returned by `part_connect`.
    hello_part: ClassVar[type[HelloPart] | None] = None
    # When the last `resync` was sent (time.monotonic), until the client catches up.
    resync_sent_at: float | None = None

    async def part_connect(self) -> HelloPart | None:
        """On connection, before the socket is accepted: join this part's groups and set up its
        state; return its `hello_part` (or None)."""
        return None

    async def part_disconnect(self) -> None:
        """Once, when the socket closes: leave this part's groups."""

    async def part_follow(self, event: dict[str, Any]) -> None:
        """An event (`cercle.event`) taken from the socket's queue, before it is passed on: change
        this part's state (e.g. join a group)."""

    def part_keeps(self, event: dict[str, Any]) -> bool:
        """Whether this tab shows an event (from the queue or handed over directly); False drops
        it. Called for every event: answer True for those of other parts. Runs once per socket
        and event, on the event loop: no database, nothing slow."""
        return True

    def caught_up(self) -> None:
        """Call when the client asked to catch up (chat's `sync`): a later drop gets a new
        `resync` at once."""
        self.resync_sent_at = None

    async def send_event(self, event: Event) -> None:
        """Send one event to this socket's client only (an answer to its frame)."""
        await self.send_json(event.payload())


def _own(cls: type, name: str) -> Any:
    return cls.__dict__.get(name)


class RealtimeConsumer(SocketPart):
    """The socket's core: authentication, the person's group, frames (`ping` here, the parts'
    `frames`), errors and rate limit, direct delivery and `resync`. Subclassed with the modules'
    parts by `cercle.routing.Socket`."""

    group: str
    frames = {"ping": "on_ping"}
    # Unioned over the parts (`_assemble`).
    frame_handlers: ClassVar[dict[str, str]]
    all_direct_events: ClassVar[frozenset[str]]
    hello_parts: ClassVar[tuple[type[HelloPart], ...]]
    part_classes: ClassVar[tuple[type[SocketPart], ...]]
    _connect_hooks: ClassVar[tuple[Callable[[Any], Awaitable[HelloPart | None]], ...]]
    _disconnect_hooks: ClassVar[tuple[Callable[[Any], Awaitable[None]], ...]]
    _follow_hooks: ClassVar[tuple[Callable[[Any, dict[str, Any]], Awaitable[None]], ...]]
    _keep_hooks: ClassVar[tuple[Callable[[Any, dict[str, Any]], bool], ...]]
    # Messages taken from the channel layer or frames from the client not yet fully handled; an
    # event is handed over directly (`take_now`) only when there are none, to keep the order.
    busy = 0
    direct_send: asyncio.Task[None] | None = None
    # The layer dropped an event for this socket, not yet told (`note_dropped`); when the last
    # `resync` went out is `resync_sent_at` (until the client catches up: `caught_up`).
    resync_pending = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._assemble()

    @classmethod
    def _assemble(cls) -> None:
        """Union the parts' declarations and collect their hooks (once, when the class is made)."""
        parts = tuple(c for c in cls.__mro__ if issubclass(c, SocketPart) and c is not SocketPart)
        handlers: dict[str, str] = {}
        owners: dict[str, type] = {}
        direct: set[str] = set()
        for part in parts:
            for kind, name in (_own(part, "frames") or {}).items():
                if kind in handlers:
                    raise TypeError(
                        f"socket frame {kind!r} handled by both {owners[kind].__qualname__} "
                        f"and {part.__qualname__}"
                    )
                handlers[kind], owners[kind] = name, part
            direct |= _own(part, "direct_events") or set()
        cls.part_classes = parts
        cls.frame_handlers = handlers
        cls.all_direct_events = frozenset(direct)
        cls.hello_parts = tuple(p for p in (_own(part, "hello_part") for part in parts) if p)
        cls._connect_hooks = tuple(h for h in (_own(p, "part_connect") for p in parts) if h)
        cls._disconnect_hooks = tuple(h for h in (_own(p, "part_disconnect") for p in parts) if h)
        cls._follow_hooks = tuple(h for h in (_own(p, "part_follow") for p in parts) if h)
        cls._keep_hooks = tuple(h for h in (_own(p, "part_keeps") for p in parts) if h)

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
            tickets = query.get("ticket")
            user = await _redeem_ticket(tickets[0]) if tickets else None
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=4401)
            return
        self.user = user
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        parts = []
        for connect in self._connect_hooks:
            part = await connect(self)
            if part is not None:
                parts.append(part)
        await self.accept()
        self.counted_open = True
        metrics.WEBSOCKETS_OPEN.inc()
        metrics.WEBSOCKET_CONNECTIONS.inc()
        await self.send_event(Hello(user_id=user.pk, parts=tuple(parts)))
        if hasattr(self.channel_layer, "add_receiver"):
            self.channel_layer.add_receiver(self.channel_name, self)

    async def disconnect(self, code: int) -> None:
        """Leave the groups and count the socket out of presence, once (also when a frame to the
        client failed first: `send`)."""
        if hasattr(self, "group") and not getattr(self, "cleaned_up", False):
            self.cleaned_up = True
            if getattr(self, "counted_open", False):
                metrics.WEBSOCKETS_OPEN.dec()
            if hasattr(self.channel_layer, "discard_receiver"):
                self.channel_layer.discard_receiver(self.channel_name)
            await self.channel_layer.group_discard(self.group, self.channel_name)
            for disconnect in self._disconnect_hooks:
                await disconnect(self)

    async def on_ping(self, frame: dict[str, Any]) -> None:
        await self.send_event(Pong())

    async def send_error(self, code: str, detail: str, **fields: Any) -> None:
        await self.send_event(Error(code=code, detail=detail, **fields))

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if text_data is None:
            await self.send_error("bad_frame", "Frames are JSON text.")
            return
        if len(text_data.encode()) > MAX_FRAME_BYTES:
            await self.send_error("too_large", f"A frame has at most {MAX_FRAME_BYTES} bytes.")
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self.send_error("bad_json", "This frame is not JSON.")
            return
        await self.receive_json(frame)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Each frame is a request of its own for the logs, the tasks and the events it causes.
        request_token = request_id_var.set(new_request_id())
        user_token = user_id_var.set(self.user.pk)
        try:
            await self.handle_frame(content)
        finally:
            request_id_var.reset(request_token)
            user_id_var.reset(user_token)

    async def handle_frame(self, content: Any) -> None:
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.send_error("bad_frame", "A frame is an object with a type.")
            return
        ref = content.get("ref") if isinstance(content.get("ref"), str | int) else None
        name = self.frame_handlers.get(content["type"])
        if name is None:
            await self.send_error("unknown_type", "unknown frame type", ref=ref)
            return
        handler: Handler = getattr(self, name)
        retry_after = await self.over_rate_limit()
        if retry_after:
            await self.send_error(
                "rate_limited", "Too many frames: slow down.", ref=ref, retry_after=retry_after
            )
            return
        try:
            await handler(content)
        except Http404:
            await self.send_error("not_found", "Not found.", ref=ref)
        except PermissionDenied as error:
            # A refusal may name itself (`cercle.chat.queries.ReadOnly`: `read_only`).
            code = getattr(error, "code", None) or "forbidden"
            await self.send_error(code, str(error) or "You are not allowed to do this.", ref=ref)
        except ValidationError as error:
            detail: Any = error.message_dict if hasattr(error, "error_dict") else error.messages
            await self.send_error("invalid", "Invalid frame.", ref=ref, errors=detail)
        except (KeyError, TypeError, ValueError):
            await self.send_error("invalid", "Invalid frame.", ref=ref)
        except Exception:
            logger.exception("realtime frame %s failed", content.get("type"))
            await self.send_error("server_error", "Something went wrong.", ref=ref)

    async def over_rate_limit(self) -> int:
        """0 when the frame may go; else the seconds until the person's window ends.

        One budget for all the person's sockets: in Redis across server processes (REDIS_URL),
        else in this process's memory. Never through the database thread."""
        limit, window = rate_limit()
        now = time.time()
        slot = int(now // window)
        count = await count_frame(self.user.pk, window, slot)
        if count > limit:
            return max(1, int((slot + 1) * window - now + 0.999))
        return 0

    async def send(
        self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
    ) -> None:
        """Frames to a client that has just gone are dropped: uvicorn raises ClientDisconnected (an
        OSError). The client is gone, so the cleanup (groups, presence) starts now rather than
        waiting for a websocket.disconnect that, with events in flight, did not always come (the
        person stayed "online"); `disconnect` runs it once.

        A frame waits for a direct send still held by a slow client (`take_now`), so that it
        cannot overtake it."""
        pending = self.direct_send
        if pending is not None and pending is not asyncio.current_task():
            await asyncio.wait({pending})
        try:
            await super().send(text_data=text_data, bytes_data=bytes_data, close=close)
        except OSError:
            metrics.DROPS.labels("disconnected").inc()
            logger.debug("frame dropped: the client has disconnected")
            if hasattr(self, "group") and not getattr(self, "cleaned_up", False):
                # In a fresh context: this send may run in a publisher's task (`take_now`), whose
                # context can be inside a database call (asgiref would refuse the cleanup's own).
                self.cleanup_task = asyncio.get_running_loop().create_task(
                    self.disconnect(1006), context=contextvars.Context()
                )

    async def send_json(self, content: Any, close: bool = False) -> None:
        """Channels' `send_json` calls its own parent's `send`, past the one above: a frame to a
        client gone meanwhile — an answer to a frame still being handled when the server closed
        the socket on shutdown (1012) — then raised ClientDisconnected, logged as a failed
        frame. Through `send`, it is dropped and the cleanup starts."""
        await self.send(text_data=await self.encode_json(content), close=close)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch, without its `aclose_old_connections()` before every message: that is
        a trip through the process's one database thread for each frame and for each event to
        each socket (a 1,000-member channel message queued 1,000 of them behind the sends).
        Here every database call goes through `database_sync_to_async`, which closes stale
        connections around itself already."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        if message["type"].startswith("websocket."):
            self.busy += 1  # a layer message was counted when it left the queue (note_received)
        try:
            await handler(message)
            if self.resync_pending:
                await self.send_resync()
        finally:
            self.busy = max(0, self.busy - 1)

    async def send_resync(self) -> None:
        """Tell the client that events for it were dropped: once, after the message or frame being
        handled (still busy, so no event is handed over directly meanwhile)."""
        self.resync_pending = False
        if getattr(self, "cleaned_up", False):
            return
        self.resync_sent_at = time.monotonic()
        await self.send_event(Resync())

    # --- direct delivery from the in-memory layer (cercle.core.layers.DirectReceiver) --------

    def note_received(self) -> None:
        self.busy += 1

    def take_now(self, message: dict[str, Any]) -> bool:
        """Send a published event now, from the publisher's loop turn, when nothing for this socket
        is ahead of it; False to have it queued (and dispatched as usual) instead."""
        if self.busy or self.direct_send is not None:
            return False
        event = message["event"]
        if event.get("type") not in self.all_direct_events:
            return False
        for keeps in self._keep_hooks:
            if not keeps(self, event):
                return True  # not for this tab: taken, and dropped
        metrics.DELIVERIES.inc()
        coro = self.send(text_data=message["text"])
        try:
            waiting = coro.send(None)
        except StopIteration:
            return True
        except Exception:
            logger.exception("realtime event not sent")
            return True
        task = asyncio.get_running_loop().create_task(_finish_send(coro, waiting))
        self.direct_send = task
        task.add_done_callback(self._direct_send_done)
        return True

    def note_dropped(self) -> None:
        """The layer dropped an event for this socket (its queue is full): a `resync` frame goes
        out after the message being handled (`dispatch`; the queue is full, so one comes at once),
        unless one is already waiting, or was sent and the client has not asked `sync` since."""
        if self.resync_pending:
            return
        sent = self.resync_sent_at
        if sent is not None and time.monotonic() - sent < RESYNC_QUIET:
            return
        self.resync_pending = True

    def _direct_send_done(self, task: asyncio.Task[None]) -> None:
        if self.direct_send is task:
            self.direct_send = None

    def _session_key(self) -> str:
        """The key of the session the socket was opened in ("" for a ticket's socket)."""
        session = self.scope.get("session")
        return str(getattr(session, "session_key", "") or "") if session is not None else ""

    async def cercle_event(self, message: dict[str, Any]) -> None:
        # Log lines written while handling it carry the id of the request that caused it.
        token = request_id_var.set(message.get("request_id"))
        try:
            await self.handle_event(message)
        finally:
            request_id_var.reset(token)

    async def handle_event(self, message: dict[str, Any]) -> None:
        event = message["event"]
        if event.get("type") == AccountDeactivated.type:
            # As a refused connection: the browser client stops retrying.
            await self.close(code=4401)
            await self.disconnect(4401)
            return
        if event.get("type") == SessionsEnded.type:
            if self._session_key() in (event.get("session_keys") or ()):
                await self.close(code=4401)
                await self.disconnect(4401)
            return
        for follow in self._follow_hooks:
            await follow(self, event)
        for keeps in self._keep_hooks:
            if not keeps(self, event):
                return
        # Encoded once when published, not once per socket.
        metrics.DELIVERIES.inc()
        text = message.get("text")
        if isinstance(text, str):
            await self.send(text_data=text)
        else:
            await self.send_json(event)


RealtimeConsumer._assemble()
