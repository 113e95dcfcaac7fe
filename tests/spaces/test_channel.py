"""A space's chat channel follows the space: its members, chat on and off, archiving, its name;
the organisation space's channel costs nothing per person."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cercle.chat import actions as chat_actions
from cercle.chat import queries as chat_queries
from cercle.chat.events import ConversationLeft, ConversationReadOnly
from cercle.chat.models import Conversation
from cercle.core.realtime import conversation_group, user_group
from cercle.spaces import actions, queries
from cercle.spaces.models import JoinRequest
from tests.factories import add_member, make_guest, make_space, make_user
from tests.helpers.sockets import Listener

pytestmark = pytest.mark.django_db

ALL = ["wall", "chat"]


def chat_tab_shown(user: Any, space: Any) -> bool:
    """The space's header links to its chat channel (chat's tab, `cercle.chat.tabs`)."""
    return "chat" in [tab.key for tab in queries.space_view(user, space).tabs]


def channel_of(space: Any) -> Conversation | None:
    return Conversation.objects.filter(space_id=space.pk).first()


def channel_members(space: Any) -> list[int]:
    channel = channel_of(space)
    assert channel is not None
    return chat_queries.member_ids(channel.pk)


def test_a_new_space_with_chat_has_its_channel_with_its_owner() -> None:
    anne = make_user()
    space = actions.create_space(actor=anne, name="Atelier vélo", modules=ALL)
    channel = channel_of(space)
    assert channel is not None and channel.kind == "space" and channel.name == "Atelier vélo"
    assert channel_members(space) == [anne.pk]
    without = actions.create_space(actor=anne, name="Sans messagerie", modules=["wall"])
    assert channel_of(without) is None


def test_joining_leaving_and_removal_follow_the_space(
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner, bob, chloe = make_user(), make_user(), make_user()
    space = actions.create_space(actor=owner, name="Jardin", modules=ALL)
    channel = channel_of(space)
    assert channel is not None
    listen = Listener(user_group(bob.pk))
    with django_capture_on_commit_callbacks(execute=True):
        actions.join_space(actor=bob, space=space)
    (created,) = listen.events()
    assert created["type"] == "conversation.created"
    assert created["conversation"]["id"] == channel.pk
    # The newcomer alone is listed: no payload of every member.
    assert [m["id"] for m in created["conversation"]["members"]] == [bob.pk]
    actions.join_space(actor=chloe, space=space)
    assert channel_members(space) == sorted([owner.pk, bob.pk, chloe.pk])
    chat_queries.access_membership(bob, channel.pk)

    with django_capture_on_commit_callbacks(execute=True):
        actions.leave_space(actor=bob, space=space)
    assert [e["type"] for e in listen.events()] == ["conversation.left"]
    assert bob.pk not in channel_members(space)
    with pytest.raises(Http404):
        chat_queries.access_membership(bob, channel.pk)

    actions.remove_member(actor=owner, space=space, user=chloe)
    assert channel_members(space) == [owner.pk]


def test_invitations_and_join_requests_accepted_join_the_channel() -> None:
    owner, invited, asker, refused = make_user(), make_user(), make_user(), make_user()
    private = actions.create_space(actor=owner, name="Direction", kind="private", modules=ALL)
    (invitation,) = actions.invite(actor=owner, space=private, users=[invited])
    actions.respond_to_invitation(actor=invited, invitation=invitation, accept=True)
    assert invited.pk in channel_members(private)

    on_request = actions.create_space(actor=owner, name="Comité", kind="request", modules=ALL)
    actions.request_to_join(actor=asker, space=on_request)
    actions.request_to_join(actor=refused, space=on_request)
    for join_request in JoinRequest.objects.filter(space=on_request):
        actions.decide_join_request(
            actor=owner, join_request=join_request, accept=join_request.user_id == asker.pk
        )
    assert channel_members(on_request) == sorted([owner.pk, asker.pk])


def test_chat_off_closes_the_channel_and_on_opens_it_again(
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner, bob = make_user(), make_user()
    space = actions.create_space(actor=owner, name="Projet X", modules=ALL)
    actions.join_space(actor=bob, space=space)
    channel = channel_of(space)
    assert channel is not None
    message, _created = chat_actions.send_message(
        actor=bob, conversation_id=channel.pk, body="Bonjour", client_id="c1"
    )
    listen = Listener(conversation_group(channel.pk))
    with django_capture_on_commit_callbacks(execute=True):
        actions.update_space(
            actor=owner, space=space, name=space.name, description="", kind="open",
            modules=["wall"],
        )  # fmt: skip
    # One event to the channel's group tells every open tab, whatever the number of members.
    assert listen.events() == [ConversationLeft(conversation_id=channel.pk).payload()]
    assert chat_queries.member_ids(channel.pk) == []
    with pytest.raises(Http404):
        chat_actions.send_message(
            actor=bob, conversation_id=channel.pk, body="Encore", client_id="c2"
        )
    with pytest.raises(ValidationError):
        chat_actions.open_channel_for(actor=bob, space_slug=space.slug)

    actions.update_space(
        actor=owner, space=space, name="Projet Y", description="", kind="open", modules=ALL
    )
    assert channel_of(space) == channel  # the same channel, its messages kept
    assert channel_members(space) == sorted([owner.pk, bob.pk])
    assert [m.pk for m in chat_queries.history(bob, channel.pk).items] == [message.pk]
    assert chat_queries.unread_count(owner, channel.pk) == 0  # no old message lights up again


def test_renaming_the_space_renames_its_channel() -> None:
    owner = make_user()
    space = actions.create_space(actor=owner, name="Ancien nom", modules=ALL)
    actions.update_space(
        actor=owner, space=space, name="Nouveau nom", description="", kind="open", modules=ALL
    )
    channel = channel_of(space)
    assert channel is not None and channel.name == "Nouveau nom"


def test_archiving_keeps_the_channel_read_only_and_restoring_reopens_it(
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner, bob = make_user(), make_user()
    space = actions.create_space(actor=owner, name="Archives", modules=ALL)
    actions.join_space(actor=bob, space=space)
    channel = channel_of(space)
    assert channel is not None
    listen = Listener(conversation_group(channel.pk))
    with django_capture_on_commit_callbacks(execute=True):
        actions.archive_space(actor=owner, space=space)
    # Its members stay (they read it); one event tells every open tab it is read-only.
    assert listen.events() == [
        ConversationReadOnly(conversation_id=channel.pk, read_only=True).payload()
    ]
    assert channel_members(space) == sorted([owner.pk, bob.pk])
    assert chat_tab_shown(bob, space)
    assert chat_actions.open_channel_for(actor=bob, space_slug=space.slug) == channel
    assert not chat_queries.may_write(bob, channel)
    with pytest.raises(chat_queries.ReadOnly):
        chat_actions.send_message(actor=bob, conversation_id=channel.pk, body="x", client_id="a")
    with django_capture_on_commit_callbacks(execute=True):
        actions.restore_space(actor=owner, space=space)
    assert listen.events() == [
        ConversationReadOnly(conversation_id=channel.pk, read_only=False).payload()
    ]
    assert channel_members(space) == sorted([owner.pk, bob.pk])
    assert chat_tab_shown(bob, space)
    assert chat_queries.may_write(bob, channel)


def test_an_archived_space_gets_no_new_channel() -> None:
    owner = make_user()
    # Chat on, its channel never opened.
    space = make_space(owner=owner, module_settings={"chat": True})
    actions.archive_space(actor=owner, space=space)
    with pytest.raises(ValidationError):
        chat_actions.open_channel_for(actor=owner, space_slug=space.slug)
    assert channel_of(space) is None


def _join_queries(members: int) -> int:
    owner = make_user()
    space = make_space(owner=owner, members=tuple(make_user() for _ in range(members)))
    chat_actions.open_channel_for(actor=owner, space_slug=space.slug)
    newcomer = make_user()
    with CaptureQueriesContext(connection) as captured:
        actions.join_space(actor=newcomer, space=space)
    assert newcomer.pk in channel_members(space)
    return len(captured)


def test_joining_costs_the_same_whatever_the_space_size() -> None:
    assert _join_queries(2) == _join_queries(150)


def _leave_queries(members: int) -> int:
    owner = make_user()
    leaver = make_user()
    space = make_space(owner=owner, members=(leaver, *(make_user() for _ in range(members))))
    chat_actions.open_channel_for(actor=owner, space_slug=space.slug)
    with CaptureQueriesContext(connection) as captured:
        actions.leave_space(actor=leaver, space=space)
    return len(captured)


def test_leaving_costs_the_same_whatever_the_space_size() -> None:
    assert _leave_queries(2) == _leave_queries(150)


def test_the_organisation_channel_fills_as_people_open_it() -> None:
    org = queries.organisation_space()
    anne, bruno = make_user(), make_user()
    assert chat_tab_shown(anne, org)
    channel = chat_actions.open_channel_for(actor=anne, space_slug=org.slug)
    # Nobody else was given a row: opening costs nothing per person of the organisation.
    assert chat_queries.member_ids(channel.pk) == [anne.pk]
    assert chat_queries.title_for(channel, anne, []) == "Whole organisation"
    assert chat_actions.open_channel_for(actor=bruno, space_slug=org.slug) == channel
    assert chat_queries.member_ids(channel.pk) == sorted([anne.pk, bruno.pk])
    chat_actions.send_message(actor=bruno, conversation_id=channel.pk, body="Salut", client_id="o")
    assert chat_queries.unread_count(anne, channel.pk) == 1
    guest = make_guest()
    assert not chat_tab_shown(guest, org)
    with pytest.raises((PermissionDenied, Http404)):
        chat_actions.open_channel_for(actor=guest, space_slug=org.slug)


def test_the_organisation_channel_opening_costs_the_same_for_many_people() -> None:
    org = queries.organisation_space()
    first = make_user()
    chat_actions.open_channel_for(actor=first, space_slug=org.slug)

    def cost() -> int:
        person = make_user()
        with CaptureQueriesContext(connection) as captured:
            chat_actions.open_channel_for(actor=person, space_slug=org.slug)
        return len(captured)

    before = cost()
    for _ in range(100):
        make_user()
    assert cost() == before


def test_an_organisation_staff_member_leaving_stays_in_its_channel() -> None:
    org = queries.organisation_space()
    anne = make_user()
    add_member(org, anne, role="admin")
    channel = chat_actions.open_channel_for(actor=anne, space_slug=org.slug)
    actions.leave_space(actor=anne, space=org)
    # Still an (implied) member of the organisation space, so still in its channel.
    assert chat_queries.access_membership(anne, channel.pk)


def test_space_page_links_to_the_channel_and_back(client: Any) -> None:
    owner, outsider = make_user(), make_user()
    space = actions.create_space(actor=owner, name="Randonnée", modules=ALL)
    link = reverse("chat_space_channel", args=[space.slug])
    client.force_login(owner)
    assert link in client.get(reverse("space", args=[space.slug])).content.decode()
    response = client.get(link)
    channel = channel_of(space)
    assert channel is not None
    assert response.url == reverse("chat_conversation", args=[channel.pk])  # type: ignore[attr-defined]
    page = client.get(response.url).content.decode()  # type: ignore[attr-defined]
    assert f'href="{reverse("space", args=[space.slug])}"' in page
    client.force_login(outsider)
    assert link not in client.get(reverse("space", args=[space.slug])).content.decode()


def test_organisation_description_is_in_the_readers_language(client: Any) -> None:
    org = queries.organisation_space()
    assert org.description == ""
    client.force_login(make_user())
    english = client.get(reverse("space", args=[org.slug]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Announcements and news for everyone." in english.content.decode()
    french = make_user()
    french.language = "fr"
    french.save()
    client.force_login(french)
    page = client.get(reverse("space", args=[org.slug])).content.decode()
    assert "Annonces et actualités pour tout le monde." in page
    listing = client.get(reverse("spaces")).content.decode()
    assert "Annonces et actualités pour tout le monde." in listing
