"""`notification.new` reaches the recipient's group after commit, and nobody else's."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from cercle.core.realtime import user_group
from cercle.feed import actions as feed_actions
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_mention_publishes_to_the_recipient_only(django_capture_on_commit_callbacks: Any) -> None:
    anne, bob, carol = make_user(), make_user(username="bob"), make_user()
    layer = get_channel_layer()
    assert layer is not None

    async def listen(user_id: int) -> str:
        channel = await layer.new_channel()
        await layer.group_add(user_group(user_id), channel)
        return str(channel)

    bob_channel = async_to_sync(listen)(bob.pk)
    carol_channel = async_to_sync(listen)(carol.pk)
    with django_capture_on_commit_callbacks(execute=True):
        feed_actions.create_post(actor=anne, body="Hi @bob")
    message = async_to_sync(layer.receive)(bob_channel)
    if message["type"] == "feed.new":  # the mention also reaches bob's feed (tests/feed)
        message = async_to_sync(layer.receive)(bob_channel)
    assert message["event"]["type"] == "notification.new"
    assert message["event"]["kind"] == "mention" and message["event"]["unread"] == 1

    async def nothing_for(channel: str) -> bool:
        import asyncio

        try:
            await asyncio.wait_for(layer.receive(channel), timeout=0.3)
        except TimeoutError:
            return True
        return False

    assert async_to_sync(nothing_for)(carol_channel)
