"""The data migrations of space channels: 0004 removes the rows of people who left before channels
followed their space (and of channels with chat off); 0005 gives an archived space's members back
the rows of its (now read-only) channel."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as global_apps
from django.utils import timezone

from cercle.chat.models import Conversation, Membership
from tests.factories import add_member, make_space, make_user

pytestmark = pytest.mark.django_db

migration = importlib.import_module("cercle.chat.migrations.0004_space_channels_follow_spaces")
give_back = importlib.import_module(
    "cercle.chat.migrations.0005_archived_space_channels_keep_members"
)


def _members(conversation: Conversation) -> set[int]:
    return set(Membership.objects.filter(conversation=conversation).values_list("user", flat=True))


def test_people_who_left_and_closed_channels_lose_their_rows() -> None:
    owner, stayer, leaver = make_user(), make_user(), make_user()
    space = make_space(owner=owner)
    add_member(space, stayer)
    archived = make_space(owner=owner, module_chat=True)
    no_chat = make_space(owner=owner, module_chat=False)
    channel = Conversation.objects.create(kind="space", space_id=space.pk, name="c")
    kept = Conversation.objects.create(kind="space", space_id=archived.pk, name="a")
    closed = Conversation.objects.create(kind="space", space_id=no_chat.pk, name="n")
    for person in (owner, stayer, leaver):  # `leaver` left before channels followed spaces
        Membership.objects.get_or_create(conversation=channel, user=person)
    for conversation in (kept, closed):
        Membership.objects.get_or_create(conversation=conversation, user=owner)
        Membership.objects.get_or_create(conversation=conversation, user=leaver)
    type(archived).objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    migration.drop_members_who_left(global_apps, None)
    assert _members(channel) == {owner.pk, stayer.pk}
    # An archived space's channel is read-only, not closed: its members keep it.
    assert _members(kept) == {owner.pk}
    assert not Membership.objects.filter(conversation=closed).exists()


def test_archived_spaces_members_get_their_channel_back_with_nothing_unread() -> None:
    owner, bob, gone = make_user(), make_user(), make_user(is_active=False)
    archived = make_space(owner=owner, members=(bob, gone), module_chat=True)
    no_chat = make_space(owner=owner, members=(bob,), module_chat=False)
    live = make_space(owner=owner, members=(bob,), module_chat=True)
    channels = {
        space.pk: Conversation.objects.create(
            kind="space", space_id=space.pk, name="c", last_message_id=42
        )
        for space in (archived, no_chat, live)
    }
    Membership.objects.create(conversation=channels[archived.pk], user=owner)
    type(archived).objects.filter(pk__in=[archived.pk, no_chat.pk]).update(
        archived_at=timezone.now()
    )
    give_back.give_back_archived_channels(global_apps, None)
    assert _members(channels[archived.pk]) == {owner.pk, bob.pk}  # not the inactive person
    assert (
        Membership.objects.get(conversation=channels[archived.pk], user=bob).last_read_message_id
        == 42
    )
    assert _members(channels[no_chat.pk]) == set()  # chat off: still closed
    assert _members(channels[live.pk]) == set()  # not archived: left to the spaces actions
    give_back.give_back_archived_channels(global_apps, None)  # a second run changes nothing
    assert _members(channels[archived.pk]) == {owner.pk, bob.pk}
