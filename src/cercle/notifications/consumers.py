"""The notifications' part of the /ws/ socket (a `cercle.core.consumers.SocketPart`, assembled
into `cercle.routing.Socket`): no frame and no group of its own (its events go to `user.<id>`,
which every socket joins), only the events an idle socket may be handed at once, and the bell's
count in `hello` (`unread_notifications`)."""

from __future__ import annotations

from typing import ClassVar

from channels.db import database_sync_to_async

from cercle.core.consumers import SocketPart
from cercle.core.events import HelloPart
from cercle.notifications.events import NotificationNew, NotificationRead, NotificationsHello
from cercle.notifications.queries import unread_count

_unread_count = database_sync_to_async(unread_count)


class NotificationsSocketMixin(SocketPart):
    direct_events = frozenset({NotificationNew.type, NotificationRead.type})
    hello_part: ClassVar[type[HelloPart] | None] = NotificationsHello

    async def part_connect(self) -> HelloPart | None:
        """The bell's count, for the page to show without asking (`GET /notifications/bell/`)."""
        return NotificationsHello(unread_notifications=await _unread_count(self.user))
