"""The HTTP side of the ASGI application: each request served in one hop to a fixed thread pool.

These drive `PooledASGIHandler` as uvicorn does (ASGI messages on an event loop, the views in the
pool's threads), with the real database and the in-memory channel layer.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import connections
from django.db.backends.signals import connection_created
from django.test import Client

from cercle.accounts.actions.auth import create_api_token
from cercle.chat import actions as chat_actions
from cercle.core.asgi_handler import PooledASGIHandler
from tests.factories import make_direct, make_user
from tests.helpers.sockets import connected, next_of_type

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def handler() -> AsyncIterator[PooledASGIHandler]:
    pooled = PooledASGIHandler(threads=2)
    yield pooled
    # The pool's threads opened connections of their own: close them so that a PostgreSQL test
    # database can be dropped at the end of the run.
    await sync_to_async(pooled.shutdown)()


def client_of(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1")


async def bearer(user: Any) -> dict[str, str]:
    _token, secret = await sync_to_async(create_api_token)(user=user, name="test")
    return {"Authorization": f"Bearer {secret}"}


async def session_cookie(user: Any) -> dict[str, str]:
    """The session cookie of `user`, logged in (pages take sessions, not tokens)."""
    client = Client()
    await sync_to_async(client.force_login)(user)
    return {"sessionid": client.cookies["sessionid"].value}


async def test_pages_and_api_calls_are_served(handler: PooledASGIHandler) -> None:
    anne = await sync_to_async(make_user)(username="anne")
    async with client_of(handler) as client:
        assert (await client.get("/api/v1/me")).status_code == 401
        me = await client.get("/api/v1/me", headers=await bearer(anne))
        assert me.status_code == 200 and me.json()["username"] == "anne"
        login_page = await client.get("/accounts/login/")
        assert login_page.status_code == 200 and "csrftoken" in login_page.cookies
        assert (await client.get("/no/such/page/")).status_code == 404


async def test_a_request_body_reaches_the_view(handler: PooledASGIHandler) -> None:
    await sync_to_async(make_user)(username="bruno", password="un-mot-de-passe-solide")
    async with client_of(handler) as client:
        good = await client.post(
            "/api/v1/auth/token",
            json={"username": "bruno", "password": "un-mot-de-passe-solide"},
        )
        assert good.status_code == 200 and good.json()["token"]
        bad = await client.post("/api/v1/auth/token", content=b"{not json")
        assert 400 <= bad.status_code < 500


async def test_a_response_larger_than_one_chunk_arrives_whole(handler: PooledASGIHandler) -> None:
    async with client_of(handler) as client:
        schema = await client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert len(schema.content) > PooledASGIHandler.chunk_size
    assert "/api/v1/me" in json.loads(schema.content)["paths"]


async def test_a_file_download_streams_in_chunks_and_is_closed(handler: PooledASGIHandler) -> None:
    anne, bruno = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    conversation = await sync_to_async(make_direct)(anne, bruno)
    content = bytes(range(256)) * 1000  # 256 kB: four chunks
    upload = SimpleUploadedFile("mesures.bin", content, "application/octet-stream")
    attachment = await sync_to_async(chat_actions.upload_attachment)(
        actor=anne, conversation_id=conversation.pk, upload=upload
    )
    await sync_to_async(chat_actions.send_message)(
        actor=anne,
        conversation_id=conversation.pk,
        client_id="with-file",
        body="",
        attachment_ids=[attachment.pk],
    )
    finished: list[object] = []

    def on_finished(sender: object, **_kwargs: object) -> None:
        finished.append(sender)

    request_finished.connect(on_finished)
    try:
        async with client_of(handler) as client:
            client.cookies.update(await session_cookie(bruno))
            download = await client.get(f"/messages/files/{attachment.pk}/")
    finally:
        request_finished.disconnect(on_finished)
    assert download.status_code == 200, download.text[:200]
    assert download.content == content
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert finished, "the streamed response was never closed"


async def test_each_pool_thread_keeps_its_connection_between_requests() -> None:
    pooled = PooledASGIHandler(threads=1)
    anne = await sync_to_async(make_user)()
    headers = await bearer(anne)
    backends: list[object] = []

    def on_created(sender: object, connection: Any, **_kwargs: object) -> None:
        raw = connection.connection
        # PostgreSQL borrows from psycopg's pool: the server process tells a new connection.
        backends.append(raw.info.backend_pid if connection.vendor == "postgresql" else id(raw))

    connection_created.connect(on_created)
    try:
        async with client_of(pooled) as client:
            for _ in range(6):
                assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    finally:
        connection_created.disconnect(on_created)
        await sync_to_async(pooled.shutdown)()
    if connections["default"].vendor == "postgresql":
        # Borrowed per request from the pool, which keeps at most its minimum open when idle.
        assert len(set(backends)) <= 2
    else:
        # SQLite: one connection for the thread's life (CONN_MAX_AGE), opened once.
        assert len(backends) <= 1


async def test_a_view_that_publishes_reaches_sockets_on_the_server_loop(
    handler: PooledASGIHandler,
) -> None:
    """A send through the API publishes with `async_to_sync` from a pool thread: the event must
    reach the in-memory channel layer on the server's own event loop, and so the other socket."""
    anne, bruno = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    conversation = await sync_to_async(make_direct)(anne, bruno)
    socket = await connected(bruno)
    try:
        async with client_of(handler) as client:
            sent = await client.post(
                f"/api/v1/conversations/{conversation.pk}/messages",
                json={"body": "Par le pool", "client_id": "pool-1"},
                headers=await bearer(anne),
            )
        assert sent.status_code in (200, 201), sent.text
        frame = await next_of_type(socket, "message.new")
        assert frame["message"]["body"] == "Par le pool"
    finally:
        await socket.disconnect()


async def test_a_client_gone_before_its_body_ends_gets_nothing(handler: PooledASGIHandler) -> None:
    messages: Iterator[dict[str, Any]] = iter(
        [
            {"type": "http.request", "body": b'{"username": ', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/auth/token",
        "raw_path": b"/api/v1/auth/token",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    await handler(scope, receive, send)
    assert sent == []


async def test_websocket_scopes_are_refused() -> None:
    pooled = PooledASGIHandler(threads=1)
    try:
        with pytest.raises(ValueError):
            await pooled({"type": "websocket"}, None, None)
    finally:
        await sync_to_async(pooled.shutdown)()


def test_the_application_serves_http_with_the_pooled_handler() -> None:
    from cercle import asgi

    assert isinstance(asgi.http_application, PooledASGIHandler)
    # The session cookie path works as for Django's handler (sanity check of the test client).
    assert Client().get("/accounts/login/").status_code == 200
