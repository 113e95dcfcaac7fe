"""The realtime event of the notifications app (sent to the `user.<id>` group after commit).

`notification.new`: `{"type": "notification.new", "id": <notification id>, "kind": <kind>,
"unread": <the person's unread count>}` — the bell updates itself without polling.
"""

from __future__ import annotations

from typing import Any

from cercle.notifications.models import Notification


def notification_new(notification: Notification, *, unread: int) -> dict[str, Any]:
    return {
        "type": "notification.new",
        "id": notification.pk,
        "kind": notification.kind,
        "unread": unread,
    }
