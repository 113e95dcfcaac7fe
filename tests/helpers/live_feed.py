"""What the live-announcement tests share: a signed-in client, the layer sends of one message type,
a home page's socket subscription, its audience, and closing the database thread's connections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import SyncToAsync
from channels.layers import get_channel_layer
from django.db import connections
from django.test import Client

from cercle.feed import queries
from tests.helpers.sockets import next_of_type


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def count_group_sends(monkeypatch: pytest.MonkeyPatch, message_type: str) -> list[str]:
    """Every group_send of a layer message of `message_type` from now on, by group name."""
    layer = get_channel_layer()
    assert layer is not None
    original = layer.group_send
    made: list[str] = []

    async def counted(group: str, message: dict[str, Any]) -> None:
        if message["type"] == message_type:
            made.append(group)
        await original(group, message)

    monkeypatch.setattr(layer, "group_send", counted)
    return made


@pytest.fixture
def _close_worker_connections() -> Iterator[None]:
    yield
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)


async def home(comm: Any, **frame: Any) -> None:
    await comm.send_json_to({"type": "feed.subscribe", "feed": "home", **frame})
    await next_of_type(comm, "feed.subscribed")


def audience_of(person: Any) -> queries.Audience:
    """As a home page's socket loads it."""
    _plan, audience = queries.load_plan(person.pk, "home", None, "all")
    return audience
