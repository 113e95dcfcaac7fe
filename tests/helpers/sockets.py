"""Helpers for chat tests: a socket for a person, and a listener on channel-layer groups."""

from __future__ import annotations

from typing import Any

from channels.layers import get_channel_layer
from channels.testing.websocket import WebsocketCommunicator

from cercle.routing import Socket

CONNECT_TIMEOUT = 10


def socket_for(user: Any, path: str = "/ws/") -> WebsocketCommunicator:
    comm = WebsocketCommunicator(Socket.as_asgi(), path)
    if user is not None:
        comm.scope["user"] = user
    return comm


async def connected(user: Any) -> WebsocketCommunicator:
    """A connected socket whose hello (and own presence) frames are already read."""
    comm = socket_for(user)
    # A connection reads the database for its hello (unread counts, conversations): on a CI
    # machine running three suites at once, past the communicator's default of one second.
    ok, _code = await comm.connect(timeout=CONNECT_TIMEOUT)
    assert ok
    hello = await comm.receive_json_from(timeout=CONNECT_TIMEOUT)
    assert hello["type"] == "hello"
    await drain(comm)
    return comm


async def drain(comm: WebsocketCommunicator, timeout: float = 0.1) -> list[dict[str, Any]]:
    """Read every frame that arrives within `timeout` of the previous one."""
    frames = []
    while not await comm.receive_nothing(timeout=timeout):
        frames.append(await comm.receive_json_from())
    return frames


async def next_of_type(
    comm: WebsocketCommunicator, kind: str, timeout: float = 2
) -> dict[str, Any]:
    """The next frame of a type, skipping others (presence, typing …)."""
    for _ in range(50):
        frame: dict[str, Any] = await comm.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


class Listener:
    """Collects what the channel layer delivers to some groups (for sync tests of events)."""

    def __init__(self, *groups: str) -> None:
        from asgiref.sync import async_to_sync

        self.layer = get_channel_layer()
        assert self.layer is not None
        self.channel = async_to_sync(self.layer.new_channel)()
        for group in groups:
            async_to_sync(self.layer.group_add)(group, self.channel)

    def events(self) -> list[dict[str, Any]]:
        import asyncio

        from asgiref.sync import async_to_sync

        async def collect() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = []
            while True:
                try:
                    message = await asyncio.wait_for(self.layer.receive(self.channel), 0.05)
                except TimeoutError:
                    return found
                if message.get("type") == "cercle.event":  # not the feed's (feed.new, …)
                    found.append(message["event"])

        return async_to_sync(collect)()


def slow_socket(user: Any) -> tuple[WebsocketCommunicator, Any]:
    """A socket (not yet connected) whose client reads only while the returned `asyncio.Event` is
    set: its frames wait, as uvicorn's do while the transport is paused (a slow client)."""
    import asyncio

    writable = asyncio.Event()
    writable.set()
    inner = Socket.as_asgi()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        async def slow_send(message: dict[str, Any]) -> None:
            if message["type"] == "websocket.send":
                await writable.wait()
            await send(message)

        await inner(scope, receive, slow_send)

    comm = WebsocketCommunicator(app, "/ws/")
    comm.scope["user"] = user
    return comm, writable
