"""Live feeds (the /ws/ socket): what a feed page listens to, and who may see a new post."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from cercle.accounts.models import Follow, User
from cercle.feed.events import FeedPlan, Route
from cercle.feed.models import (
    HashtagFollow,
)
from cercle.feed.queries.visibility import NotFound
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Space, SpaceFollow

# --- Live feeds (the /ws/ socket): what a feed page listens to, and who may see a new post ------


@dataclass(frozen=True)
class Audience:
    """One person as far as seeing a new post goes (loaded once per subscription)."""

    user_id: int
    is_admin: bool
    is_guest: bool
    member_space_ids: frozenset[int]
    # The profile's (modules may target departments or sites: announcements).
    department_id: int | None = None
    site_id: int | None = None


def may_see(audience: Audience, route: Route) -> bool:
    """May this person see this new (not hidden) post? The rule of
    `cercle.feed.queries.visible_posts`, on the fields of the route (tests/feed/test_events.py
    checks that both agree for every kind of space and person)."""
    if audience.is_admin:
        return True
    if route.space_id is not None:
        return route.space_id in audience.member_space_ids or (
            not audience.is_guest and route.public
        )
    return not audience.is_guest or audience.user_id in (route.author_id, route.wall_owner_id)


def load_plan(
    user_id: int, feed: str, feed_id: int | None, feed_filter: str
) -> tuple[FeedPlan, Audience]:
    """What one feed page needs, read afresh (the person's role or spaces may have changed).
    Raises NotFound for a space the person may not read, a person who does not exist, or a
    deactivated account."""
    user = User.objects.filter(pk=user_id, is_active=True).select_related("profile").first()
    if user is None:
        raise NotFound(_("No such person."))
    member = frozenset(space_queries.member_space_ids(user))
    profile = getattr(user, "profile", None)
    audience = Audience(
        user_id=user.pk,
        is_admin=user.is_admin,
        is_guest=user.is_guest,
        member_space_ids=member,
        department_id=profile.department_id if profile else None,
        site_id=profile.site_id if profile else None,
    )
    if feed == "space":
        space = Space.objects.filter(pk=feed_id).first() if feed_id is not None else None
        if space is None or not space_queries.can_read_wall(user, space):
            raise NotFound(_("No such space."))
        return FeedPlan(feed="space", id=space.pk, space_ids=frozenset([space.pk])), audience
    if feed == "wall":
        if feed_id is None or not User.objects.filter(pk=feed_id).exists():
            raise NotFound(_("No such person."))
        return FeedPlan(feed="wall", id=feed_id, wall_ids=frozenset([feed_id])), audience
    # The home feed: the rules of `cercle.feed.queries.home_posts`, filter by filter.
    spaces: set[int] = set()
    authors: set[int] = set()
    hashtags: set[int] = set()
    walls: set[int] = set()
    if feed_filter in ("all", "spaces"):
        spaces |= member
        if not user.is_guest:
            spaces.add(space_queries.organisation_space().pk)
    if feed_filter in ("all", "following"):
        authors = set(
            Follow.objects.filter(follower_id=user.pk).values_list("followed_id", flat=True)
        )
    if feed_filter == "all":
        spaces |= set(
            SpaceFollow.objects.filter(user_id=user.pk).values_list("space_id", flat=True)
        )
        hashtags = set(
            HashtagFollow.objects.filter(user_id=user.pk).values_list("hashtag_id", flat=True)
        )
        walls.add(user.pk)
    plan = FeedPlan(
        feed="home",
        filter=feed_filter,
        space_ids=frozenset(spaces),
        author_ids=frozenset(authors),
        hashtag_ids=frozenset(hashtags),
        wall_ids=frozenset(walls),
        mentions_of=user.pk if feed_filter == "mentions" else None,
    )
    return plan, audience
