"""How announcements follow their posts (`cercle.feed.hooks`): a post deleted or hidden by a
moderator ends its announcement (its "please confirm" notifications, its banners, live); the demo
organisation's month gets its announcements (`demo`). Registered by
`AnnouncementsConfig.ready()`."""

from __future__ import annotations

from cercle.announcements import actions, demo
from cercle.core.hooks import listen
from cercle.feed import hooks as feed


def post_deleted(happening: feed.PostDeleted) -> None:
    actions.end_for_post(happening.post)


def post_hidden(happening: feed.PostHidden) -> None:
    actions.end_for_post(happening.post)


def demo_month_planned(happening: feed.DemoMonthPlanned) -> None:
    demo.seed_announcements(happening.demo)


def register() -> None:
    listen(feed.PostDeleted, post_deleted)
    listen(feed.PostHidden, post_hidden)
    listen(feed.DemoMonthPlanned, demo_month_planned)
