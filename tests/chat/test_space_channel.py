"""Space channels on the messages pages: their cost does not grow with the space, the header links
back to the space, @mention suggestions come from the conversation's members."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cercle.chat import actions, queries
from cercle.spaces import queries as space_queries
from tests.factories import make_direct, make_message, make_space, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _channel_with(members: int) -> tuple[Any, Any, int]:
    owner = make_user()
    space = make_space(owner=owner, members=tuple(make_user() for _ in range(members)))
    channel = actions.open_channel_for(actor=owner, space_slug=space.slug)
    make_message(owner, channel, "Bonjour à tous")
    return owner, space, channel.pk


def _page_queries(client: Client, url: str) -> tuple[int, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_channel_pages_cost_the_same_whatever_the_space_size() -> None:
    small_owner, _small_space, small = _channel_with(2)
    big_owner, big_space, big = _channel_with(120)
    assert len(queries.member_ids(big)) == 121
    small_client, big_client = client_for(small_owner), client_for(big_owner)
    inbox_small, _html = _page_queries(small_client, "/messages/")
    inbox_big, html = _page_queries(big_client, "/messages/")
    assert inbox_small == inbox_big
    assert big_space.name in html
    page_small, _html = _page_queries(small_client, f"/messages/{small}/")
    page_big, html = _page_queries(big_client, f"/messages/{big}/")
    assert page_small == page_big
    # The header names the space and links back to it.
    assert f'href="/spaces/{big_space.slug}/"' in html
    # The API's list too (no member list for space channels).
    token_client = client_for(big_owner)
    listed = token_client.get("/api/v1/conversations").json()
    (row,) = [c for c in listed if c["id"] == big]
    assert row["kind"] == "space" and row["members"] == []


def test_the_organisation_channel_is_named_in_the_readers_language() -> None:
    org = space_queries.organisation_space()
    anne = make_user()
    anne.language = "fr"
    anne.save()
    channel = actions.open_channel_for(actor=anne, space_slug=org.slug)
    client = client_for(anne)
    html = client.get(f"/messages/{channel.pk}/").content.decode()
    assert "Toute l&#x27;organisation" in html or "Toute l'organisation" in html
    assert "Whole organisation" not in html


def test_mention_suggestions_are_the_conversations_other_members() -> None:
    anne = make_user(first_name="Anne")
    bruno = make_user(first_name="Bruno", username="bmartin")
    bea = make_user(first_name="Béatrice", username="bea")
    make_user(first_name="Bernard", username="bernard")  # not in the conversation
    conversation = make_direct(anne, bruno)
    group = actions.create_group_conversation(actor=anne, name="B", members=[bruno, bea])
    client = client_for(anne)
    html = client.get(f"/messages/{group.pk}/").content.decode()
    assert f'data-mentions="/messages/{group.pk}/mentions/"' in html
    items = client.get(f"/messages/{group.pk}/mentions/", {"q": "b"}).json()["items"]
    assert sorted(i["username"] for i in items) == ["bea", "bmartin"]
    items = client.get(f"/messages/{conversation.pk}/mentions/", {"q": "@bm"}).json()["items"]
    assert items == [{"username": "bmartin", "name": bruno.display_name}]
    assert client.get(f"/messages/{group.pk}/mentions/", {"q": "a"}).json()["items"] == []
    assert client.get(f"/messages/{group.pk}/mentions/").json()["items"] == []
    # Not my conversation: the same not-found as a missing one.
    other = make_direct(bruno, bea)
    assert client.get(f"/messages/{other.pk}/mentions/", {"q": "b"}).status_code == 404
    assert client.get("/messages/999999/mentions/", {"q": "b"}).status_code == 404


def test_mentions_in_a_big_channel_load_only_the_named_members() -> None:
    from cercle.chat import mentions

    owner, space, channel_id = _channel_with(60)
    named = make_user(username="Zoe.Martin")
    actions.add_space_member(space_id=space.pk, user=named)
    body = "Merci @zoe.martin. et @personne, `@owner` en code, et @" + owner.username
    with CaptureQueriesContext(connection) as captured:
        found = mentions.mentioned_members(channel_id, body, owner)
    assert [p.pk for p in found] == [named.pk]  # not the sender, nobody unknown, case-insensitive
    assert len(captured) == 1
