"""The ASGI lifespan: when the server stops, the realtime events still queued on the loop are
sent before `lifespan.shutdown.complete` (after it, uvicorn ends the loop: they would be lost)."""

from __future__ import annotations

import asyncio
from typing import Any

from channels.layers import get_channel_layer

from cercle.core import realtime
from cercle.core.lifespan import lifespan


async def run_lifespan(*messages: str) -> list[str]:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for kind in messages:
        queue.put_nowait({"type": kind})
    sent: list[str] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message["type"])

    await lifespan({"type": "lifespan"}, queue.get, send)
    return sent


async def test_shutdown_sends_the_queued_events_first() -> None:
    layer = get_channel_layer()
    assert layer is not None
    channel = await layer.new_channel()
    await layer.group_add("lifespan-test", channel)
    message = {"type": "cercle.event", "event": {"type": "ping"}, "text": '{"type":"ping"}'}
    for _ in range(3):  # queued on the loop, as a view's publish is: nothing sent yet
        realtime.send_now(message, groups=["lifespan-test"])
    loop = asyncio.get_running_loop()
    assert len(realtime._PENDING[loop]) == 3

    sent = await run_lifespan("lifespan.startup", "lifespan.shutdown")

    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert not realtime._PENDING[loop] and realtime._DRAINING[loop].done()
    for _ in range(3):
        received = await asyncio.wait_for(layer.receive(channel), 1)
        assert received["event"] == {"type": "ping"}
    await layer.group_discard("lifespan-test", channel)


async def test_flush_with_nothing_queued_returns_at_once() -> None:
    assert await realtime.flush(timeout=0.5) == 0
