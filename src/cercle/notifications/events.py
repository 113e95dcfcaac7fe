"""The realtime events of the notifications app (sent to the `user.<id>` group after commit).

`notification.new`: `{"type": "notification.new", "id": <notification id>, "kind": <kind>,
"unread": <the person's unread count>}` — the bell updates itself without polling.

`notification.read`: `{"type": "notification.read", "ids": [<id>, …] | null, "unread": <count>}` —
marked read (null: all of them); every tab of the person lowers its bell.

`unread` is `cercle.notifications.queries.unread_count`, the number the bell shows.
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


def notification_read(*, ids: list[int] | None, unread: int) -> dict[str, Any]:
    """Some (`ids`) or all (`ids` null) of the person's notifications were marked read, in any
    tab or through the API: every tab's bell shows the new count."""
    return {"type": "notification.read", "ids": ids, "unread": unread}
