"""The feed part of the /ws/ socket (a `cercle.core.consumers.SocketPart`, assembled into
`cercle.routing.Socket`).

A tab showing a feed sends `{"type": "feed.subscribe", "feed": "home", "filter": "all"}` (or
`"feed": "space"` / `"wall"` with an `"id"`); the socket joins the channel-layer groups that feed
needs (`cercle.feed.events.FeedPlan`, read by `cercle.feed.queries.load_plan`) and passes on
each `feed.new` that belongs to it and that the person may see (`cercle.feed.queries.may_see`).
A home page also joins the groups other modules register (`feed.registry.register_home_group`);
their own part of the socket reads `feed_plan` and `feed_audience` to pass their events on
(`cercle.announcements.consumers`).
One subscription per socket: a new one replaces the last. A `feed.resync` (sent by actions when
the person's spaces or follows change, or a space's kind) reloads the plan.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError

from cercle.core.consumers import SocketPart
from cercle.core.events import HelloPart
from cercle.feed.events import FeedPlan, FeedUnsubscribed, Route
from cercle.feed.queries import FILTERS, Audience, NotFound, load_plan, may_see

FEEDS = ("home", "space", "wall")
# Post ids recently passed on by one socket (a post can arrive through several groups).
RECENT_KEPT = 200


_load_plan = database_sync_to_async(load_plan)


class FeedSocketMixin(SocketPart):
    frames = {"feed.subscribe": "on_feed_subscribe", "feed.unsubscribe": "on_feed_unsubscribe"}

    feed_plan: FeedPlan | None
    feed_audience: Audience | None
    feed_groups: set[str]
    feed_recent: OrderedDict[int, None]

    async def part_connect(self) -> HelloPart | None:
        """No group until the tab subscribes to a feed (`feed.subscribe`)."""
        self.feed_plan = None
        self.feed_audience = None
        self.feed_groups = set()
        self.feed_recent = OrderedDict()
        return None

    async def part_disconnect(self) -> None:
        if hasattr(self, "feed_groups"):
            await self._feed_apply(None, None)

    async def on_feed_subscribe(self, frame: dict[str, Any]) -> None:
        feed = frame.get("feed")
        if feed not in FEEDS:
            raise ValidationError({"feed": ["Choose home, space or wall."]})
        feed_filter = frame.get("filter", "all")
        feed_id = frame.get("id")
        if feed == "home":
            if feed_filter not in FILTERS:
                raise ValidationError({"filter": [f"Choose one of {', '.join(FILTERS)}."]})
            feed_id = None
        elif isinstance(feed_id, bool) or not isinstance(feed_id, int) or feed_id < 0:
            raise ValidationError({"id": ["Give a whole number."]})
        plan, audience = await _load_plan(self.user.pk, feed, feed_id, feed_filter)
        await self._feed_apply(plan, audience)
        await self.send_event(plan.subscribed())

    async def on_feed_unsubscribe(self, frame: dict[str, Any]) -> None:
        await self._feed_apply(None, None)
        await self.send_event(FeedUnsubscribed())

    async def _feed_apply(self, plan: FeedPlan | None, audience: Audience | None) -> None:
        wanted = plan.groups() if plan is not None else set()
        for group in sorted(self.feed_groups - wanted):
            await self.channel_layer.group_discard(group, self.channel_name)
        for group in sorted(wanted - self.feed_groups):
            await self.channel_layer.group_add(group, self.channel_name)
        if plan is None or self.feed_plan is None or plan.feed != self.feed_plan.feed:
            self.feed_recent.clear()
        self.feed_groups = wanted
        self.feed_plan, self.feed_audience = plan, audience

    # --- channel-layer handlers ---------------------------------------------------------------

    async def feed_new(self, message: dict[str, Any]) -> None:
        """A new post: passed on once, if it belongs to the feed shown and the person may see it."""
        plan, audience = getattr(self, "feed_plan", None), getattr(self, "feed_audience", None)
        if plan is None or audience is None:
            return
        route = Route.from_message(message)
        if route.author_id == audience.user_id or route.post_id in self.feed_recent:
            return
        if not plan.matches(route) or not may_see(audience, route):
            return
        self.feed_recent[route.post_id] = None
        while len(self.feed_recent) > RECENT_KEPT:
            self.feed_recent.popitem(last=False)
        await self.send_json(message["event"])

    async def feed_updated(self, message: dict[str, Any]) -> None:
        """A post changed in place (an activity post grew): passed on, the author's own tabs
        included, if it belongs to the feed shown and the person may see it."""
        plan, audience = getattr(self, "feed_plan", None), getattr(self, "feed_audience", None)
        if plan is None or audience is None:
            return
        route = Route.from_message(message)
        if not plan.matches(route):
            return
        if route.author_id != audience.user_id and not may_see(audience, route):
            return
        await self.send_json(message["event"])

    async def feed_resync(self, message: dict[str, Any]) -> None:
        """The person's spaces or follows (or a space's readers) changed: reload the plan."""
        plan = getattr(self, "feed_plan", None)
        if plan is None:
            return
        try:
            fresh, audience = await _load_plan(self.user.pk, plan.feed, plan.id, plan.filter)
        except NotFound:
            await self._feed_apply(None, None)
            await self.send_event(FeedUnsubscribed())
            return
        await self._feed_apply(fresh, audience)
