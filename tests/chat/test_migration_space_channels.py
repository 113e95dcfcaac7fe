"""The data migration that removes space-channel rows of people who left before channels
followed their space."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as global_apps
from django.utils import timezone

from cercle.chat.models import Conversation, Membership
from tests.factories import add_member, make_space, make_user

pytestmark = pytest.mark.django_db

migration = importlib.import_module("cercle.chat.migrations.0004_space_channels_follow_spaces")


def test_people_who_left_and_closed_channels_lose_their_rows() -> None:
    owner, stayer, leaver = make_user(), make_user(), make_user()
    space = make_space(owner=owner)
    add_member(space, stayer)
    archived = make_space(owner=owner)
    channel = Conversation.objects.create(kind="space", space_id=space.pk, name="c")
    closed = Conversation.objects.create(kind="space", space_id=archived.pk, name="a")
    for person in (owner, stayer, leaver):  # `leaver` left before channels followed spaces
        Membership.objects.get_or_create(conversation=channel, user=person)
    Membership.objects.get_or_create(conversation=closed, user=owner)
    type(archived).objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    migration.drop_members_who_left(global_apps, None)
    assert set(Membership.objects.filter(conversation=channel).values_list("user", flat=True)) == {
        owner.pk,
        stayer.pk,
    }
    assert not Membership.objects.filter(conversation=closed).exists()
