"""What happens to posts that the modules extending them follow (`cercle.core.hooks`).

The feed's actions `emit` these in their transaction; a module that hangs something on a post
(an announcement) `listen`s from its `apps.py` and ends or changes it there. The feed imports
none of those modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cercle.accounts.models import User
from cercle.feed.models import Post

if TYPE_CHECKING:
    from cercle.feed.demo import DemoMonth


@dataclass(frozen=True)
class PostDeleted:
    """A post is being deleted: emitted just before its row goes (what hangs on it is still
    there to read), in the deleting action's transaction."""

    actor: User
    post: Post


@dataclass(frozen=True)
class PostHidden:
    """A moderator hid a post (`decide_report`): it shows to its author and the moderators only."""

    actor: User
    post: Post


@dataclass(frozen=True)
class DemoMonthPlanned:
    """The demo organisation's month on the wall is planned (`cercle.feed.demo`), not yet written:
    a module extending the feed adds its own dated steps to `demo` (`demo.add(when, step)`, with
    `demo.people`, `demo.rng`, `demo.count`), and they run in date order with the posts'."""

    demo: DemoMonth
