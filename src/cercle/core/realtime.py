"""Publishing realtime events to the browser tabs of given people, once the transaction commits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def publish_on_commit(event: dict[str, Any], *, user_ids: Iterable[int]) -> None:
    """Send `event` (a JSON-able dict with a "type") to each person's group after commit."""
    recipients = sorted(set(user_ids))

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        for user_id in recipients:
            async_to_sync(layer.group_send)(
                user_group(user_id), {"type": "cercle.event", "event": event}
            )

    transaction.on_commit(send)
