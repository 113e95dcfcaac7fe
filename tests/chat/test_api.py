"""The chat API: conversations, members, messages by cursor, search; errors as JSON."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cercle.accounts.actions.auth import create_api_token
from cercle.chat.models import Message
from cercle.core.realtime import conversation_group
from tests.factories import make_direct, make_group, make_message, make_user
from tests.helpers.sockets import Listener

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def bearer(user: Any) -> dict[str, str]:
    _token, secret = create_api_token(user=user, name="test")
    return {"Authorization": f"Bearer {secret}"}


def test_anonymous_gets_401() -> None:
    response = Client().get("/api/v1/conversations")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_create_direct_then_reuse_and_group(django_assert_max_num_queries: Any) -> None:
    anne, bruno, chloe = make_user(), make_user(), make_user()
    api = client_for(anne)
    first = api.post(
        "/api/v1/conversations",
        {"kind": "direct", "username": bruno.username},
        content_type="application/json",
    )
    assert first.status_code == 201
    again = api.post(
        "/api/v1/conversations",
        {"kind": "direct", "username": bruno.username},
        content_type="application/json",
    )
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert first.json()["title"] == bruno.display_name
    group = api.post(
        "/api/v1/conversations",
        {"kind": "group", "name": "Projet Lune", "usernames": [bruno.username, chloe.username]},
        content_type="application/json",
    )
    assert group.status_code == 201
    assert {m["id"] for m in group.json()["members"]} == {anne.pk, bruno.pk, chloe.pk}
    bad = api.post(
        "/api/v1/conversations",
        {"kind": "group", "name": "X", "usernames": ["ghost"]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "ghost" in str(bad.json()["detail"])
    nameless = api.post(
        "/api/v1/conversations",
        {"kind": "group", "name": "", "usernames": [bruno.username]},
        content_type="application/json",
    )
    assert nameless.status_code == 400
    weird = api.post("/api/v1/conversations", {"kind": "channel"}, content_type="application/json")
    assert weird.status_code == 422
    for i in range(5):
        make_message(bruno, make_direct(bruno, make_user()), f"m{i}")
        make_direct(anne, make_user())
    api.get("/api/v1/conversations")  # the session's first request records it
    with django_assert_max_num_queries(12):
        listing = api.get("/api/v1/conversations")
    assert listing.status_code == 200
    assert len(listing.json()) == 7


def test_members_read_and_mute() -> None:
    anne, bruno, chloe = make_user(), make_user(), make_user()
    group = make_group(anne, [bruno])
    api = client_for(anne)
    added = api.post(
        f"/api/v1/conversations/{group.pk}/members",
        {"usernames": [chloe.username]},
        content_type="application/json",
    )
    assert added.status_code == 200 and len(added.json()["members"]) == 3
    message = make_message(bruno, group)
    detail = api.get(f"/api/v1/conversations/{group.pk}").json()
    assert detail["unread"] == 1
    read = api.post(f"/api/v1/conversations/{group.pk}/read", {}, content_type="application/json")
    assert read.json() == {"last_read_message_id": message.pk}
    muted = api.put(
        f"/api/v1/conversations/{group.pk}/mute", {"muted": True}, content_type="application/json"
    )
    assert muted.json()["muted"] is True
    # Bruno may not remove Chloé (not the creator), Anne may.
    assert (
        client_for(bruno)
        .delete(f"/api/v1/conversations/{group.pk}/members/{chloe.username}")
        .status_code
        == 403
    )
    assert (
        api.delete(f"/api/v1/conversations/{group.pk}/members/{chloe.username}").status_code == 204
    )
    assert client_for(chloe).get(f"/api/v1/conversations/{group.pk}").status_code == 404


def test_strangers_get_404_everywhere() -> None:
    anne, bruno, stranger = make_user(), make_user(), make_user()
    conversation = make_direct(anne, bruno)
    message = make_message(anne, conversation)
    api = client_for(stranger)
    for method, path, body in [
        ("get", f"/api/v1/conversations/{conversation.pk}", None),
        ("get", f"/api/v1/conversations/{conversation.pk}/messages", None),
        (
            "post",
            f"/api/v1/conversations/{conversation.pk}/messages",
            {"client_id": "s", "body": "hi"},
        ),
        ("post", f"/api/v1/conversations/{conversation.pk}/read", {}),
        ("patch", f"/api/v1/messages/{message.pk}", {"body": "x"}),
        ("delete", f"/api/v1/messages/{message.pk}", None),
        ("post", f"/api/v1/messages/{message.pk}/reactions", {"emoji": "👍"}),
        ("get", f"/api/v1/messages/{message.pk}/versions", None),
        ("get", "/api/v1/conversations/999999", None),
    ]:
        response = (
            getattr(api, method)(path, body, content_type="application/json")
            if body is not None
            else getattr(api, method)(path)
        )
        assert response.status_code == 404, path
        assert response.json() == {"detail": "Not found."}
    assert Message.objects.count() == 1


def test_send_through_the_api_is_idempotent_and_delivered_live(
    django_capture_on_commit_callbacks: Any,
) -> None:
    anne, bruno = make_user(), make_user()
    conversation = make_direct(anne, bruno)
    listen = Listener(conversation_group(conversation.pk))
    headers = bearer(anne)
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    with django_capture_on_commit_callbacks(execute=True):
        first = Client().post(
            url,
            {"client_id": "api-1", "body": "Bonjour _toi_"},
            content_type="application/json",
            headers=headers,
        )
    assert first.status_code == 201
    assert "<em>toi</em>" in first.json()["html"]
    with django_capture_on_commit_callbacks(execute=True):
        retry = Client().post(
            url,
            {"client_id": "api-1", "body": "Bonjour _toi_"},
            content_type="application/json",
            headers=headers,
        )
    assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"]
    assert [e["type"] for e in listen.events()] == ["message.new"]
    empty = Client().post(
        url, {"client_id": "api-2", "body": "  "}, content_type="application/json", headers=headers
    )
    assert empty.status_code == 400 and "body" in empty.json()["detail"]
    too_long = Client().post(
        url,
        {"client_id": "api-3", "body": "x" * 10_001},
        content_type="application/json",
        headers=headers,
    )
    assert too_long.status_code == 422
    assert Message.objects.count() == 1


def test_history_by_cursor_newest_first(django_assert_max_num_queries: Any) -> None:
    anne, bruno = make_user(), make_user()
    conversation = make_direct(anne, bruno)
    sent = [make_message(anne if i % 2 else bruno, conversation, f"n°{i}") for i in range(25)]
    api = client_for(anne)
    api.get("/api/v1/conversations")
    with django_assert_max_num_queries(12):
        page = api.get(f"/api/v1/conversations/{conversation.pk}/messages?limit=10").json()
    assert [m["id"] for m in page["items"]] == [m.pk for m in reversed(sent[-10:])]
    seen = [m["id"] for m in page["items"]]
    while page["next_cursor"]:
        page = api.get(
            f"/api/v1/conversations/{conversation.pk}/messages?limit=10&cursor={page['next_cursor']}"
        ).json()
        seen += [m["id"] for m in page["items"]]
    assert seen == [m.pk for m in reversed(sent)]
    bad = api.get(f"/api/v1/conversations/{conversation.pk}/messages?cursor=garbage!!")
    assert bad.status_code == 400


def test_edit_delete_react_and_versions() -> None:
    anne, bruno = make_user(), make_user()
    message = make_message(anne, make_direct(anne, bruno), "Avant")
    api = client_for(anne)
    edited = api.patch(
        f"/api/v1/messages/{message.pk}", {"body": "Après"}, content_type="application/json"
    )
    assert edited.json()["edited"] is True
    versions = client_for(bruno).get(f"/api/v1/messages/{message.pk}/versions").json()
    assert [v["html"] for v in versions] == ["<p>Avant</p>\n"]
    assert (
        client_for(bruno)
        .patch(f"/api/v1/messages/{message.pk}", {"body": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    reacted = client_for(bruno).post(
        f"/api/v1/messages/{message.pk}/reactions", {"emoji": "🎉"}, content_type="application/json"
    )
    assert reacted.json()["reactions"] == [{"emoji": "🎉", "count": 1, "user_ids": [bruno.pk]}]
    assert (
        client_for(bruno)
        .post(
            f"/api/v1/messages/{message.pk}/reactions",
            {"emoji": "ok"},
            content_type="application/json",
        )
        .status_code
        == 400
    )
    unreacted = client_for(bruno).delete(f"/api/v1/messages/{message.pk}/reactions?emoji=🎉")
    assert unreacted.json()["reactions"] == []
    deleted = api.delete(f"/api/v1/messages/{message.pk}")
    assert deleted.json()["deleted"] is True and deleted.json()["body"] == ""


def test_search_is_accent_insensitive_and_only_in_my_conversations(
    django_assert_max_num_queries: Any,
) -> None:
    anne, bruno, chloe = make_user(), make_user(), make_user()
    mine = make_direct(anne, bruno)
    theirs = make_direct(bruno, chloe)
    hit = make_message(bruno, mine, "Le café de l'équipe est prêt")
    make_message(anne, mine, "Rien à voir")
    make_message(chloe, theirs, "Café secret")
    api = client_for(anne)
    api.get("/api/v1/conversations")
    with django_assert_max_num_queries(10):
        found = api.get("/api/v1/messages/search?q=CAFE equipe").json()
    assert [m["id"] for m in found["items"]] == [hit.pk]
    by_person = api.get(f"/api/v1/messages/search?person={anne.username}").json()
    assert [m["body"] for m in by_person["items"]] == ["Rien à voir"]
    in_conv = api.get(f"/api/v1/messages/search?q=cafe&conversation={theirs.pk}").json()
    assert in_conv["items"] == []
    assert api.get("/api/v1/messages/search").status_code == 400


def test_pin_through_the_api() -> None:
    anne, bruno = make_user(), make_user()
    conversation = make_direct(anne, bruno)
    message = make_message(anne, conversation)
    api = client_for(bruno)
    pinned = api.post(
        f"/api/v1/messages/{message.pk}/pin", {"pinned": True}, content_type="application/json"
    )
    assert pinned.status_code == 200 and pinned.json()["pinned"] is True
    listing = api.get(f"/api/v1/conversations/{conversation.pk}/pinned").json()
    assert [m["id"] for m in listing] == [message.pk]
    assert (
        client_for(make_user()).get(f"/api/v1/conversations/{conversation.pk}/pinned").status_code
        == 404
    )
