"""How announcements follow their posts (`cercle.feed.hooks`): a post deleted or hidden by a
moderator ends its announcement (its "please confirm" notifications, its banners, live); the demo
organisation's welcome post is announced. Registered by `AnnouncementsConfig.ready()`."""

from __future__ import annotations

from cercle.announcements import actions
from cercle.core.hooks import listen
from cercle.feed import hooks as feed


def post_deleted(happening: feed.PostDeleted) -> None:
    actions.end_for_post(happening.post)


def post_hidden(happening: feed.PostHidden) -> None:
    actions.end_for_post(happening.post)


def demo_wall_seeded(happening: feed.DemoWallSeeded) -> None:
    actions.announce(actor=happening.staff, post=happening.welcome)


def register() -> None:
    listen(feed.PostDeleted, post_deleted)
    listen(feed.PostHidden, post_hidden)
    listen(feed.DemoWallSeeded, demo_wall_seeded)
