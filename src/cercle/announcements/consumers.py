"""The announcements part of the /ws/ socket (a `cercle.core.consumers.SocketPart`, assembled
into `cercle.routing.Socket`).

A tab showing the home page joins `feed.announcements` (its feed subscription, `feed.subscribe`,
registered with the feed: `feed.registry.register_home_group`). This part passes on each new
`feed.announcement` that targets the person (`cercle.announcements.queries.is_targeted`), and
`feed.announcement_removed` when one that targeted them ends for them (`loses_announcement`),
reading the feed part's subscription (`feed_plan`, `feed_audience`).
"""

from __future__ import annotations

from typing import Any

from cercle.announcements.events import AnnouncementRemoval, AnnouncementRoute
from cercle.announcements.queries import is_targeted, loses_announcement
from cercle.core.consumers import SocketPart
from cercle.feed.events import FeedPlan
from cercle.feed.queries import Audience


class AnnouncementsSocketMixin(SocketPart):
    def announcements_home(self) -> Audience | None:
        """The audience of a tab showing the home page (None: it shows another page)."""
        plan: FeedPlan | None = getattr(self, "feed_plan", None)
        audience: Audience | None = getattr(self, "feed_audience", None)
        if plan is None or plan.feed != "home":
            return None
        return audience

    async def feed_announcement(self, message: dict[str, Any]) -> None:
        """A new announcement: passed on to a home page, if it targets the person and they may
        see its post."""
        audience = self.announcements_home()
        if audience is None:
            return
        if not is_targeted(audience, AnnouncementRoute.from_message(message)):
            return
        await self.send_json(message["event"])

    async def feed_announcement_removed(self, message: dict[str, Any]) -> None:
        """An announcement ended (taken back, post deleted or hidden, retargeted): the id passed
        on to a home page, if it targeted the person and no longer does."""
        audience = self.announcements_home()
        if audience is None:
            return
        if not loses_announcement(audience, AnnouncementRemoval.from_message(message)):
            return
        await self.send_json(message["event"])
