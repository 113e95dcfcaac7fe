"""The realtime events of the wall: `feed.new` ("N new posts" without reloading), `feed.updated`
(a post shown changed in place: an activity post's count).

The frames the browser gets are declared here (`FeedNew`, and `FeedSubscribed`,
`FeedUnsubscribed` answering the tab's `feed.subscribe` / `feed.unsubscribe`; docs/realtime.md).
The channel-layer message that carries `feed.new` (`Route.message()`) holds the frame and what
the socket needs to decide who gets it, which stays on the server.

Fan-out without a call per reader: a new post is sent once to a few channel-layer groups — its
space's (`feed.space.<id>`), its profile wall's (`feed.wall.<id>`), its author's
(`feed.author.<id>`, for followers), each of its hashtags' (`feed.hashtag.<id>`) — and to the
`user.<id>` group of each person it mentions (already limited to those who may see it). A tab
showing a feed asks its socket to join the groups of that feed (`feed.subscribe`,
`cercle.feed.consumers`); the socket passes a post on only when the person may see it (`may_see`,
the rule of `cercle.feed.queries` for a new post, tested against it) and when it belongs to the
feed shown (`FeedPlan.matches`).

A tab showing the home page also joins the groups the modules extending posts register
(`feed.registry.register_home_group`: announcements' banners, `cercle.announcements.events`);
their part of the socket passes their events on.

Membership and follows change the groups a home feed needs: the actions that change them call
`subscriptions_changed` (to the person's tabs) or `space_changed` (to the tabs reading a space whose
kind changed); the socket then reloads its plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction

from cercle.core.realtime import Event, send_now, user_group
from cercle.feed import registry
from cercle.spaces.queries import OPEN_WALL_KINDS

if TYPE_CHECKING:
    from cercle.feed.models import Post


@dataclass(frozen=True)
class FeedNew(Event):
    """A post (or share) for the feed the tab shows, that the person may see (never their own).
    `space_id` is null for a profile wall's post, `wall_owner_id` the wall's person."""

    type = "feed.new"
    post_id: int
    space_id: int | None
    author_id: int
    wall_owner_id: int | None


@dataclass(frozen=True)
class FeedUpdated(Event):
    """A post the feed shown holds changed in place and the person may see it — an activity post
    that grew ("Anne added 4 files to Atelier" after 3): a page showing it draws it again. Sent to
    the author's other tabs too."""

    type = "feed.updated"
    post_id: int
    space_id: int | None
    author_id: int
    wall_owner_id: int | None


@dataclass(frozen=True)
class FeedSubscribed(Event):
    """The answer to `feed.subscribe`: `filter` for the home feed, `id` for a space or a wall."""

    type = "feed.subscribed"
    omit_when_none = frozenset({"filter", "id"})
    feed: str
    filter: str | None = None
    id: int | None = None


@dataclass(frozen=True)
class FeedUnsubscribed(Event):
    """The answer to `feed.unsubscribe`; also sent when the person may no longer read the space
    the tab subscribed to."""

    type = "feed.unsubscribed"


# Channel-layer message types (the consumer's handlers `feed_new`, `feed_resync`): the first
# carries the frame of that type.
NEW = FeedNew.type
UPDATED = FeedUpdated.type
RESYNC = "feed.resync"


def space_group(space_id: int) -> str:
    return f"feed.space.{space_id}"


def wall_group(user_id: int) -> str:
    return f"feed.wall.{user_id}"


def author_group(user_id: int) -> str:
    return f"feed.author.{user_id}"


def hashtag_group(hashtag_id: int) -> str:
    return f"feed.hashtag.{hashtag_id}"


@dataclass(frozen=True)
class Route:
    """What a socket needs to decide on a new post without the database. Only `frame()` reaches
    the browser; `public`, `hashtag_ids` and `mention_ids` stay on the server."""

    post_id: int
    space_id: int | None
    author_id: int
    wall_owner_id: int | None
    # Readable by every active non-guest: a profile wall, an open space, the organisation space.
    public: bool
    hashtag_ids: frozenset[int] = frozenset()
    mention_ids: frozenset[int] = frozenset()

    def frame(self) -> FeedNew:
        return FeedNew(
            post_id=self.post_id,
            space_id=self.space_id,
            author_id=self.author_id,
            wall_owner_id=self.wall_owner_id,
        )

    def message(self, *, updated: bool = False) -> dict[str, Any]:
        """The layer message of `feed.new` (or, `updated`, of `feed.updated`)."""
        frame = self.frame()
        return {
            "type": UPDATED if updated else NEW,
            "event": (
                FeedUpdated(
                    post_id=frame.post_id,
                    space_id=frame.space_id,
                    author_id=frame.author_id,
                    wall_owner_id=frame.wall_owner_id,
                )
                if updated
                else frame
            ).payload(),
            "public": self.public,
            "hashtag_ids": sorted(self.hashtag_ids),
            "mention_ids": sorted(self.mention_ids),
        }

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> Route:
        event = message["event"]
        return cls(
            post_id=int(event["post_id"]),
            space_id=event["space_id"],
            author_id=int(event["author_id"]),
            wall_owner_id=event["wall_owner_id"],
            public=bool(message["public"]),
            hashtag_ids=frozenset(message.get("hashtag_ids") or ()),
            mention_ids=frozenset(message.get("mention_ids") or ()),
        )

    def groups(self) -> set[str]:
        groups = {author_group(self.author_id)}
        if self.space_id is not None:
            groups.add(space_group(self.space_id))
        if self.wall_owner_id is not None:
            groups.add(wall_group(self.wall_owner_id))
        groups |= {hashtag_group(h) for h in self.hashtag_ids}
        groups |= {user_group(u) for u in self.mention_ids if u != self.author_id}
        return groups


def route_of(post: Post, *, hashtag_ids: Iterable[int], mention_ids: Iterable[int]) -> Route:
    space = post.space
    public = space is None or space.is_organisation or space.kind in OPEN_WALL_KINDS
    return Route(
        post_id=post.pk,
        space_id=post.space_id,
        author_id=post.author_id,
        wall_owner_id=post.wall_owner_id,
        public=public,
        hashtag_ids=frozenset(hashtag_ids),
        mention_ids=frozenset(mention_ids),
    )


@dataclass(frozen=True)
class FeedPlan:
    """The groups one feed page needs, and which posts belong to it."""

    feed: str  # "home", "space" or "wall"
    id: int | None = None
    filter: str = "all"
    space_ids: frozenset[int] = frozenset()
    author_ids: frozenset[int] = frozenset()
    hashtag_ids: frozenset[int] = frozenset()
    wall_ids: frozenset[int] = frozenset()
    mentions_of: int | None = None

    def groups(self) -> set[str]:
        return (
            (set(registry.home_groups()) if self.feed == "home" else set())
            | {space_group(i) for i in self.space_ids}
            | {author_group(i) for i in self.author_ids}
            | {hashtag_group(i) for i in self.hashtag_ids}
            | {wall_group(i) for i in self.wall_ids}
        )

    def matches(self, route: Route) -> bool:
        return bool(
            (route.space_id is not None and route.space_id in self.space_ids)
            or route.author_id in self.author_ids
            or (route.hashtag_ids & self.hashtag_ids)
            or (route.space_id is None and route.wall_owner_id in self.wall_ids)
            or (self.mentions_of is not None and self.mentions_of in route.mention_ids)
        )

    def subscribed(self) -> FeedSubscribed:
        if self.feed == "home":
            return FeedSubscribed(feed=self.feed, filter=self.filter)
        return FeedSubscribed(feed=self.feed, id=self.id)


def send_on_commit(message: dict[str, Any], *, groups: Iterable[str]) -> None:
    """Send a channel-layer `message` (its "type" names the socket's handler: `feed_new`,
    `feed_resync`) to the groups after commit; nothing is sent when the transaction rolls back."""
    targets = sorted(set(groups))
    transaction.on_commit(lambda: send_now(message, groups=targets))


def post_created(post: Post, *, mentioned: Iterable[Any] = ()) -> None:
    """Announce a new post (or share) after commit: one send per group, whatever the audience.
    `mentioned`: the people whose mention was recorded (those who may see the post)."""
    hashtag_ids = [h.pk for h in post.hashtags.all()]
    route = route_of(post, hashtag_ids=hashtag_ids, mention_ids=[u.pk for u in mentioned])
    send_on_commit(route.message(), groups=route.groups())


def post_updated(post: Post) -> None:
    """A post changed in place in a way every open feed should show at once (an activity post
    grew: `actions.record_activity`): after commit, to its space's, wall's and author's groups
    (not its hashtags' nor its mentions': an activity post has none)."""
    route = route_of(post, hashtag_ids=[], mention_ids=[])
    send_on_commit(route.message(updated=True), groups=route.groups())


def subscriptions_changed(*, user_ids: Iterable[int]) -> None:
    """The spaces or follows of these people changed: their tabs reload what their feed needs."""
    send_on_commit({"type": RESYNC}, groups=[user_group(u) for u in user_ids])


def space_changed(*, space_id: int) -> None:
    """Who may read a space changed (its kind): the tabs following it reload what they need."""
    send_on_commit({"type": RESYNC}, groups=[space_group(space_id)])
