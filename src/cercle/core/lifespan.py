"""The ASGI lifespan protocol: what the server process does when it stops.

uvicorn, on SIGTERM, stops accepting connections, closes every WebSocket with 1012 ("service
restart": clients reconnect, to another process), waits for the HTTP requests and socket handlers
still running (at most `--timeout-graceful-shutdown` seconds), then sends `lifespan.shutdown`.
Here that waits for the realtime events still queued on the loop to be handed to the channel
layer (`core.realtime.flush`), so that a message stored by the last frames and requests reaches
the other processes' sockets before the loop ends (docs/deployment.md, "Stopping a worker
gracefully")."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from cercle.core import realtime

logger = logging.getLogger(__name__)

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def lifespan(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            left = await realtime.flush()
            if left:
                logger.warning("stopping with %s realtime events unsent", left)
            await send({"type": "lifespan.shutdown.complete"})
            return
