"""The realtime events of the notifications app (sent to the `user.<id>` group after commit).

`notification.new` (`NotificationNew`): a notification for me, or a reminder of one (the same id,
unread again) — the bell updates itself without polling.

`notification.read` (`NotificationRead`): marked read (`ids` null: all of them); every tab of the
person lowers its bell.

`unread` is `cercle.notifications.queries.unread_count`, the number the bell shows; the socket's
`hello` brings it too (`NotificationsHello`), so a page never asks for it over HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

from cercle.core.events import HelloPart
from cercle.core.realtime import Event
from cercle.notifications.models import Notification


@dataclass(frozen=True)
class NotificationsHello(HelloPart):
    """The bell's field of `hello` (`cercle.core.events.Hello`): the number of unread
    notifications, kept by the page from here on (`notification.new`, `notification.read`)
    rather than asked over HTTP after every full page (issue 15: half of all requests)."""

    unread_notifications: int


@dataclass(frozen=True)
class NotificationNew(Event):
    type = "notification.new"
    id: int
    kind: str
    unread: int


@dataclass(frozen=True)
class NotificationRead(Event):
    type = "notification.read"
    ids: list[int] | None
    unread: int


def notification_new(notification: Notification, *, unread: int) -> NotificationNew:
    return NotificationNew(id=notification.pk, kind=notification.kind, unread=unread)


def notification_read(*, ids: list[int] | None, unread: int) -> NotificationRead:
    """Some (`ids`) or all (`ids` null) of the person's notifications were marked read, in any
    tab or through the API: every tab's bell shows the new count."""
    return NotificationRead(ids=ids, unread=unread)
