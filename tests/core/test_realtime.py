"""The /ws/ socket: refused without a session or ticket, joined to the person's group, events
delivered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from cercle.core import actions
from cercle.core.events import Error, Pong
from cercle.core.models import RealtimeTicket
from cercle.core.realtime import Event, publish_each_on_commit, publish_on_commit
from cercle.routing import Socket
from tests.factories import make_user
from tests.helpers.sockets import CONNECT_TIMEOUT

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(frozen=True)
class Probe(Event):
    type = "test.probe"
    n: int


def communicator(user: Any, path: str = "/ws/") -> WebsocketCommunicator:
    comm = WebsocketCommunicator(Socket.as_asgi(), path)
    comm.scope["user"] = user
    return comm


async def test_ticket_connects_once_and_expired_tickets_are_refused() -> None:
    anne = await sync_to_async(make_user)()
    key, _ticket = await sync_to_async(actions.issue_ticket)(actor=anne)
    comm = communicator(None, f"/ws/?ticket={key}")
    assert (await comm.connect(timeout=CONNECT_TIMEOUT))[0]
    assert (await comm.receive_json_from())["user_id"] == anne.pk
    await comm.disconnect()
    assert await communicator(None, f"/ws/?ticket={key}").connect(timeout=CONNECT_TIMEOUT) == (
        False,
        4401,
    )
    key2, ticket2 = await sync_to_async(actions.issue_ticket)(actor=anne)
    await sync_to_async(RealtimeTicket.objects.filter(pk=ticket2.pk).update)(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert await communicator(None, f"/ws/?ticket={key2}").connect(timeout=CONNECT_TIMEOUT) == (
        False,
        4401,
    )
    assert await communicator(None, "/ws/?ticket=forged").connect(timeout=CONNECT_TIMEOUT) == (
        False,
        4401,
    )


async def test_anonymous_connection_is_refused() -> None:
    comm = communicator(AnonymousUser())
    connected, code = await comm.connect(timeout=CONNECT_TIMEOUT)
    assert not connected
    assert code == 4401


async def test_deactivated_person_is_refused() -> None:
    user = await sync_to_async(make_user)(is_active=False)
    connected, _ = await communicator(user).connect(timeout=CONNECT_TIMEOUT)
    assert not connected


async def test_events_published_after_commit_reach_only_their_recipients() -> None:
    anne = await sync_to_async(make_user)()
    bruno = await sync_to_async(make_user)()
    anne_socket, bruno_socket = communicator(anne), communicator(bruno)
    assert (await anne_socket.connect(timeout=CONNECT_TIMEOUT))[0]
    assert (await bruno_socket.connect(timeout=CONNECT_TIMEOUT))[0]
    assert (await anne_socket.receive_json_from())["type"] == "hello"
    assert (await bruno_socket.receive_json_from())["type"] == "hello"

    def publish() -> None:
        with transaction.atomic():
            publish_on_commit(Probe(n=42), user_ids=[anne.pk])

    await sync_to_async(publish)()
    assert await anne_socket.receive_json_from(timeout=2) == Probe(n=42).payload()
    assert await bruno_socket.receive_nothing(timeout=0.3)
    await anne_socket.disconnect()
    await bruno_socket.disconnect()


async def test_event_is_not_sent_when_the_transaction_rolls_back() -> None:
    anne = await sync_to_async(make_user)()
    socket = communicator(anne)
    await socket.connect(timeout=CONNECT_TIMEOUT)
    await socket.receive_json_from()

    def publish_then_fail() -> None:
        try:
            with transaction.atomic():
                publish_on_commit(Probe(n=0), user_ids=[anne.pk])
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    await sync_to_async(publish_then_fail)()
    assert await socket.receive_nothing(timeout=0.3)
    await socket.disconnect()


async def test_unknown_frames_get_an_error_and_ping_gets_pong() -> None:
    anne = await sync_to_async(make_user)()
    socket = communicator(anne)
    await socket.connect(timeout=CONNECT_TIMEOUT)
    await socket.receive_json_from()
    await socket.send_json_to({"type": "nonsense"})
    assert (await socket.receive_json_from()) == Error(
        code="unknown_type", detail="unknown frame type"
    ).payload()
    await socket.send_json_to({"type": "ping", "ref": 3})
    assert (await socket.receive_json_from()) == Pong().payload() == {"type": "pong"}
    await socket.disconnect()


async def test_events_published_each_to_their_person_after_commit_only() -> None:
    anne = await sync_to_async(make_user)()
    bruno = await sync_to_async(make_user)()
    anne_socket, bruno_socket = communicator(anne), communicator(bruno)
    assert (await anne_socket.connect(timeout=CONNECT_TIMEOUT))[0]
    assert (await bruno_socket.connect(timeout=CONNECT_TIMEOUT))[0]
    await anne_socket.receive_json_from()
    await bruno_socket.receive_json_from()

    def publish() -> None:
        try:
            with transaction.atomic():
                publish_each_on_commit([(Probe(n=0), anne.pk)])
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        with transaction.atomic():
            publish_each_on_commit(
                [
                    (Probe(n=1), anne.pk),
                    (Probe(n=2), bruno.pk),
                ]
            )

    await sync_to_async(publish)()
    assert await anne_socket.receive_json_from(timeout=2) == Probe(n=1).payload()
    assert await bruno_socket.receive_json_from(timeout=2) == Probe(n=2).payload()
    assert await anne_socket.receive_nothing(timeout=0.3)
    await anne_socket.disconnect()
    await bruno_socket.disconnect()
