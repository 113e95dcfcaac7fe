"""The realtime events of announcements: `feed.announcement` (a new announcement's banner at the
top of the home page) and `feed.announcement_removed` (that banner goes). The frames keep the
`feed.` names they had when announcements were part of the feed: the home page's script listens
for them (docs/realtime.md).

A new announcement is sent once to one group, `feed.announcements`, which every tab showing the
home page joins (registered with the feed: `feed.registry.register_home_group`; announcements are
rare, and their banner shows whatever the filter): the socket's announcements part
(`cercle.announcements.consumers`) passes it on only to a person it targets who may see its post
(`is_targeted`, the rule of `cercle.announcements.queries.active_announcements` on the fields of
the message, tested against it). An announcement that ends for some of them — taken back, its
post deleted or hidden by a moderator, or retargeted away from them — is sent the same way: one
message to that group, with its targets before (and after, when retargeted); the socket passes
the removal (the id only) on only to a person it targeted who may see its post and whom it no
longer targets (`loses_announcement`), so nobody learns of an announcement they were never shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from cercle.core.realtime import Event
from cercle.feed.events import Route, route_of, send_on_commit

if TYPE_CHECKING:
    from cercle.announcements.models import Announcement


@dataclass(frozen=True)
class FeedAnnouncement(Event):
    """A post just made an announcement (or retargeted) that targets the person: to a home feed."""

    type = "feed.announcement"
    announcement_id: int
    post_id: int
    space_id: int | None
    author_id: int
    requires_ack: bool


@dataclass(frozen=True)
class FeedAnnouncementRemoved(Event):
    """An announcement that targeted the person no longer does: to a home feed."""

    type = "feed.announcement_removed"
    announcement_id: int


# Channel-layer message types (the socket's handlers `feed_announcement`,
# `feed_announcement_removed`, in `cercle.announcements.consumers`): each carries the frame of
# that type.
ANNOUNCEMENT = FeedAnnouncement.type
ANNOUNCEMENT_REMOVED = FeedAnnouncementRemoved.type
# Joined by every tab showing the home page (where announcements show).
ANNOUNCEMENTS_GROUP = "feed.announcements"


@dataclass(frozen=True)
class AnnouncementRoute:
    """What a socket needs to decide on a new announcement without the database: its post's
    route (who may see the post) and its targets. Only `frame()` reaches the browser."""

    announcement_id: int
    post: Route
    requires_ack: bool = False
    # Empty both: everyone who may see the post.
    department_ids: frozenset[int] = frozenset()
    site_ids: frozenset[int] = frozenset()

    def frame(self) -> FeedAnnouncement:
        return FeedAnnouncement(
            announcement_id=self.announcement_id,
            post_id=self.post.post_id,
            space_id=self.post.space_id,
            author_id=self.post.author_id,
            requires_ack=self.requires_ack,
        )

    def message(self) -> dict[str, Any]:
        return {
            "type": ANNOUNCEMENT,
            "event": self.frame().payload(),
            "wall_owner_id": self.post.wall_owner_id,
            "public": self.post.public,
            "department_ids": sorted(self.department_ids),
            "site_ids": sorted(self.site_ids),
        }

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> AnnouncementRoute:
        event = message["event"]
        return cls(
            announcement_id=int(event["announcement_id"]),
            post=Route(
                post_id=int(event["post_id"]),
                space_id=event["space_id"],
                author_id=int(event["author_id"]),
                wall_owner_id=message.get("wall_owner_id"),
                public=bool(message["public"]),
            ),
            requires_ack=bool(event["requires_ack"]),
            department_ids=frozenset(message.get("department_ids") or ()),
            site_ids=frozenset(message.get("site_ids") or ()),
        )


def announcement_route_of(
    announcement: Announcement, *, department_ids: Iterable[int], site_ids: Iterable[int]
) -> AnnouncementRoute:
    return AnnouncementRoute(
        announcement_id=announcement.pk,
        post=route_of(announcement.post, hashtag_ids=(), mention_ids=()),
        requires_ack=announcement.requires_ack,
        department_ids=frozenset(department_ids),
        site_ids=frozenset(site_ids),
    )


@dataclass(frozen=True)
class AnnouncementRemoval:
    """An announcement that ends for some of the people it targeted: `before` is its route as it
    was (its post, its targets); `after` its new targets when it was retargeted (those it still
    targets keep its banner), None when it ended for everyone (taken back, its post deleted or
    hidden). Only `frame()` — the id — reaches the browser."""

    before: AnnouncementRoute
    after: AnnouncementRoute | None = None

    def frame(self) -> FeedAnnouncementRemoved:
        return FeedAnnouncementRemoved(announcement_id=self.before.announcement_id)

    def message(self) -> dict[str, Any]:
        before = self.before.message()
        message = {
            **before,
            "type": ANNOUNCEMENT_REMOVED,
            "event": self.frame().payload(),
            # What `AnnouncementRoute.from_message` reads of the post (not sent to browsers).
            "post": before["event"],
            "kept": None,
        }
        if self.after is not None:
            message["kept"] = {
                "department_ids": sorted(self.after.department_ids),
                "site_ids": sorted(self.after.site_ids),
            }
        return message

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> AnnouncementRemoval:
        before = AnnouncementRoute.from_message({**message, "event": message["post"]})
        kept = message.get("kept")
        after = None
        if kept is not None:
            after = replace(
                before,
                department_ids=frozenset(kept.get("department_ids") or ()),
                site_ids=frozenset(kept.get("site_ids") or ()),
            )
        return cls(before=before, after=after)


def announced(
    announcement: Announcement, *, department_ids: Iterable[int], site_ids: Iterable[int]
) -> None:
    """Tell the home pages of the people a new (or retargeted) announcement targets, after
    commit: one send, whatever the audience; each socket keeps it only for a targeted person who
    may see the post (`cercle.announcements.queries.is_targeted`). `department_ids`,
    `site_ids`: its targets (none: everyone who may see the post)."""
    route = announcement_route_of(announcement, department_ids=department_ids, site_ids=site_ids)
    send_on_commit(route.message(), groups=[ANNOUNCEMENTS_GROUP])


def announcement_removed(
    before: AnnouncementRoute, *, after: AnnouncementRoute | None = None
) -> None:
    """Take an announcement's banner off the home pages that may show it, after commit: one send,
    whatever the audience; each socket passes it on only to a person it targeted who may see its
    post and whom it no longer targets (`cercle.announcements.queries.loses_announcement`).
    `before`: its route until now (built before its post or it is deleted); `after`: its route
    once retargeted (None: it ended for everyone)."""
    removal = AnnouncementRemoval(before=before, after=after)
    send_on_commit(removal.message(), groups=[ANNOUNCEMENTS_GROUP])
