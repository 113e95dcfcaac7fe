"""The data migrations of space channels: 0004 removes the rows of people who left before channels
followed their space (and of channels with chat off); 0005 gives an archived space's members back
the rows of its (now read-only) channel.

They read the `module_chat` column that spaces 0004 replaced: the database is migrated back to
where they ran, the data made with the models of then, each migration's function run, and the
database migrated forward again."""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

migration = importlib.import_module("cercle.chat.migrations.0004_space_channels_follow_spaces")
give_back = importlib.import_module(
    "cercle.chat.migrations.0005_archived_space_channels_keep_members"
)

# Where both ran: 0004 of chat is data only, so 0005 sees the same tables.
BEFORE = [("chat", "0003_attachment"), ("spaces", "0003_organisation_description_translated")]
_numbers = itertools.count()


class Old:
    """The models as they were at `BEFORE`, and the few rows the tests need."""

    def __init__(self, apps: Any) -> None:
        self.apps = apps
        self.User = apps.get_model("accounts", "User")
        self.Space = apps.get_model("spaces", "Space")
        self.SpaceMembership = apps.get_model("spaces", "Membership")
        self.Conversation = apps.get_model("chat", "Conversation")
        self.Membership = apps.get_model("chat", "Membership")

    def user(self, *, is_active: bool = True) -> Any:
        n = next(_numbers)
        return self.User.objects.create(
            username=f"old{n}", email=f"old{n}@example.org", is_active=is_active
        )

    def space(self, *, owner: Any, members: tuple[Any, ...] = (), module_chat: bool = True) -> Any:
        n = next(_numbers)
        space = self.Space.objects.create(name=f"Old {n}", slug=f"old-{n}", module_chat=module_chat)
        self.SpaceMembership.objects.create(space=space, user=owner, role="owner")
        for member in members:
            self.SpaceMembership.objects.create(space=space, user=member, role="member")
        return space

    def members(self, conversation: Any) -> set[int]:
        rows = self.Membership.objects.filter(conversation=conversation)
        return set(rows.values_list("user", flat=True))


@pytest.fixture
def old(scratch_database: None) -> Iterator[Old]:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield Old(executor.loader.project_state(BEFORE).apps)


def test_people_who_left_and_closed_channels_lose_their_rows(old: Old) -> None:
    owner, stayer, leaver = old.user(), old.user(), old.user()
    space = old.space(owner=owner, members=(stayer,))
    archived = old.space(owner=owner, module_chat=True)
    no_chat = old.space(owner=owner, module_chat=False)
    channel = old.Conversation.objects.create(kind="space", space_id=space.pk, name="c")
    kept = old.Conversation.objects.create(kind="space", space_id=archived.pk, name="a")
    closed = old.Conversation.objects.create(kind="space", space_id=no_chat.pk, name="n")
    for person in (owner, stayer, leaver):  # `leaver` left before channels followed spaces
        old.Membership.objects.get_or_create(conversation=channel, user=person)
    for conversation in (kept, closed):
        old.Membership.objects.get_or_create(conversation=conversation, user=owner)
        old.Membership.objects.get_or_create(conversation=conversation, user=leaver)
    old.Space.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    migration.drop_members_who_left(old.apps, None)
    assert old.members(channel) == {owner.pk, stayer.pk}
    # An archived space's channel is read-only, not closed: its members keep it.
    assert old.members(kept) == {owner.pk}
    assert not old.Membership.objects.filter(conversation=closed).exists()


def test_archived_spaces_members_get_their_channel_back_with_nothing_unread(old: Old) -> None:
    owner, bob, gone = old.user(), old.user(), old.user(is_active=False)
    archived = old.space(owner=owner, members=(bob, gone), module_chat=True)
    no_chat = old.space(owner=owner, members=(bob,), module_chat=False)
    live = old.space(owner=owner, members=(bob,), module_chat=True)
    channels = {
        space.pk: old.Conversation.objects.create(
            kind="space", space_id=space.pk, name="c", last_message_id=42
        )
        for space in (archived, no_chat, live)
    }
    old.Membership.objects.create(conversation=channels[archived.pk], user=owner)
    old.Space.objects.filter(pk__in=[archived.pk, no_chat.pk]).update(archived_at=timezone.now())
    give_back.give_back_archived_channels(old.apps, None)
    assert old.members(channels[archived.pk]) == {owner.pk, bob.pk}  # not the inactive person
    bobs = old.Membership.objects.get(conversation=channels[archived.pk], user=bob)
    assert bobs.last_read_message_id == 42
    assert old.members(channels[no_chat.pk]) == set()  # chat off: still closed
    assert old.members(channels[live.pk]) == set()  # not archived: left to the spaces actions
    give_back.give_back_archived_channels(old.apps, None)  # a second run changes nothing
    assert old.members(channels[archived.pk]) == {owner.pk, bob.pk}
