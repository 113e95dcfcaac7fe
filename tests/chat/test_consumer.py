"""The /ws/ socket's chat frames, each with its refusals (WebsocketCommunicator)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from cercle.chat import actions
from cercle.chat.events import Presence
from cercle.chat.models import Message, Reaction
from cercle.core.events import Error, Pong
from tests.factories import make_direct, make_group, make_message, make_user
from tests.helpers.sockets import CONNECT_TIMEOUT, connected, drain, next_of_type, socket_for

pytestmark = pytest.mark.django_db(transaction=True)

amake_user = sync_to_async(make_user)
amake_direct = sync_to_async(make_direct)


async def pair() -> tuple[Any, Any, Any]:
    anne, bruno = await amake_user(), await amake_user()
    conversation = await amake_direct(anne, bruno)
    return anne, bruno, conversation


async def test_send_is_stored_then_acknowledged_delivered_and_never_duplicated() -> None:
    anne, bruno, conversation = await pair()
    a, b = await connected(anne), await connected(bruno)
    frame = {
        "type": "message.send",
        "conversation_id": conversation.pk,
        "client_id": "k1",
        "body": "Salut **Bruno**",
    }
    await a.send_json_to(frame)
    ack = await next_of_type(a, "message.ack")
    assert ack["client_id"] == "k1" and ack["duplicate"] is False
    stored = await sync_to_async(Message.objects.get)(pk=ack["message"]["id"])
    assert stored.body == "Salut **Bruno**"
    new = await next_of_type(b, "message.new")
    assert new["message"]["id"] == stored.pk
    assert "<strong>Bruno</strong>" in new["message"]["html"]
    # The sender's own tabs get it too (to show it everywhere).
    assert (await next_of_type(a, "message.new"))["message"]["id"] == stored.pk
    # A retry with the same client id: acknowledged again, stored once, delivered once.
    await a.send_json_to(frame)
    again = await next_of_type(a, "message.ack")
    assert again["duplicate"] is True and again["message"]["id"] == stored.pk
    assert await b.receive_nothing(timeout=0.3)
    assert await sync_to_async(Message.objects.count)() == 1
    await a.disconnect()
    await b.disconnect()


async def test_frames_about_a_conversation_i_am_not_in_are_refused() -> None:
    anne, _bruno, conversation = await pair()
    intruder = await amake_user()
    c = await connected(intruder)
    await c.send_json_to(
        {
            "type": "message.send",
            "conversation_id": conversation.pk,
            "client_id": "x",
            "body": "hi",
            "ref": 7,
        }
    )
    error = await c.receive_json_from()
    assert error == Error(code="not_found", detail="Not found.", ref=7).payload()
    await c.send_json_to({"type": "typing", "conversation_id": conversation.pk})
    assert (await c.receive_json_from())["code"] == "not_found"
    await c.send_json_to({"type": "read", "conversation_id": conversation.pk})
    assert (await c.receive_json_from())["code"] == "not_found"
    message = await sync_to_async(make_message)(anne, conversation)
    for kind in ["reaction.add", "message.edit", "message.delete"]:
        await c.send_json_to({"type": kind, "message_id": message.pk, "emoji": "👍", "body": "x"})
        assert (await c.receive_json_from())["code"] == "not_found"
    assert await sync_to_async(Message.objects.count)() == 1
    assert not await sync_to_async(Reaction.objects.exists)()
    await c.disconnect()


async def test_bad_frames_get_errors_and_change_nothing() -> None:
    anne, _bruno, conversation = await pair()
    a = await connected(anne)
    await a.send_to(text_data="not json{")
    assert (await a.receive_json_from())["code"] == "bad_json"
    await a.send_to(bytes_data=b"\x00\x01")
    assert (await a.receive_json_from())["code"] == "bad_frame"
    await a.send_json_to([1, 2])
    assert (await a.receive_json_from())["code"] == "bad_frame"
    await a.send_json_to({"no": "type"})
    assert (await a.receive_json_from())["code"] == "bad_frame"
    await a.send_json_to({"type": "launch.missiles"})
    assert (await a.receive_json_from())["code"] == "unknown_type"
    huge = {
        "type": "message.send",
        "conversation_id": conversation.pk,
        "client_id": "big",
        "body": "x" * 40_000,
    }
    await a.send_to(text_data=json.dumps(huge))
    assert (await a.receive_json_from())["code"] == "too_large"
    for bad in [
        {"type": "message.send", "conversation_id": "one", "client_id": "a", "body": "x"},
        {"type": "message.send", "conversation_id": conversation.pk, "client_id": "a", "body": 5},
        {
            "type": "message.send",
            "conversation_id": conversation.pk,
            "client_id": "a",
            "body": "   ",
        },
        {"type": "message.send", "conversation_id": conversation.pk, "client_id": "", "body": "x"},
        {"type": "message.send", "conversation_id": True, "client_id": "a", "body": "x"},
        {"type": "sync", "after": -1},
        {"type": "presence", "status": "sleeping"},
        {"type": "reaction.add", "message_id": 1, "emoji": "not an emoji"},
    ]:
        await a.send_json_to(bad)
        assert (await a.receive_json_from())["code"] in {"invalid", "not_found"}, bad
    assert await sync_to_async(Message.objects.count)() == 0
    # The socket still works after all that.
    await a.send_json_to({"type": "ping"})
    assert await a.receive_json_from() == Pong().payload()
    await a.disconnect()


async def test_edit_delete_and_reactions_reach_every_member() -> None:
    anne, bruno, conversation = await pair()
    message = await sync_to_async(make_message)(anne, conversation, "Premier jet")
    a, b = await connected(anne), await connected(bruno)
    await b.send_json_to({"type": "message.edit", "message_id": message.pk, "body": "pirate"})
    assert (await b.receive_json_from())["code"] == "forbidden"
    await a.send_json_to(
        {"type": "message.edit", "message_id": message.pk, "body": "Version finale"}
    )
    updated = await next_of_type(b, "message.updated")
    assert updated["message"]["edited"] is True and updated["message"]["body"] == "Version finale"
    await b.send_json_to({"type": "reaction.add", "message_id": message.pk, "emoji": "👍"})
    added = await next_of_type(a, "reaction.added")
    assert added == {
        "type": "reaction.added",
        "conversation_id": conversation.pk,
        "message_id": message.pk,
        "user_id": bruno.pk,
        "emoji": "👍",
    }
    await b.send_json_to({"type": "reaction.remove", "message_id": message.pk, "emoji": "👍"})
    assert (await next_of_type(a, "reaction.removed"))["emoji"] == "👍"
    await a.send_json_to({"type": "message.delete", "message_id": message.pk})
    deleted = await next_of_type(b, "message.updated")
    assert deleted["message"]["deleted"] is True and deleted["message"]["body"] == ""
    await a.disconnect()
    await b.disconnect()


async def test_typing_is_throttled_and_expires() -> None:
    anne, bruno, conversation = await pair()
    a, b = await connected(anne), await connected(bruno)
    await a.send_json_to({"type": "typing", "conversation_id": conversation.pk})
    typing = await next_of_type(b, "typing")
    assert typing["user"]["id"] == anne.pk and typing["expires_in"] > 0
    await a.send_json_to({"type": "typing", "conversation_id": conversation.pk})
    frames = await drain(b, timeout=0.3)
    assert [f for f in frames if f["type"] == "typing"] == []  # throttled
    await a.disconnect()
    await b.disconnect()


async def test_read_sends_a_receipt_and_updates_my_other_tabs() -> None:
    anne, bruno, conversation = await pair()
    message = await sync_to_async(make_message)(anne, conversation)
    a, b1, b2 = await connected(anne), await connected(bruno), await connected(bruno)
    await b1.send_json_to(
        {"type": "read", "conversation_id": conversation.pk, "message_id": message.pk}
    )
    receipt = await next_of_type(a, "conversation.read")
    assert receipt["user_id"] == bruno.pk and receipt["last_read_message_id"] == message.pk
    mine = await next_of_type(b2, "read.updated")
    assert mine["unread"] == 0
    await a.disconnect()
    await b1.disconnect()
    await b2.disconnect()


async def test_hello_brings_the_unread_and_muted_conversations_for_the_badge() -> None:
    """The page keeps the Messages badge from `hello` on (issue 15: no HTTP request after each
    message): the unmuted conversations with unread messages, and the muted ones."""
    anne, bruno, conversation = await pair()
    carla = await amake_user()
    muted = await sync_to_async(make_direct)(carla, bruno)
    read = await sync_to_async(make_direct)(await amake_user(), bruno)
    await sync_to_async(make_message)(anne, conversation, "unread")
    await sync_to_async(make_message)(carla, muted, "unread but muted")
    await sync_to_async(actions.set_muted)(actor=bruno, conversation_id=muted.pk, muted=True)
    await sync_to_async(make_message)(bruno, read, "mine only")
    b = socket_for(bruno)
    await b.connect(timeout=CONNECT_TIMEOUT)
    hello = await b.receive_json_from()
    assert hello["unread_conversations"] == [conversation.pk]
    assert hello["muted_conversations"] == [muted.pk]
    await b.disconnect()


async def test_presence_counts_every_tab() -> None:
    anne, bruno, _conversation = await pair()
    a = await connected(anne)
    b1 = socket_for(bruno)
    await b1.connect(timeout=CONNECT_TIMEOUT)
    hello = await b1.receive_json_from()
    assert hello["presence"] == {str(anne.pk): "online"}
    assert (await next_of_type(a, "presence")) == {
        "type": "presence",
        "user_id": bruno.pk,
        "status": "online",
    }
    b2 = await connected(bruno)
    await drain(a)
    await b1.send_json_to({"type": "presence", "status": "away"})
    # The other tab is still in use: bruno stays online.
    assert (await next_of_type(a, "presence"))["status"] == "online"
    await b2.send_json_to({"type": "presence", "status": "away"})
    assert (await next_of_type(a, "presence"))["status"] == "away"
    await b2.send_json_to({"type": "presence", "status": "online"})
    assert (await next_of_type(a, "presence"))["status"] == "online"
    await b2.disconnect()
    assert (await next_of_type(a, "presence"))["status"] == "away"  # b1, idle, still open
    await b1.disconnect()
    assert (await next_of_type(a, "presence"))["status"] == "offline"
    await a.disconnect()


async def test_sync_returns_what_was_missed_in_order() -> None:
    anne, bruno, conversation = await pair()
    first = await sync_to_async(make_message)(anne, conversation, "one")
    later = [await sync_to_async(make_message)(bruno, conversation, f"m{i}") for i in range(3)]
    b = await connected(bruno)
    await b.send_json_to({"type": "sync", "after": first.pk})
    result = await next_of_type(b, "sync.result")
    assert [m["id"] for m in result["messages"]] == [m.pk for m in later]
    assert result["more"] is False and result["last_id"] == later[-1].pk
    await b.disconnect()


async def test_new_conversations_and_removals_are_followed_live() -> None:
    anne, bruno = await amake_user(), await amake_user()
    a, b = await connected(anne), await connected(bruno)
    group = await sync_to_async(make_group)(anne, [bruno])
    assert (await next_of_type(b, "conversation.created"))["conversation"]["id"] == group.pk
    await a.send_json_to(
        {
            "type": "message.send",
            "conversation_id": group.pk,
            "client_id": "g1",
            "body": "Bienvenue",
        }
    )
    assert (await next_of_type(b, "message.new"))["message"]["body"] == "Bienvenue"
    await sync_to_async(actions.remove_member)(actor=anne, conversation_id=group.pk, person=bruno)
    assert (await next_of_type(b, "conversation.left"))["conversation_id"] == group.pk
    await drain(b)
    await a.send_json_to(
        {"type": "message.send", "conversation_id": group.pk, "client_id": "g2", "body": "Secret"}
    )
    await next_of_type(a, "message.ack")
    frames = await drain(b, timeout=0.3)
    assert [f for f in frames if f["type"] == "message.new"] == []
    await a.disconnect()
    await b.disconnect()


async def test_a_removed_member_cannot_send_on_a_socket_that_sent_before() -> None:
    """The socket remembers a membership it checked for a send; the removal forgets it."""
    anne, bruno = await amake_user(), await amake_user()
    group = await sync_to_async(make_group)(anne, [bruno])
    b = await connected(bruno)
    send = {"type": "message.send", "conversation_id": group.pk, "body": "Oui", "ref": "r"}
    await b.send_json_to({**send, "client_id": "b1"})
    await next_of_type(b, "message.ack")
    await sync_to_async(actions.remove_member)(actor=anne, conversation_id=group.pk, person=bruno)
    await next_of_type(b, "conversation.left")
    await b.send_json_to({**send, "client_id": "b2"})
    error = await next_of_type(b, "error")
    assert error["code"] == "not_found" and error["ref"] == "r"
    assert not await sync_to_async(Message.objects.filter(client_id="b2").exists)()
    await b.disconnect()


async def test_a_flooding_client_is_slowed_down_and_others_are_not(settings: Any) -> None:
    from cercle.core.consumers import _RATE_COUNTS

    _RATE_COUNTS.clear()
    settings.CERCLE_SOCKET_RATE_LIMIT = (5, 60)
    anne, bruno, conversation = await pair()
    a, b = await connected(anne), await connected(bruno)
    codes: list[str] = []
    for i in range(8):
        await a.send_json_to(
            {
                "type": "message.send",
                "conversation_id": conversation.pk,
                "client_id": f"f{i}",
                "body": "spam",
            }
        )
    while len(codes) < 8:
        frame = await a.receive_json_from(timeout=5)
        if frame["type"] in {"message.ack", "error"}:
            codes.append(frame.get("code", "ack"))
    assert codes.count("ack") == 5
    assert codes.count("rate_limited") == 3
    assert await sync_to_async(Message.objects.count)() == 5
    # Bruno's socket is untouched and still answers.
    await b.send_json_to({"type": "ping"})
    assert await next_of_type(b, "pong")
    await a.disconnect()
    await b.disconnect()


async def test_pin_frame_reaches_members() -> None:
    anne, bruno, conversation = await pair()
    message = await sync_to_async(make_message)(anne, conversation, "À retenir")
    a, b = await connected(anne), await connected(bruno)
    await b.send_json_to({"type": "message.pin", "message_id": message.pk, "pinned": "yes"})
    assert (await b.receive_json_from())["code"] == "invalid"
    await b.send_json_to({"type": "message.pin", "message_id": message.pk, "pinned": True})
    assert (await next_of_type(a, "message.updated"))["message"]["pinned"] is True
    await a.disconnect()
    await b.disconnect()


async def test_a_client_gone_while_events_are_in_flight_goes_offline() -> None:
    """A frame to a client that has gone fails (uvicorn raises an OSError): the socket cleans up
    at once (presence, groups) without waiting for a websocket.disconnect that may never come."""
    from channels.testing.websocket import WebsocketCommunicator

    from cercle.routing import Socket

    anne, bruno, conversation = await pair()
    gone = False
    inner = Socket.as_asgi()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        async def failing_send(message: dict[str, Any]) -> None:
            if gone and message["type"] == "websocket.send":
                raise OSError("the client has gone")
            await send(message)

        await inner(scope, receive, failing_send)

    a = await connected(anne)
    b = WebsocketCommunicator(app, "/ws/")
    b.scope["user"] = bruno
    assert (await b.connect(timeout=CONNECT_TIMEOUT))[0]
    online = await next_of_type(a, "presence")
    assert online == Presence(user_id=bruno.pk, status="online").payload()
    gone = True
    await a.send_json_to(
        {"type": "message.send", "conversation_id": conversation.pk, "client_id": "f1", "body": "?"}
    )
    offline = await next_of_type(a, "presence")
    assert offline == Presence(user_id=bruno.pk, status="offline").payload()
    await a.disconnect()
    await b.disconnect()


async def test_deactivation_closes_the_persons_open_sockets_and_no_one_elses() -> None:
    from cercle.accounts.actions.people import deactivate_person
    from tests.factories import make_admin

    admin = await sync_to_async(make_admin)()
    anne, bruno, conversation = await pair()
    first_tab, second_tab, other = (
        await connected(anne),
        await connected(anne),
        await connected(bruno),
    )
    await sync_to_async(deactivate_person)(actor=admin, person=anne)
    for tab in (first_tab, second_tab):
        closed = await tab.receive_output(timeout=5)
        while closed["type"] != "websocket.close":  # presence or feed frames may come first
            closed = await tab.receive_output(timeout=5)
        assert closed["code"] == 4401
    # Bruno's socket is untouched and still receives what is sent to him.
    await sync_to_async(make_message)(bruno, conversation, "toujours là")
    assert (await next_of_type(other, "message.new"))["message"]["body"] == "toujours là"
    await other.disconnect()
