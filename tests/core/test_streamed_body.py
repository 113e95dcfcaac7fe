"""A large request body read by the view's thread while the event loop receives the next part
(`core.asgi_handler.StreamedBody`): in order, whole, bounded ahead of the reader, and a client
gone mid-body is an error for the view."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import UnreadablePostError

from cercle.core.asgi_handler import StreamedBody

KB = 1024


def messages_of(parts: list[bytes], *, disconnect: bool = False) -> Iterator[dict[str, Any]]:
    for n, part in enumerate(parts):
        yield {"type": "http.request", "body": part, "more_body": disconnect or n < len(parts) - 1}
    if disconnect:
        yield {"type": "http.disconnect"}


class Client:
    """The server's side of a client sending `parts`: counts what the body has received."""

    def __init__(self, parts: list[bytes], *, disconnect: bool = False) -> None:
        self.messages = messages_of(parts, disconnect=disconnect)
        self.received = 0

    async def receive(self) -> dict[str, Any]:
        await asyncio.sleep(0)
        message = next(self.messages)
        self.received += len(message.get("body", b""))
        return message


def parts_of(sizes: list[int]) -> list[bytes]:
    return [bytes([n % 251]) * size for n, size in enumerate(sizes)]


async def read_all(body: StreamedBody, size: int) -> list[bytes]:
    blocks = []
    while block := await asyncio.to_thread(body.read, size):
        blocks.append(block)
    return blocks


async def test_the_body_arrives_whole_and_in_order_in_reads_of_at_most_their_size() -> None:
    parts = parts_of([10 * KB, 300 * KB, 1, 64 * KB, 64 * KB, 64 * KB, 2000 * KB, 5])
    client = Client(parts)
    body = StreamedBody(client.receive, asyncio.get_running_loop())
    blocks = await read_all(body, 256 * KB)
    body.close()
    assert b"".join(blocks) == b"".join(parts)
    assert max(len(block) for block in blocks) <= 256 * KB
    # Small parts that arrived together are joined (up to 256 kB), large ones cut to the size.
    assert len(blocks) < len(parts) + 2000 // 256 + 2


async def test_nothing_is_received_before_the_first_read_and_at_most_the_read_ahead_after() -> None:
    parts = parts_of([256 * KB] * 80)  # 20 MB
    client = Client(parts)
    body = StreamedBody(client.receive, asyncio.get_running_loop())
    await asyncio.sleep(0.05)
    assert client.received == 0, "a view that never reads the body does not ask for it"
    first = await asyncio.to_thread(body.read, 1024 * KB)
    assert first == parts[0]
    await asyncio.sleep(0.2)  # the loop receives ahead of the reader, up to the read-ahead
    assert 0 < client.received - len(first) <= StreamedBody.READ_AHEAD
    rest = await read_all(body, 1024 * KB)
    body.close()
    assert first + b"".join(rest) == b"".join(parts)


async def test_reading_the_whole_body_at_once_goes_past_the_read_ahead() -> None:
    parts = parts_of([512 * KB] * 40)  # 20 MB, more than the read-ahead
    client = Client(parts)
    body = StreamedBody(client.receive, asyncio.get_running_loop())
    whole = await asyncio.wait_for(asyncio.to_thread(body.read), timeout=30)
    body.close()
    assert whole == b"".join(parts)


async def test_a_client_gone_mid_body_is_an_error_for_the_view_after_what_it_sent() -> None:
    parts = parts_of([100 * KB, 100 * KB])
    client = Client(parts, disconnect=True)
    body = StreamedBody(client.receive, asyncio.get_running_loop())
    received = b""
    with pytest.raises(UnreadablePostError):
        while True:
            block = await asyncio.to_thread(body.read, 64 * KB)
            assert block, "the body's end is never an empty read when the client went away"
            received += block
    body.close()
    assert received == b"".join(parts)
    assert body.aborted


async def test_closing_the_body_stops_receiving() -> None:
    stalled = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await stalled.wait()  # a client that stopped sending
        return {"type": "http.request", "body": b"", "more_body": False}

    body = StreamedBody(receive, asyncio.get_running_loop())
    reading = asyncio.ensure_future(asyncio.to_thread(body.read, KB))
    await asyncio.sleep(0.05)
    body.close()  # the request ends (its view answered or failed)
    with pytest.raises(UnreadablePostError):
        await asyncio.wait_for(reading, timeout=10)
