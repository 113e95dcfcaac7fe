"""The /ws/ socket, assembled from each module's part, and its route: one socket per browser tab.

Each module that needs the socket contributes a mixin (a `cercle.core.consumers.SocketPart`:
its frames, groups, direct events and hello fields); adding one is one line in `Socket` below. The
parts' hooks run in the order listed; a frame type claimed by two parts is an error when this
module is imported.
"""

from __future__ import annotations

from django.urls import path

from cercle.adoption.consumers import AdoptionSocketMixin
from cercle.announcements.consumers import AnnouncementsSocketMixin
from cercle.chat.consumers import ChatSocketMixin
from cercle.core.consumers import RealtimeConsumer
from cercle.documents.consumers import DocumentsSocketMixin
from cercle.feed.consumers import FeedSocketMixin
from cercle.news.consumers import NewsSocketMixin
from cercle.notifications.consumers import NotificationsSocketMixin


class Socket(
    ChatSocketMixin,
    FeedSocketMixin,
    AnnouncementsSocketMixin,
    NotificationsSocketMixin,
    NewsSocketMixin,
    AdoptionSocketMixin,
    DocumentsSocketMixin,
    RealtimeConsumer,
):
    """One socket per browser tab at /ws/."""


websocket_urlpatterns = [path("ws/", Socket.as_asgi())]
