"""The notifications' part of the /ws/ socket (a `cercle.core.consumers.SocketPart`, assembled
into `cercle.routing.Socket`): no frame and no group of its own (its events go to `user.<id>`,
which every socket joins), only the events an idle socket may be handed at once."""

from __future__ import annotations

from cercle.core.consumers import SocketPart
from cercle.notifications.events import NotificationNew, NotificationRead


class NotificationsSocketMixin(SocketPart):
    direct_events = frozenset({NotificationNew.type, NotificationRead.type})
