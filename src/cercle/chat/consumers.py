"""The chat part of the /ws/ socket (a `cercle.core.consumers.SocketPart`, assembled into
`cercle.routing.Socket`): it joins the person's `conversation.<id>` groups.

Client frames: `message.send`, `message.edit`, `message.delete`, `reaction.add`,
`reaction.remove`, `typing`, `read`, `presence`, `sync` (see docs/realtime.md). Writes go through
`cercle.chat.actions`, which publish their events after commit; typing and presence are ephemeral
and published here at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError

from cercle.accounts.models import User
from cercle.accounts.queries import NotFound
from cercle.chat import actions, events, presence, queries
from cercle.core.consumers import SocketPart
from cercle.core.events import HelloPart
from cercle.core.realtime import apublish_now, conversation_group, user_group

logger = logging.getLogger(__name__)
T = TypeVar("T")

TYPING_EXPIRES = 6.0
TYPING_THROTTLE = 2.0
# A socket re-checks that its person may write in a conversation (a member; not an archived
# space's channel) before a send or a typing frame at most this often (seconds); a membership or
# read-only event (`conversation.left`, `conversation.updated`, `conversation.read_only`) forgets
# it at once.
MEMBERSHIP_RECHECK = 30.0


def _int(frame: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    value = frame.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError({name: ["Give a whole number."]})
    return value


def _str(frame: dict[str, Any], name: str) -> str:
    value = frame.get(name)
    if not isinstance(value, str):
        raise ValidationError({name: ["Give a text."]})
    return value


@database_sync_to_async
def _load_state(user: Any) -> tuple[set[int], bool, list[int], int, list[int], list[int]]:
    return (
        set(queries.conversation_ids_of(user)),
        queries.receipts_enabled(user),
        queries.co_member_ids(user),
        queries.newest_message_id(user),
        queries.unread_conversation_ids(user),
        queries.muted_conversation_ids(user),
    )


@database_sync_to_async
def _co_members(user: Any) -> list[int]:
    return queries.co_member_ids(user)


async def _presence(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a presence function: at once in memory; with Redis in a worker thread that is not the
    database thread (a Redis round trip must not wait behind, or hold up, the sends)."""
    if not presence.redis_url():
        return function(*args, **kwargs)
    result: T = await sync_to_async(function, thread_sensitive=False)(*args, **kwargs)
    return result


# One task per server process (event loop) that refreshes its sockets' presence and announces
# the people whose sockets expired elsewhere (a killed process), when presence is in Redis.
_HEARTBEATS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]] = (
    weakref.WeakKeyDictionary()
)


def _ensure_heartbeat() -> None:
    if not presence.redis_url():
        return
    loop = asyncio.get_running_loop()
    task = _HEARTBEATS.get(loop)
    if task is None or task.done():
        _HEARTBEATS[loop] = loop.create_task(_heartbeat_loop())


async def _heartbeat_loop() -> None:
    while True:
        await asyncio.sleep(presence.heartbeat_seconds())
        try:
            await sync_to_async(presence.heartbeat, thread_sensitive=False)()
            changed = await sync_to_async(presence.sweep, thread_sensitive=False)()
            for user_id, status in changed.items():
                contacts = await _co_members(User(pk=user_id))
                await apublish_now(
                    events.Presence(user_id=user_id, status=status),
                    groups=[user_group(c) for c in contacts],
                )
        except Exception:
            logger.exception("presence heartbeat failed")


class ChatSocketMixin(SocketPart):
    frames = {
        "message.send": "on_message_send",
        "message.edit": "on_message_edit",
        "message.delete": "on_message_delete",
        "message.pin": "on_message_pin",
        "reaction.add": "on_reaction_add",
        "reaction.remove": "on_reaction_remove",
        "typing": "on_typing",
        "read": "on_read",
        "presence": "on_presence",
        "sync": "on_sync",
    }
    # They change nothing of the socket (filtered by `part_keeps` alone). Membership changes
    # (`conversation.*`) go through the socket's queue (`part_follow`).
    direct_events = frozenset(
        {
            events.MessageNew.type,
            events.MessageUpdated.type,
            events.Typing.type,
            events.Presence.type,
        }
    )
    hello_part: ClassVar[type[HelloPart] | None] = events.ChatHello

    conversation_ids: set[int]
    receipts: bool
    active: bool
    last_typing: dict[int, float]
    # conversation id → when (time.monotonic) the person was last found free to write there
    checked_memberships: dict[int, float]

    # --- connection ---------------------------------------------------------------------------

    async def part_connect(self) -> HelloPart | None:
        """Join my conversations' groups, count this socket for presence; my hello fields."""
        (
            self.conversation_ids,
            self.receipts,
            co_members,
            newest,
            unread,
            muted,
        ) = await _load_state(self.user)
        self.last_typing = {}
        self.checked_memberships = {}
        for conversation_id in list(self.conversation_ids):
            await self.channel_layer.group_add(
                conversation_group(conversation_id), self.channel_name
            )
        self.active = True
        status = await _presence(presence.socket_opened, self.user.pk, self.channel_name)
        _ensure_heartbeat()
        await self._publish_presence(status, co_members)
        others = await _presence(presence.statuses, co_members)
        return events.ChatHello(
            presence={str(uid): value for uid, value in others.items()},
            # Where a client that has nothing yet starts counting for `sync`.
            last_message_id=newest,
            unread_conversations=unread,
            muted_conversations=muted,
        )

    async def part_disconnect(self) -> None:
        if not hasattr(self, "conversation_ids"):
            return
        for conversation_id in list(self.conversation_ids):
            await self.channel_layer.group_discard(
                conversation_group(conversation_id), self.channel_name
            )
        status = await _presence(presence.socket_closed, self.user.pk, self.channel_name)
        await self._publish_presence(status)

    async def _publish_presence(self, status: str, co_members: list[int] | None = None) -> None:
        if co_members is None:
            co_members = await _co_members(self.user)
        await apublish_now(
            events.Presence(user_id=self.user.pk, status=status),
            groups=[user_group(uid) for uid in co_members],
        )

    async def part_follow(self, event: dict[str, Any]) -> None:
        """Follow membership changes before passing an event on."""
        kind = event.get("type")
        if kind in {events.ConversationCreated.type, events.ConversationUpdated.type}:
            conversation = event["conversation"]
            self.checked_memberships.pop(conversation["id"], None)
            ids = {m["id"] for m in conversation["members"]}
            if self.user.pk in ids and conversation["id"] not in self.conversation_ids:
                self.conversation_ids.add(conversation["id"])
                await self.channel_layer.group_add(
                    conversation_group(conversation["id"]), self.channel_name
                )
        elif kind == events.ConversationReadOnly.type:
            self.checked_memberships.pop(event["conversation_id"], None)
        elif kind == events.ConversationLeft.type:
            self.checked_memberships.pop(event["conversation_id"], None)
            self.conversation_ids.discard(event["conversation_id"])
            await self.channel_layer.group_discard(
                conversation_group(event["conversation_id"]), self.channel_name
            )

    def part_keeps(self, event: dict[str, Any]) -> bool:
        """Whether this tab shows an event (also when the channel layer hands it over directly:
        `RealtimeConsumer.take_now`)."""
        kind = event.get("type")
        if kind == events.ConversationRead.type:
            return bool(self.receipts or event["user_id"] == self.user.pk)
        if kind in {events.MessageNew.type, events.MessageUpdated.type}:
            # A message published just before this socket left the conversation.
            return bool(event["message"]["conversation_id"] in self.conversation_ids)
        return True

    # --- frames -------------------------------------------------------------------------------

    async def on_message_send(self, frame: dict[str, Any]) -> None:
        conversation_id = _int(frame, "conversation_id")
        assert conversation_id is not None
        client_id, body = _str(frame, "client_id"), _str(frame, "body")
        reply_to = _int(frame, "reply_to", required=False)
        attachment_ids = frame.get("attachments") or []
        if not isinstance(attachment_ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in attachment_ids
        ):
            raise ValidationError({"attachments": ["Give a list of attachment ids."]})

        checked = self._may_write_checked(conversation_id)

        def send() -> events.MessageAck:
            if not checked:
                self._check_may_write(conversation_id)
            message, created = actions.send_message(
                actor=self.user,
                conversation_id=conversation_id,
                body=body,
                client_id=client_id,
                reply_to_id=reply_to,
                attachment_ids=attachment_ids,
                membership_checked=True,
            )
            return events.MessageAck.of(
                message, duplicate=not created, with_files=bool(attachment_ids)
            )

        # Stored (and committed) before the acknowledgement goes out.
        await self.send_event(await database_sync_to_async(send)())

    def _may_write_checked(self, conversation_id: int) -> bool:
        """Whether this socket found its person free to write there moments ago."""
        checked_at = self.checked_memberships.get(conversation_id)
        return (
            conversation_id in self.conversation_ids
            and checked_at is not None
            and time.monotonic() - checked_at < MEMBERSHIP_RECHECK
        )

    def _check_may_write(self, conversation_id: int) -> None:
        """(In the database thread.) `NotFound` or `ReadOnly` unless the person may write there."""
        queries.access_membership(self.user, conversation_id, write=True)
        self.checked_memberships[conversation_id] = time.monotonic()

    async def on_message_edit(self, frame: dict[str, Any]) -> None:
        message_id, body = _int(frame, "message_id"), _str(frame, "body")
        assert message_id is not None
        await database_sync_to_async(actions.edit_message)(
            actor=self.user, message_id=message_id, body=body
        )

    async def on_message_delete(self, frame: dict[str, Any]) -> None:
        message_id = _int(frame, "message_id")
        assert message_id is not None
        await database_sync_to_async(actions.delete_message)(actor=self.user, message_id=message_id)

    async def on_message_pin(self, frame: dict[str, Any]) -> None:
        message_id = _int(frame, "message_id")
        assert message_id is not None
        pinned = frame.get("pinned", True)
        if not isinstance(pinned, bool):
            raise ValidationError({"pinned": ["Give true or false."]})
        await database_sync_to_async(actions.pin_message)(
            actor=self.user, message_id=message_id, pinned=pinned
        )

    async def on_reaction_add(self, frame: dict[str, Any]) -> None:
        message_id, emoji = _int(frame, "message_id"), _str(frame, "emoji")
        assert message_id is not None
        await database_sync_to_async(actions.add_reaction)(
            actor=self.user, message_id=message_id, emoji=emoji
        )

    async def on_reaction_remove(self, frame: dict[str, Any]) -> None:
        message_id, emoji = _int(frame, "message_id"), _str(frame, "emoji")
        assert message_id is not None
        await database_sync_to_async(actions.remove_reaction)(
            actor=self.user, message_id=message_id, emoji=emoji
        )

    async def on_typing(self, frame: dict[str, Any]) -> None:
        conversation_id = _int(frame, "conversation_id")
        assert conversation_id is not None
        if conversation_id not in self.conversation_ids:
            raise NotFound("conversation")
        now = time.monotonic()
        if now - self.last_typing.get(conversation_id, 0.0) < TYPING_THROTTLE:
            return  # throttled: the previous indicator is still showing
        if not self._may_write_checked(conversation_id):
            # Nobody types in a read-only channel (`read_only` error): at most one check in the
            # database every MEMBERSHIP_RECHECK seconds while typing is allowed.
            await database_sync_to_async(self._check_may_write)(conversation_id)
        self.last_typing[conversation_id] = now
        await apublish_now(
            events.Typing.of(conversation_id, self.user, expires_in=TYPING_EXPIRES),
            groups=[conversation_group(conversation_id)],
        )

    async def on_read(self, frame: dict[str, Any]) -> None:
        conversation_id = _int(frame, "conversation_id")
        message_id = _int(frame, "message_id", required=False)
        assert conversation_id is not None
        await database_sync_to_async(actions.mark_read)(
            actor=self.user, conversation_id=conversation_id, message_id=message_id
        )

    async def on_presence(self, frame: dict[str, Any]) -> None:
        status = frame.get("status")
        if status not in {presence.ONLINE, presence.AWAY}:
            raise ValidationError({"status": ["Give online or away."]})
        active = status == presence.ONLINE
        if active == self.active:
            return
        self.active = active
        new_status = await _presence(
            presence.socket_activity, self.user.pk, self.channel_name, active=active
        )
        await self._publish_presence(new_status)

    async def on_sync(self, frame: dict[str, Any]) -> None:
        self.caught_up()  # a drop from here on gets a new `resync`
        after = _int(frame, "after")
        assert after is not None

        def load() -> events.SyncResult:
            result = queries.messages_since(self.user, after)
            return events.SyncResult(
                after=after,
                messages=[events.message_payload(m) for m in result.messages],
                more=result.more,
                # the look-back's messages are older than `after`: never go back from it
                last_id=max([after, *(m.pk for m in result.messages)]),
            )

        await self.send_event(await database_sync_to_async(load)())
