"""Publishing realtime events to browser tabs, once the transaction commits.

Groups: `user.<id>` (every tab of one person) and `conversation.<id>` (every tab of every member of
a conversation; the socket joins it on connect and when the person is added). Only actions publish.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def _message(event: dict[str, Any]) -> dict[str, Any]:
    return {"type": "cercle.event", "event": event}


def publish_now(event: dict[str, Any], *, groups: Iterable[str]) -> None:
    """Send `event` to the groups at once (for ephemeral events that store nothing)."""
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        async_to_sync(layer.group_send)(group, _message(event))


async def apublish_now(event: dict[str, Any], *, groups: Iterable[str]) -> None:
    """`publish_now` from async code (the consumer's typing and presence)."""
    layer = get_channel_layer()
    if layer is None:
        return
    for group in groups:
        await layer.group_send(group, _message(event))


def publish_on_commit(
    event: dict[str, Any],
    *,
    user_ids: Iterable[int] = (),
    conversation_ids: Iterable[int] = (),
) -> None:
    """Send `event` (a JSON-able dict with a "type") to each person's and each conversation's
    group after commit; nothing is sent when the transaction rolls back."""
    groups = [user_group(user_id) for user_id in sorted(set(user_ids))]
    groups += [conversation_group(cid) for cid in sorted(set(conversation_ids))]

    transaction.on_commit(lambda: publish_now(event, groups=groups))
