"""How chat follows the spaces it has a channel for (`cercle.spaces.hooks`), one change at a time.

A join or a departure is one chat row, whatever the space's size; only turning chat on (or
restoring the space, a repair that finds nothing to do unless the channel was closed by an older
version) copies the whole membership, once. The organisation space's channel fills as people open
it. Archiving keeps the channel and its members: it turns read-only (`queries.may_write`).
Registered by `ChatConfig.ready()`.
"""

from __future__ import annotations

from cercle.accounts import hooks as people
from cercle.chat import actions, demo
from cercle.core.hooks import listen
from cercle.spaces import hooks
from cercle.spaces.models import Membership, Space
from cercle.spaces.queries import has_module


def _has_channel(space: Space) -> bool:
    return has_module(space, "chat") and not space.is_archived


def _open_channel(space: Space) -> None:
    if not _has_channel(space) or space.is_organisation:
        return  # the organisation space's channel is created, and filled, as people open it
    member_ids = Membership.objects.filter(space=space, user__is_active=True).values_list(
        "user_id", flat=True
    )
    actions.open_space_channel(space_id=space.pk, name=space.name, member_ids=list(member_ids))


def space_created(happening: hooks.SpaceCreated) -> None:
    _open_channel(happening.space)


def space_changed(happening: hooks.SpaceChanged) -> None:
    space = happening.space
    had_chat = "chat" in happening.old_modules
    if has_module(space, "chat") and not had_chat:
        _open_channel(space)
    elif had_chat and not has_module(space, "chat"):
        actions.close_space_channel(space_id=space.pk)
    elif space.name != happening.old_name and not space.is_organisation:
        actions.rename_space_channel(space_id=space.pk, name=space.name)


def member_added(happening: hooks.MemberAdded) -> None:
    if _has_channel(happening.space):
        actions.add_space_member(space_id=happening.space.pk, user=happening.user)


def member_removed(happening: hooks.MemberRemoved) -> None:
    # In the organisation space, everyone but guests stays an (implied) member.
    if not happening.space.is_organisation or happening.user.is_guest:
        actions.remove_space_member(space_id=happening.space.pk, user_id=happening.user.pk)


def members_added(happening: hooks.MembersAdded) -> None:
    if _has_channel(happening.space):
        actions.add_space_members(space_id=happening.space.pk, users=happening.users)


def members_removed(happening: hooks.MembersRemoved) -> None:
    space = happening.space
    leaving = [user.pk for user in happening.users if not space.is_organisation or user.is_guest]
    if leaving:
        actions.remove_space_members(space_id=space.pk, user_ids=leaving)


def space_archived(happening: hooks.SpaceArchived) -> None:
    actions.space_channel_read_only(space_id=happening.space.pk, read_only=True)


def space_restored(happening: hooks.SpaceRestored) -> None:
    _open_channel(happening.space)
    actions.space_channel_read_only(space_id=happening.space.pk, read_only=False)


def register() -> None:
    listen(hooks.SpaceCreated, space_created)
    listen(hooks.SpaceChanged, space_changed)
    listen(hooks.MemberAdded, member_added)
    listen(hooks.MemberRemoved, member_removed)
    listen(hooks.MembersAdded, members_added)
    listen(hooks.MembersRemoved, members_removed)
    listen(hooks.SpaceArchived, space_archived)
    listen(hooks.SpaceRestored, space_restored)
    listen(people.DemoContentWanted, demo.seed_demo_conversations)
