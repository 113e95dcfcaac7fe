"""Chat actions: rules, invariants (one direct per pair, no duplicate sends), events and audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from cercle.audit.models import AuditEntry
from cercle.chat import actions, events, queries
from cercle.chat.models import Conversation, Message, MessageVersion, Reaction
from cercle.core.realtime import conversation_group, user_group
from tests.factories import make_direct, make_group, make_guest, make_message, make_user
from tests.helpers.sockets import Listener

pytestmark = pytest.mark.django_db


def test_a_pair_has_one_direct_conversation_whoever_starts_it() -> None:
    anne, bruno = make_user(), make_user()
    first = make_direct(anne, bruno)
    assert make_direct(bruno, anne).pk == first.pk
    assert Conversation.objects.filter(kind="direct").count() == 1
    assert sorted(queries.member_ids(first.pk)) == sorted([anne.pk, bruno.pk])


def test_direct_conversation_refusals() -> None:
    anne = make_user()
    with pytest.raises(ValidationError):
        make_direct(anne, anne)
    with pytest.raises(ValidationError):
        make_direct(anne, make_user(is_active=False))
    with pytest.raises(PermissionDenied):
        make_direct(make_guest(), anne)


def test_group_needs_a_name_and_at_most_fifty_people() -> None:
    anne = make_user()
    others = [make_user() for _ in range(50)]
    with pytest.raises(ValidationError) as error:
        make_group(anne, others[:2], name="   ")
    assert "name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_group(anne, others)  # 51 with anne
    assert "members" in error.value.message_dict
    group = make_group(anne, others[:49], name="  Comité   de direction ")
    assert group.name == "Comité de direction"
    assert len(queries.member_ids(group.pk)) == 50
    assert AuditEntry.objects.filter(action="chat.group_created").count() == 1
    with pytest.raises(ValidationError):
        actions.add_members(actor=anne, conversation_id=group.pk, people=[others[49]])


def test_members_added_and_removed_with_rules() -> None:
    anne, bruno, chloe, david = make_user(), make_user(), make_user(), make_user()
    group = make_group(anne, [bruno])
    actions.add_members(actor=bruno, conversation_id=group.pk, people=[chloe, david])
    assert len(queries.member_ids(group.pk)) == 4
    with pytest.raises(PermissionDenied):
        actions.remove_member(actor=bruno, conversation_id=group.pk, person=chloe)
    actions.remove_member(actor=anne, conversation_id=group.pk, person=chloe)
    actions.remove_member(actor=david, conversation_id=group.pk, person=david)  # leaving
    assert sorted(queries.member_ids(group.pk)) == sorted([anne.pk, bruno.pk])
    with pytest.raises(Http404):  # no longer a member: not found, like a stranger
        actions.add_members(actor=david, conversation_id=group.pk, people=[chloe])
    direct = make_direct(anne, bruno)
    with pytest.raises(ValidationError):
        actions.add_members(actor=anne, conversation_id=direct.pk, people=[chloe])
    assert AuditEntry.objects.filter(action="chat.member_removed").count() == 2


def test_send_stores_markdown_safely_and_a_retry_never_duplicates() -> None:
    anne, bruno = make_user(), make_user()
    conversation = make_direct(anne, bruno)
    message, created = actions.send_message(
        actor=anne,
        conversation_id=conversation.pk,
        body="**Salut** <script>alert(1)</script> Hélène",
        client_id="tab1-1",
    )
    assert created
    assert "<strong>Salut</strong>" in message.body_html
    assert "<script>" not in message.body_html
    assert "salut" in message.body_normalized and "helene" in message.body_normalized
    again, created_again = actions.send_message(
        actor=anne, conversation_id=conversation.pk, body="whatever", client_id="tab1-1"
    )
    assert not created_again
    assert again.pk == message.pk
    assert Message.objects.count() == 1
    conversation.refresh_from_db()
    assert conversation.last_message_id == message.pk
    # What I send I have read; the other person has one unread.
    assert queries.unread_count(anne, conversation.pk) == 0
    assert queries.unread_count(bruno, conversation.pk) == 1


def test_send_refusals_change_nothing() -> None:
    anne, bruno, stranger = make_user(), make_user(), make_user()
    conversation = make_direct(anne, bruno)
    with pytest.raises(Http404):
        make_message(stranger, conversation)
    with pytest.raises(ValidationError):
        make_message(anne, conversation, body="   ")
    with pytest.raises(ValidationError):
        make_message(anne, conversation, body="x" * 10_001)
    with pytest.raises(ValidationError):
        make_message(anne, conversation, client_id="")
    other = make_direct(anne, stranger)
    elsewhere = make_message(anne, other)
    with pytest.raises(ValidationError):
        make_message(anne, conversation, reply_to_id=elsewhere.pk)
    assert Message.objects.filter(conversation=conversation).count() == 0


def test_reply_edit_keeps_versions_and_delete_removes_the_text() -> None:
    anne, bruno = make_user(), make_user()
    conversation = make_direct(anne, bruno)
    first = make_message(anne, conversation, "Réunion à 10h")
    reply = make_message(bruno, conversation, "OK", reply_to_id=first.pk)
    assert reply.reply_to_id == first.pk
    with pytest.raises(PermissionDenied):
        actions.edit_message(actor=bruno, message_id=first.pk, body="hacked")
    actions.edit_message(actor=anne, message_id=first.pk, body="Réunion à 11h")
    actions.edit_message(actor=anne, message_id=first.pk, body="Réunion à *midi*")
    first.refresh_from_db()
    assert first.edited_at is not None
    assert "<em>midi</em>" in first.body_html
    assert [v.body for v in first.versions.all()] == ["Réunion à 10h", "Réunion à 11h"]
    assert len(queries.versions(bruno, first.pk)) == 2
    actions.add_reaction(actor=bruno, message_id=first.pk, emoji="👍")
    actions.delete_message(actor=anne, message_id=first.pk)
    first.refresh_from_db()
    assert first.deleted_at is not None and first.body == "" and first.body_html == ""
    assert not MessageVersion.objects.filter(message=first).exists()
    assert not Reaction.objects.filter(message=first).exists()
    with pytest.raises(ValidationError):
        actions.edit_message(actor=anne, message_id=first.pk, body="back")


def test_reactions_one_per_person_and_emoji() -> None:
    anne, bruno = make_user(), make_user()
    message = make_message(anne, make_direct(anne, bruno))
    assert actions.add_reaction(actor=bruno, message_id=message.pk, emoji="🎉")
    assert not actions.add_reaction(actor=bruno, message_id=message.pk, emoji="🎉")
    assert actions.add_reaction(actor=anne, message_id=message.pk, emoji="🎉")
    assert Reaction.objects.filter(message=message).count() == 2
    for bad in ["", "abc", "👍 👍", "x" * 40]:
        with pytest.raises(ValidationError):
            actions.add_reaction(actor=anne, message_id=message.pk, emoji=bad)
    assert actions.remove_reaction(actor=bruno, message_id=message.pk, emoji="🎉")
    assert not actions.remove_reaction(actor=bruno, message_id=message.pk, emoji="🎉")
    with pytest.raises(Http404):
        actions.add_reaction(actor=make_user(), message_id=message.pk, emoji="🎉")


def test_mark_read_never_goes_back_and_updates_unread() -> None:
    anne, bruno = make_user(), make_user()
    conversation = make_direct(anne, bruno)
    messages = [make_message(anne, conversation, f"m{i}") for i in range(3)]
    assert queries.unread_count(bruno, conversation.pk) == 3
    assert queries.unread_conversation_count(bruno) == 1
    assert (
        actions.mark_read(actor=bruno, conversation_id=conversation.pk, message_id=messages[1].pk)
        == messages[1].pk
    )
    assert queries.unread_count(bruno, conversation.pk) == 1
    assert (
        actions.mark_read(actor=bruno, conversation_id=conversation.pk, message_id=messages[0].pk)
        == messages[1].pk
    )
    # Beyond the newest message is clamped.
    assert (
        actions.mark_read(actor=bruno, conversation_id=conversation.pk, message_id=10**9)
        == messages[2].pk
    )
    assert queries.unread_conversation_count(bruno) == 0
    make_message(anne, conversation, "again")
    actions.set_muted(actor=bruno, conversation_id=conversation.pk, muted=True)
    assert queries.unread_conversation_count(bruno) == 0  # muted conversations do not light up


def test_events_go_to_the_right_groups_after_commit(
    django_capture_on_commit_callbacks: object,
) -> None:
    anne, bruno = make_user(), make_user()
    conversation = make_direct(anne, bruno)
    listen_conv = Listener(conversation_group(conversation.pk))
    listen_anne, listen_bruno = Listener(user_group(anne.pk)), Listener(user_group(bruno.pk))
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        message = make_message(anne, conversation, "Hello")
    assert [e["type"] for e in listen_conv.events()] == [events.MessageNew.type]
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        actions.mark_read(actor=bruno, conversation_id=conversation.pk)
    assert listen_bruno.events() == [
        events.ReadUpdated(
            conversation_id=conversation.pk, last_read_message_id=message.pk, unread=0
        ).payload()
    ]
    assert listen_conv.events() == [
        events.ConversationRead(
            conversation_id=conversation.pk, user_id=bruno.pk, last_read_message_id=message.pk
        ).payload()
    ]
    assert listen_anne.events() == []
    chloe = make_user()
    listen_chloe = Listener(user_group(chloe.pk))
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        group = make_group(anne, [chloe])
    created = listen_chloe.events()
    assert created[0]["type"] == events.ConversationCreated.type
    assert created[0]["conversation"]["id"] == group.pk
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        actions.remove_member(actor=chloe, conversation_id=group.pk, person=chloe)
    assert events.ConversationLeft(conversation_id=group.pk).payload() in listen_chloe.events()


def test_no_receipt_when_the_organisation_or_the_person_turns_them_off(
    django_capture_on_commit_callbacks: object,
) -> None:
    admin, anne, bruno = make_user(role="admin"), make_user(), make_user()
    conversation = make_direct(anne, bruno)
    make_message(anne, conversation)
    actions.set_read_receipts(actor=bruno, enabled=False)
    listen = Listener(conversation_group(conversation.pk))
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        actions.mark_read(actor=bruno, conversation_id=conversation.pk)
    assert listen.events() == []
    assert queries.read_states(bruno, conversation) == {}  # opted out: sees none either
    assert bruno.pk not in queries.read_states(anne, conversation)
    with pytest.raises(PermissionDenied):
        actions.update_chat_settings(actor=anne, read_receipts=False)
    actions.update_chat_settings(actor=admin, read_receipts=False)
    make_message(bruno, conversation)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        actions.mark_read(actor=anne, conversation_id=conversation.pk)
    assert listen.events() == []
    assert queries.read_states(anne, conversation) == {}


def test_space_channel_hook_follows_membership() -> None:
    anne, bruno, chloe = make_user(), make_user(), make_user()
    channel = actions.open_space_channel(
        space_id=7, name="Marketing", member_ids=[anne.pk, bruno.pk]
    )
    assert channel.kind == "space"
    actions.sync_space_members(space_id=7, member_ids=[bruno.pk, chloe.pk])
    assert sorted(queries.member_ids(channel.pk)) == sorted([bruno.pk, chloe.pk])
    assert (
        actions.open_space_channel(space_id=7, name="Marketing", member_ids=[bruno.pk]).pk
        == channel.pk
    )


def test_any_member_pins_and_unpins(django_capture_on_commit_callbacks: object) -> None:
    anne, bruno, stranger = make_user(), make_user(), make_user()
    conversation = make_direct(anne, bruno)
    message = make_message(anne, conversation, "Ordre du jour")
    listen = Listener(conversation_group(conversation.pk))
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        actions.pin_message(actor=bruno, message_id=message.pk, pinned=True)
    (event,) = listen.events()
    assert event["type"] == "message.updated" and event["message"]["pinned"] is True
    assert [m.pk for m in queries.pinned(anne, conversation.pk)] == [message.pk]
    with pytest.raises(Http404):
        actions.pin_message(actor=stranger, message_id=message.pk, pinned=False)
    actions.pin_message(actor=anne, message_id=message.pk, pinned=False)
    assert queries.pinned(anne, conversation.pk) == []


def test_space_channel_for_its_members_only() -> None:
    from tests.factories import make_space

    owner, member, outsider = make_user(), make_user(), make_user()
    space = make_space(owner=owner, members=(member,))
    channel = actions.open_channel_for(actor=member, space_slug=space.slug)
    assert channel.kind == "space" and channel.name == space.name
    assert sorted(queries.member_ids(channel.pk)) == sorted([owner.pk, member.pk])
    assert actions.open_channel_for(actor=owner, space_slug=space.slug).pk == channel.pk
    with pytest.raises((PermissionDenied, Http404)):
        actions.open_channel_for(actor=outsider, space_slug=space.slug)
    message = make_message(member, channel, "Bienvenue dans le canal")
    # Leaving the space closes the channel to them at once, before any sync.
    from cercle.spaces.models import Membership as SpaceMembership

    SpaceMembership.objects.filter(space=space, user=member).delete()
    with pytest.raises(Http404):
        queries.history(member, channel.pk)
    with pytest.raises(Http404):
        make_message(member, channel, "encore")
    with pytest.raises(Http404):
        actions.add_reaction(actor=member, message_id=message.pk, emoji="👍")
    assert queries.access_message(owner, message.pk).pk == message.pk
    # The spaces app's actions keep the chat membership in step (one row per change).
    from cercle.spaces import actions as space_actions

    space_actions.join_space(actor=outsider, space=space)
    assert sorted(queries.member_ids(channel.pk)) == sorted([owner.pk, member.pk, outsider.pk])
    space_actions.leave_space(actor=outsider, space=space)
    assert outsider.pk not in queries.member_ids(channel.pk)
    space.module_settings = {**space.module_settings, "chat": False}
    space.save()
    with pytest.raises(ValidationError):
        actions.open_channel_for(actor=owner, space_slug=space.slug)
