"""How the feed follows people and spaces (`cercle.accounts.hooks`, `cercle.spaces.hooks`).

What a person's open pages may show depends on their role, the spaces they belong to or follow
and the people they follow: when one of those changes, their tabs re-read what their feed needs
(`events.subscriptions_changed`); when a space's kind changes, so do the tabs following it.
Registered by `FeedConfig.ready()`.
"""

from __future__ import annotations

from cercle.accounts import hooks as people
from cercle.core.hooks import listen
from cercle.feed import actions, demo, events
from cercle.spaces import hooks as spaces


def _resync(*user_ids: int) -> None:
    events.subscriptions_changed(user_ids=list(user_ids))


def role_changed(happening: people.RoleChanged) -> None:
    _resync(happening.person.pk)


def person_follow_changed(happening: people.PersonFollowChanged) -> None:
    _resync(happening.follower.pk)


def space_created(happening: spaces.SpaceCreated) -> None:
    _resync(happening.actor.pk)


def membership_changed(happening: spaces.MemberAdded | spaces.MemberRemoved) -> None:
    _resync(happening.user.pk)


def memberships_changed(happening: spaces.MembersAdded | spaces.MembersRemoved) -> None:
    _resync(*(user.pk for user in happening.users))


def space_follow_changed(happening: spaces.FollowChanged) -> None:
    _resync(happening.user.pk)


def space_changed(happening: spaces.SpaceChanged) -> None:
    if happening.space.kind != happening.old_kind:
        events.space_changed(space_id=happening.space.pk)


def space_activity(happening: spaces.SpaceActivity) -> None:
    """A module did something in a space, told by its feed, grouped (`actions.record_activity`)."""
    actions.record_activity(
        actor=happening.actor,
        space=happening.space,
        kind=happening.kind,
        items=happening.items,
    )


def register() -> None:
    listen(people.RoleChanged, role_changed)
    listen(people.PersonFollowChanged, person_follow_changed)
    listen(spaces.SpaceCreated, space_created)
    listen(spaces.MemberAdded, membership_changed)
    listen(spaces.MemberRemoved, membership_changed)
    listen(spaces.MembersAdded, memberships_changed)
    listen(spaces.MembersRemoved, memberships_changed)
    listen(spaces.FollowChanged, space_follow_changed)
    listen(spaces.SpaceChanged, space_changed)
    listen(spaces.SpaceActivity, space_activity)
    listen(people.DemoContentWanted, demo.seed_demo_wall)
