"""An archived space's chat channel is read-only: its members keep reading it (history, search,
list, pinned messages, versions, files) through the API, the pages and the socket; every write
(send, upload, edit, delete, react, pin, typing) is refused with a clear error and changes
nothing; restoring the space makes it writable again. Direct and group conversations are not
affected."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cercle.chat import actions, queries
from cercle.chat.models import Attachment, Conversation, Message, Reaction
from cercle.spaces import actions as space_actions
from tests.factories import make_direct, make_user
from tests.helpers.sockets import connected, drain, next_of_type

READ_ONLY = {
    "This space is archived: its channel is read-only.",
    "Cet espace est archivé : son canal est en lecture seule.",
}
ALL = ["wall", "chat"]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def archived_channel() -> dict[str, Any]:
    """A space with chat whose owner and member Bob talked (a reaction, a pin, an edit), then
    archived; and an outsider."""
    owner, bob, outsider = make_user(), make_user(), make_user()
    space = space_actions.create_space(actor=owner, name="Ancien projet", modules=ALL)
    space_actions.join_space(actor=bob, space=space)
    channel = Conversation.objects.get(space_id=space.pk)
    first, _created = actions.send_message(
        actor=bob, conversation_id=channel.pk, body="Compte rendu final", client_id="b1"
    )
    actions.edit_message(actor=bob, message_id=first.pk, body="Compte rendu définitif")
    actions.add_reaction(actor=owner, message_id=first.pk, emoji="👍")
    actions.pin_message(actor=owner, message_id=first.pk, pinned=True)
    last, _created = actions.send_message(
        actor=owner, conversation_id=channel.pk, body="Merci à tous", client_id="o1"
    )
    space_actions.archive_space(actor=owner, space=space)
    return {
        "owner": owner,
        "bob": bob,
        "outsider": outsider,
        "space": space,
        "channel": channel,
        "first": first,
        "last": last,
    }


def snapshot(channel: Conversation) -> list[tuple[Any, ...]]:
    """Everything a write could change in the channel."""
    return [
        *Message.objects.filter(conversation=channel)
        .order_by("pk")
        .values_list("pk", "body", "edited_at", "deleted_at", "pinned_at"),
        *Reaction.objects.filter(message__conversation=channel)
        .order_by("pk")
        .values_list("pk", "emoji", "user_id"),
        (Attachment.objects.filter(conversation=channel).count(),),
    ]


# --- API ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_reads_an_archived_channel() -> None:
    world = archived_channel()
    channel, first = world["channel"], world["first"]
    api = client_for(world["bob"])
    listed = api.get("/api/v1/conversations").json()
    assert channel.pk in [c["id"] for c in listed]
    detail = api.get(f"/api/v1/conversations/{channel.pk}").json()
    assert detail["read_only"] is True and detail["kind"] == "space"
    history = api.get(f"/api/v1/conversations/{channel.pk}/messages").json()
    assert [m["id"] for m in history["items"]] == [world["last"].pk, first.pk]
    found = api.get("/api/v1/messages/search", {"q": "definitif"}).json()
    assert [m["id"] for m in found["items"]] == [first.pk]
    pinned = api.get(f"/api/v1/conversations/{channel.pk}/pinned").json()
    assert [m["id"] for m in pinned] == [first.pk]
    versions = api.get(f"/api/v1/messages/{first.pk}/versions").json()
    assert [v["html"].strip() for v in versions] == ["<p>Compte rendu final</p>"]
    # One's own read state and mute are not writes in the channel.
    read = api.post(f"/api/v1/conversations/{channel.pk}/read", {}, content_type="application/json")
    assert read.status_code == 200 and read.json()["last_read_message_id"] == world["last"].pk
    muted = api.put(
        f"/api/v1/conversations/{channel.pk}/mute",
        {"muted": True},
        content_type="application/json",
    )
    assert muted.status_code == 200 and muted.json()["muted"] is True
    # Someone who is not in the space still sees nothing.
    outsider = client_for(world["outsider"])
    assert outsider.get(f"/api/v1/conversations/{channel.pk}/messages").status_code == 404


@pytest.mark.django_db
def test_api_refuses_every_write_in_an_archived_channel() -> None:
    world = archived_channel()
    channel, first = world["channel"], world["first"]
    before = snapshot(channel)
    for person in (world["bob"], world["owner"]):
        api = client_for(person)
        refused = [
            api.post(
                f"/api/v1/conversations/{channel.pk}/messages",
                {"body": "Encore un mot", "client_id": "late"},
                content_type="application/json",
            ),
            api.post(
                f"/api/v1/conversations/{channel.pk}/attachments",
                {"file": SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")},
            ),
            api.patch(
                f"/api/v1/messages/{first.pk}",
                {"body": "Réécrit"},
                content_type="application/json",
            ),
            api.delete(f"/api/v1/messages/{first.pk}"),
            api.post(
                f"/api/v1/messages/{first.pk}/reactions",
                {"emoji": "🎉"},
                content_type="application/json",
            ),
            api.delete(f"/api/v1/messages/{first.pk}/reactions?emoji=👍"),
            api.post(
                f"/api/v1/messages/{first.pk}/pin",
                {"pinned": False},
                content_type="application/json",
            ),
        ]
        for response in refused:
            assert response.status_code == 403, response.content
            assert response.json()["detail"] in READ_ONLY
    assert snapshot(channel) == before


@pytest.mark.django_db
def test_api_restore_makes_the_channel_writable_again() -> None:
    world = archived_channel()
    channel, first = world["channel"], world["first"]
    space_actions.restore_space(actor=world["owner"], space=world["space"])
    api = client_for(world["bob"])
    assert api.get(f"/api/v1/conversations/{channel.pk}").json()["read_only"] is False
    sent = api.post(
        f"/api/v1/conversations/{channel.pk}/messages",
        {"body": "De retour", "client_id": "back"},
        content_type="application/json",
    )
    assert sent.status_code == 201
    edited = api.patch(
        f"/api/v1/messages/{first.pk}", {"body": "Revu"}, content_type="application/json"
    )
    assert edited.status_code == 200 and edited.json()["body"] == "Revu"
    reacted = api.post(
        f"/api/v1/messages/{first.pk}/reactions",
        {"emoji": "🎉"},
        content_type="application/json",
    )
    assert reacted.status_code == 200
    assert Message.objects.filter(conversation=channel).count() == 3


@pytest.mark.django_db
def test_direct_conversations_are_not_affected() -> None:
    world = archived_channel()
    direct = make_direct(world["bob"], world["owner"])
    api = client_for(world["bob"])
    assert api.get(f"/api/v1/conversations/{direct.pk}").json()["read_only"] is False
    sent = api.post(
        f"/api/v1/conversations/{direct.pk}/messages",
        {"body": "On continue ici", "client_id": "dm"},
        content_type="application/json",
    )
    assert sent.status_code == 201
    assert queries.may_write(world["bob"], direct)


# --- Pages --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_page_shows_the_history_and_a_notice_instead_of_the_composer() -> None:
    world = archived_channel()
    channel = world["channel"]
    bob = world["bob"]
    bob.language = "en"
    bob.save()
    page = client_for(bob)
    space_page = page.get(f"/spaces/{world['space'].slug}/").content.decode()
    assert f"/messages/space/{world['space'].slug}/" in space_page  # the link stays
    opened = page.get(f"/messages/space/{world['space'].slug}/")
    assert opened.url == f"/messages/{channel.pk}/"  # type: ignore[attr-defined]
    html = page.get(f"/messages/{channel.pk}/").content.decode()
    assert "Compte rendu définitif" in html and "Merci à tous" in html
    assert "This space is archived: its channel is read-only." in html
    assert 'id="composer"' not in html and "data-read-only" in html
    assert "Ancien projet" in page.get("/messages/").content.decode()  # still listed

    before = snapshot(channel)
    sent = page.post(f"/messages/{channel.pk}/send/", {"body": "Sans JavaScript"}, follow=True)
    assert sent.status_code == 200
    assert "This space is archived: its channel is read-only." in sent.content.decode()
    assert snapshot(channel) == before


@pytest.mark.django_db
def test_page_notice_is_translated() -> None:
    world = archived_channel()
    bob = world["bob"]
    bob.language = "fr"
    bob.save()
    html = client_for(bob).get(f"/messages/{world['channel'].pk}/").content.decode()
    assert "Cet espace est archivé : son canal est en lecture seule." in html


@pytest.mark.django_db
def test_page_gets_its_composer_back_on_restore() -> None:
    world = archived_channel()
    channel = world["channel"]
    space_actions.restore_space(actor=world["owner"], space=world["space"])
    page = client_for(world["bob"])
    html = page.get(f"/messages/{channel.pk}/").content.decode()
    assert 'id="composer"' in html and "data-read-only" not in html
    assert "archived: its channel is read-only" not in html
    page.post(f"/messages/{channel.pk}/send/", {"body": "Sans JavaScript"})
    assert Message.objects.filter(conversation=channel, body="Sans JavaScript").exists()


@pytest.mark.django_db
def test_page_of_a_direct_conversation_keeps_its_composer() -> None:
    world = archived_channel()
    direct = make_direct(world["bob"], world["owner"])
    html = client_for(world["bob"]).get(f"/messages/{direct.pk}/").content.decode()
    assert 'id="composer"' in html and "data-read-only" not in html


# --- Socket -------------------------------------------------------------------------------------

asetup = sync_to_async(archived_channel)


async def _refused(comm: Any, frame: dict[str, Any]) -> None:
    await comm.send_json_to({**frame, "ref": frame["type"]})
    error = await next_of_type(comm, "error")
    assert error["code"] == "read_only" and error["detail"] in READ_ONLY
    assert error["ref"] == frame["type"]


@pytest.mark.django_db(transaction=True)
async def test_socket_reads_but_refuses_every_write_in_an_archived_channel() -> None:
    world = await asetup()
    channel, first = world["channel"], world["first"]
    bob, owner = await connected(world["bob"]), await connected(world["owner"])
    before = await sync_to_async(snapshot)(channel)
    await _refused(
        bob,
        {
            "type": "message.send",
            "conversation_id": channel.pk,
            "client_id": "ws-late",
            "body": "Encore",
        },
    )
    await _refused(bob, {"type": "message.edit", "message_id": first.pk, "body": "Réécrit"})
    await _refused(bob, {"type": "message.delete", "message_id": first.pk})
    await _refused(bob, {"type": "message.pin", "message_id": first.pk, "pinned": False})
    await _refused(bob, {"type": "reaction.add", "message_id": first.pk, "emoji": "🎉"})
    await _refused(owner, {"type": "reaction.remove", "message_id": first.pk, "emoji": "👍"})
    await _refused(bob, {"type": "typing", "conversation_id": channel.pk})
    # Nothing reached the other member: no message, no typing.
    assert [f["type"] for f in await drain(owner, timeout=0.3)] == []
    assert await sync_to_async(snapshot)(channel) == before
    # Reading goes on: the reconnect sync and one's read state.
    await bob.send_json_to({"type": "sync", "after": 0})
    synced = await next_of_type(bob, "sync.result")
    assert [m["id"] for m in synced["messages"]] == [first.pk, world["last"].pk]
    await bob.send_json_to({"type": "read", "conversation_id": channel.pk})
    assert (await next_of_type(bob, "read.updated"))["conversation_id"] == channel.pk
    await bob.disconnect()
    await owner.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_socket_follows_archive_and_restore_live() -> None:
    owner_user, bob_user = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    space = await sync_to_async(space_actions.create_space)(
        actor=owner_user, name="Chantier", modules=ALL
    )
    await sync_to_async(space_actions.join_space)(actor=bob_user, space=space)
    channel = await sync_to_async(Conversation.objects.get)(space_id=space.pk)
    bob, owner = await connected(bob_user), await connected(owner_user)
    send = {"type": "message.send", "conversation_id": channel.pk, "body": "Salut"}
    # A send before the archive: the socket remembers that Bob may write there …
    await bob.send_json_to({**send, "client_id": "before"})
    assert (await next_of_type(bob, "message.ack"))["duplicate"] is False
    await bob.send_json_to({"type": "typing", "conversation_id": channel.pk})
    assert (await next_of_type(owner, "typing"))["user"]["id"] == bob_user.pk

    await sync_to_async(space_actions.archive_space)(actor=owner_user, space=space)
    event = await next_of_type(bob, "conversation.read_only")
    assert event == {
        "type": "conversation.read_only",
        "conversation_id": channel.pk,
        "read_only": True,
    }
    # … and forgets it at once: the next send is refused, not stored.
    await _refused(bob, {**send, "client_id": "during"})
    assert not await sync_to_async(Message.objects.filter(client_id="during").exists)()

    await sync_to_async(space_actions.restore_space)(actor=owner_user, space=space)
    event = await next_of_type(bob, "conversation.read_only")
    assert event["read_only"] is False
    await bob.send_json_to({**send, "client_id": "after"})
    ack = await next_of_type(bob, "message.ack")
    assert ack["message"]["conversation_id"] == channel.pk
    assert (await next_of_type(owner, "message.new"))["message"]["client_id"] == "after"
    await bob.disconnect()
    await owner.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_socket_direct_conversation_is_not_affected() -> None:
    world = await asetup()
    direct = await sync_to_async(make_direct)(world["bob"], world["owner"])
    bob, owner = await connected(world["bob"]), await connected(world["owner"])
    await bob.send_json_to({"type": "typing", "conversation_id": direct.pk})
    assert (await next_of_type(owner, "typing"))["conversation_id"] == direct.pk
    await bob.send_json_to(
        {"type": "message.send", "conversation_id": direct.pk, "client_id": "d", "body": "Ici"}
    )
    assert (await next_of_type(bob, "message.ack"))["message"]["conversation_id"] == direct.pk
    await bob.disconnect()
    await owner.disconnect()
