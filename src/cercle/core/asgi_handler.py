"""Django's HTTP handling over ASGI, each request served in one hop to a fixed thread pool.

Django's `ASGIHandler` runs the synchronous middleware chain and view through `sync_to_async`
inside a fresh `ThreadSensitiveContext` per request: every request gets a new thread (so a new
SQLite connection and schema read), and the request signals, the middleware and `response.close()`
each cross between the event loop and that thread. Measured on this project (docs/benchmarks.md,
"Where the time goes now"), that is 4–5 ms of CPU per request, about half of a directory search.

Here, after the body is read on the event loop, one call to a fixed pool of threads runs
`request_started`, the request's creation, the whole synchronous handler (middleware, view,
exception handling) and, for ordinary responses, `response.close()`. The pool's threads live as
long as the process, so each keeps its database connection (`CONN_MAX_AGE`) between requests.

What this keeps from Django's handler:
- views that call `async_to_sync` (the channel-layer publishes of `core.realtime`) still reach the
  server's event loop: the pool is driven through asgiref's `SyncToAsync`, which records that loop;
- streaming responses (`FileResponse` downloads) are sent by iterating them on the loop, their
  blocking reads in a thread, and closed afterwards;
- an uncaught exception becomes Django's 500 response, and the usual `request_finished` signal.

What it drops: watching for a client disconnect while a view runs. Django can only cancel
asynchronous views that way; every view here is synchronous and would run to its end anyway.

A large body (a `Content-Length` past FILE_UPLOAD_MAX_MEMORY_SIZE, or one sent in chunks) is not
spooled first: the view starts once the headers have arrived and reads the body as the client
sends it (`StreamedBody`: a task on the event loop receives up to 8 MB ahead of the view's reads,
so that receiving and the view's writing overlap), so an upload is written once, where its view
puts it, and can be refused before it is sent. A client
going away mid-body makes the read raise `UnreadablePostError`.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
import tempfile
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import aclosing
from typing import Any

from asgiref.sync import SyncToAsync
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestDataTooBig
from django.core.handlers import base
from django.core.handlers.asgi import ASGIRequest, get_script_prefix
from django.db import connections
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseBase, UnreadablePostError
from django.http.response import FileResponse
from django.urls import set_script_prefix

logger = logging.getLogger("django.request")

Scope = dict[str, Any]
Message = dict[str, Any]


class RequestAborted(Exception):
    """The client went away before its request body was complete."""


def streams_body(scope: Scope) -> bool:
    """Whether a request's body is read as it arrives rather than spooled first: past
    FILE_UPLOAD_MAX_MEMORY_SIZE by its `Content-Length`, or sent in chunks (no length)."""
    if scope.get("method") in ("GET", "HEAD", "OPTIONS"):
        return False
    length = None
    chunked = False
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            length = value
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if length is None:
        return chunked
    try:
        return int(length) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    except ValueError:
        return False


class StreamedBody(io.RawIOBase):
    """A request's body read from a pool thread as the client sends it.

    A task on the event loop receives the server's `http.request` messages ahead of the view, up
    to `READ_AHEAD` bytes not read yet (then it waits, and the server's own flow control holds the
    client back), so that receiving goes on while the view's thread hashes and writes what it
    read: the two overlap on two cores instead of taking turns, and the view's thread only waits
    for the loop when nothing has arrived. The task starts at the first read (a view that refuses
    a body before reading it has not asked for it: no `100 Continue` is sent).

    `read(size)` answers with what has arrived, up to `size` bytes: the server's messages as they
    are (256 kB each when the view is the slower), small ones joined up to `JOINED` bytes. They
    are not joined into larger blocks: a new buffer of 1 MB or more is mapped afresh by the
    allocator each time, and its page faults cost more system time than the write they spare
    (docs/benchmarks.md, "1 GB transfers"). Nothing is kept but what has arrived and is not read
    yet."""

    READ_AHEAD = 8 * 1024 * 1024
    JOINED = 256 * 1024

    def __init__(self, receive: Any, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._receive = receive
        self._loop = loop
        self._parts: deque[bytes] = deque()
        self._buffered = 0
        self._done = False
        self._changed = threading.Condition()
        # Set (on the loop) when reads have made room; the task waits for it when full.
        self._room: asyncio.Event | None = None
        self._task_waits = False
        self._reader_waits = False
        self._task: Future[None] | None = None
        self._failed = False
        self.aborted = False

    def readable(self) -> bool:
        return True

    async def _fill(self) -> None:
        """On the loop: receive the messages into the buffer until the body ends."""
        room = self._room = asyncio.Event()
        try:
            while True:
                with self._changed:
                    full = self._task_waits = self._buffered >= self.READ_AHEAD
                    if full:
                        room.clear()
                if full:
                    await room.wait()
                    continue
                message = await self._receive()
                with self._changed:
                    if message["type"] == "http.disconnect":
                        self.aborted = True
                        self._done = True
                    else:
                        body = message.get("body", b"")
                        if body:
                            self._parts.append(bytes(body))
                            self._buffered += len(body)
                        if not message.get("more_body", False):
                            self._done = True
                    if self._reader_waits:
                        self._changed.notify()
                    if self._done:
                        return
        except BaseException:
            with self._changed:
                self._failed = True
                self._done = True
                self._changed.notify()
            raise

    def _take(self, size: int) -> bytes:
        """What has arrived, up to `size` bytes (waiting for some, unless the body has ended)."""
        if self._task is None:
            self._task = asyncio.run_coroutine_threadsafe(self._fill(), self._loop)
        with self._changed:
            while not self._parts and not self._done:
                self._reader_waits = True
                self._changed.wait()
            self._reader_waits = False
            parts = self._parts
            if not parts:
                if self.aborted:
                    raise UnreadablePostError("The client went away before the end of its request.")
                if self._failed:
                    raise UnreadablePostError("The request's body could not be read.")
                return b""
            first = parts.popleft()
            if len(first) > size:
                data, rest = first[:size], first[size:]
                parts.appendleft(rest)
            elif parts and len(first) + len(parts[0]) <= min(size, self.JOINED):
                pieces = [first]
                taken = len(first)
                while parts and taken + len(parts[0]) <= min(size, self.JOINED):
                    taken += len(parts[0])
                    pieces.append(parts.popleft())
                data = b"".join(pieces)
            else:
                data = first
            self._buffered -= len(data)
            wake = self._task_waits and self._buffered < self.READ_AHEAD
            if wake:
                self._task_waits = False
        if wake:
            assert self._room is not None
            self._loop.call_soon_threadsafe(self._room.set)
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            blocks = []
            while block := self._take(self.READ_AHEAD):
                blocks.append(block)
            return b"".join(blocks)
        if size == 0:
            return b""
        return self._take(size)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        """Stops receiving (on the loop, when the request ends)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        super().close()


class PooledASGIHandler(base.BaseHandler):
    """Django's HTTP handling over ASGI, each request run in one hop to a fixed thread pool."""

    request_class = ASGIRequest
    # Bytes per `http.response.body` message of an ordinary response (as Django's handler).
    chunk_size = 2**16
    # Bytes per read of a streamed file (`FileResponse`, whose own default is 4 kB), and at most
    # per message of a streaming response: each part crosses from a pool thread to the loop once
    # (a hop costs ~50 µs of CPU: 64 kB parts cost 1 s per GB, 1 MB parts 0.06 s), and is sent as
    # it is (the server's flow control waits for the socket), not copied into smaller slices.
    stream_chunk_size = 2**20

    def __init__(self, *, threads: int) -> None:
        self.threads = threads
        super().__init__()
        self.load_middleware(is_async=False)
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="cercle-http")
        self._serve_in_pool = SyncToAsync(
            self._serve, thread_sensitive=False, executor=self.executor
        )
        self._next_in_pool = SyncToAsync(
            self._next_part, thread_sensitive=False, executor=self.executor
        )
        self._close_in_pool = SyncToAsync(
            self._close, thread_sensitive=False, executor=self.executor
        )

    def shutdown(self) -> None:
        """Close each pool thread's database connections, then stop the pool."""
        threads = self.threads
        # A barrier holds every task until all are running, so each runs on a thread of its own.
        barrier = threading.Barrier(threads)

        def close_this_threads_connections() -> None:
            barrier.wait(timeout=10)
            connections.close_all()

        for future in [
            self.executor.submit(close_this_threads_connections) for _ in range(threads)
        ]:
            future.result(timeout=20)
        self.executor.shutdown(wait=True)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        if streams_body(scope):
            body_file: Any = StreamedBody(receive, asyncio.get_running_loop())
        else:
            try:
                body_file = await self._read_body(receive)
            except RequestAborted:
                return
        try:
            response = await self._serve_in_pool(scope, body_file)
            if response.streaming:
                try:
                    await self._send_response(response, send)
                finally:
                    await self._close_in_pool(response)
            else:
                await self._send_response(response, send)
        finally:
            body_file.close()

    async def _read_body(self, receive: Any) -> Any:
        """The request body, spooled to disk past FILE_UPLOAD_MAX_MEMORY_SIZE (as Django does)."""
        body_file = tempfile.SpooledTemporaryFile(  # noqa: SIM115  (closed by __call__)
            max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE, mode="w+b"
        )
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                body_file.close()
                raise RequestAborted
            if "body" in message:
                body_file.write(message["body"])
            if not message.get("more_body", False):
                break
        body_file.seek(0)
        return body_file

    def _serve(self, scope: Scope, body_file: Any) -> HttpResponseBase:
        """Everything synchronous about one request, in one pool thread."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self._create_request(scope, body_file)
        if request is None:
            assert error_response is not None
            response: HttpResponseBase = error_response
        else:
            response = self.get_response(request)
        response._handler_class = self.__class__  # type: ignore[attr-defined]
        if response.streaming:
            if isinstance(response, FileResponse):
                response.block_size = self.stream_chunk_size
            return response
        # Ordinary responses are whole bytes already: close them here, in the thread that
        # served them, so `request_finished` releases this thread's connection as it should.
        response.close()
        return response

    def _create_request(
        self, scope: Scope, body_file: Any
    ) -> tuple[ASGIRequest | None, HttpResponseBase | None]:
        try:
            return self.request_class(scope, body_file), None
        except UnicodeDecodeError:
            logger.warning(
                "Bad Request (UnicodeDecodeError)",
                exc_info=sys.exc_info(),
                extra={"status_code": 400},
            )
            return None, HttpResponseBadRequest()
        except RequestDataTooBig:
            return None, HttpResponse("413 Payload too large", status=413)

    @staticmethod
    def _next_part(parts: Iterator[bytes]) -> bytes | None:
        return next(parts, None)

    @staticmethod
    def _close(closable: Any) -> None:
        closable.close()

    async def _streamed_parts(self, response: HttpResponseBase) -> AsyncIterator[bytes]:
        """The parts of a streaming response, each blocking read (a file's) in a pool thread.

        Django's own `__aiter__` would read a synchronous iterator whole into memory first."""
        if getattr(response, "is_async", False):
            streamed: Any = response
            async with aclosing(aiter(streamed)) as content:
                async for part in content:
                    yield part
            return
        parts = iter(response.streaming_content)  # type: ignore[attr-defined]
        while (part := await self._next_in_pool(parts)) is not None:
            yield part

    async def _send_response(self, response: HttpResponseBase, send: Any) -> None:
        headers = []
        for header, value in response.items():
            headers.append(
                (
                    header.encode("ascii") if isinstance(header, str) else bytes(header),
                    value.encode("latin1") if isinstance(value, str) else bytes(value),
                )
            )
        for cookie in response.cookies.values():
            headers.append((b"Set-Cookie", cookie.output(header="").encode("ascii").strip()))
        await send(
            {"type": "http.response.start", "status": response.status_code, "headers": headers}
        )
        if response.streaming:
            async for part in self._streamed_parts(response):
                for start in range(0, len(part), self.stream_chunk_size):
                    await send(
                        {
                            "type": "http.response.body",
                            # A part of 1 MB or less is sent as it is (a whole slice is no copy).
                            "body": part[start : start + self.stream_chunk_size],
                            "more_body": True,
                        }
                    )
            await send({"type": "http.response.body"})
            return
        content = response.content  # type: ignore[attr-defined]
        if len(content) <= self.chunk_size:
            await send({"type": "http.response.body", "body": content})
            return
        for start in range(0, len(content), self.chunk_size):
            end = start + self.chunk_size
            await send(
                {
                    "type": "http.response.body",
                    "body": content[start:end],
                    "more_body": end < len(content),
                }
            )
