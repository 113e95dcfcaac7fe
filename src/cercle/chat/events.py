"""The realtime events of the chat app, one frozen dataclass per frame (`cercle.core.realtime
.Event`), documented in docs/realtime.md.

Published by `cercle.chat.actions` after commit (or at once by the socket, for typing and
presence): `message.new`, `message.updated`, `reaction.added`, `reaction.removed`, `typing`,
`conversation.read`, `read.updated`, `presence`, `chat.mention`, `conversation.created`,
`conversation.updated`, `conversation.left`, `conversation.read_only`. Sent by the socket to its
own client: `message.ack`, `sync.result`, and the chat's fields of `hello` (`ChatHello`). The
message, person and conversation inside them are the dicts of `message_payload`,
`person_payload` and `conversation_payload` (the API returns the same).
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.html import strip_tags

from cercle.accounts.models import User
from cercle.chat.models import Attachment, Conversation, Message, Reaction
from cercle.core import link_cards
from cercle.core.events import HelloPart
from cercle.core.realtime import Event

_SPACES = re.compile(r"\s+")
# A reply's one-line quote of the message it answers: this many characters at most.
REPLY_EXCERPT_LENGTH = 80


def plain_excerpt(body_html: str, length: int) -> str:
    """A message's plain text: no Markdown, no HTML, one line, `length` characters at most."""
    text = _SPACES.sub(" ", html.unescape(strip_tags(body_html))).strip()
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def reply_preview(message: Message) -> dict[str, Any] | None:
    """The replied-to message's author and the start of its text (empty when it was deleted,
    or held only files), for the reply's quote; None when it is not a reply or that message is
    gone. `queries._messages()` selects it with the reply: no query then."""
    if message.reply_to_id is None:
        return None
    quoted = message.reply_to
    if quoted is None:
        return None
    deleted = quoted.deleted_at is not None
    return {
        "id": quoted.pk,
        "author": quoted.sender.display_name,
        "excerpt": "" if deleted else plain_excerpt(quoted.body_html, REPLY_EXCERPT_LENGTH),
        "deleted": deleted,
    }


def person_payload(user: User) -> dict[str, Any]:
    return {"id": user.pk, "username": user.username, "display_name": user.display_name}


def reactions_payload(reactions: list[Reaction]) -> list[dict[str, Any]]:
    by_emoji: dict[str, list[int]] = defaultdict(list)
    for reaction in sorted(reactions, key=lambda r: (r.created_at, r.pk)):
        by_emoji[reaction.emoji].append(reaction.user_id)
    return [
        {"emoji": emoji, "count": len(user_ids), "user_ids": user_ids}
        for emoji, user_ids in by_emoji.items()
    ]


def attachment_payload(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "image": attachment.is_image,
        "width": attachment.width,
        "height": attachment.height,
        "url": reverse("chat_attachment", args=[attachment.pk]),
    }


def message_payload(
    message: Message,
    *,
    reactions: list[Reaction] | None = None,
    attachments: list[Attachment] | None = None,
    cards: list[dict[str, object]] | None = None,
) -> dict[str, Any]:
    """A message as clients see it; a deleted message keeps its place but not its text.

    `link_cards`: the cards of its links to things the reader may see (`cards`, read for them by
    `queries.message_cards`); `[]` when it links to none, `null` when it does but the payload is
    the same for every reader (a socket's events): the client asks `/api/v1/messages/{id}/cards`."""
    deleted = message.deleted_at is not None
    if deleted:
        shown_cards: list[dict[str, object]] | None = []
    elif cards is not None:
        shown_cards = cards
    else:
        shown_cards = None if link_cards.has_links(message.body_html) else []
    if reactions is None:
        reactions = [] if deleted else list(message.reactions.all())
    if attachments is None:
        attachments = [] if deleted else list(message.attachments.all())
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "sender": person_payload(message.sender),
        "client_id": message.client_id,
        "body": "" if deleted else message.body,
        "html": "" if deleted else message.body_html,
        "reply_to": message.reply_to_id,
        "reply_preview": reply_preview(message),
        "created_at": message.created_at.isoformat(),
        "edited": message.edited_at is not None,
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted": deleted,
        "pinned": message.pinned_at is not None and not deleted,
        "reactions": [] if deleted else reactions_payload(reactions),
        "attachments": [] if deleted else [attachment_payload(a) for a in attachments],
        "link_cards": shown_cards,
    }


def conversation_payload(conversation: Conversation, members: list[User]) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "kind": conversation.kind,
        "name": conversation.name,
        "members": [person_payload(member) for member in members],
        "last_message_id": conversation.last_message_id,
    }


# --- Events ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageNew(Event):
    """A message sent, to the conversation. It carries no reactions."""

    type = "message.new"
    message: dict[str, Any]

    @classmethod
    def of(cls, message: Message, *, attachments: list[Attachment] | None = None) -> MessageNew:
        return cls(message=message_payload(message, reactions=[], attachments=attachments or []))


@dataclass(frozen=True)
class MessageUpdated(Event):
    """A message edited, deleted (`deleted`: true), pinned or unpinned, to the conversation."""

    type = "message.updated"
    message: dict[str, Any]

    @classmethod
    def of(cls, message: Message) -> MessageUpdated:
        return cls(message=message_payload(message))


@dataclass(frozen=True)
class MessageAck(Event):
    """To the socket that sent the message, once it is stored; `duplicate` for a resend of a
    `client_id` already stored."""

    type = "message.ack"
    client_id: str
    duplicate: bool
    message: dict[str, Any]

    @classmethod
    def of(cls, message: Message, *, duplicate: bool, with_files: bool = True) -> MessageAck:
        """`with_files=False` when the send had no attachments: no query for them."""
        return cls(
            client_id=message.client_id,
            duplicate=duplicate,
            # A message just stored has no reactions yet: no query for them.
            message=message_payload(
                message,
                reactions=None if duplicate else [],
                attachments=None if duplicate or with_files else [],
            ),
        )


@dataclass(frozen=True)
class ReactionEvent(Event):
    """The fields of `reaction.added` and `reaction.removed` (a base: no type of its own)."""

    conversation_id: int
    message_id: int
    user_id: int
    emoji: str


@dataclass(frozen=True)
class ReactionAdded(ReactionEvent):
    type = "reaction.added"


@dataclass(frozen=True)
class ReactionRemoved(ReactionEvent):
    type = "reaction.removed"


def reaction_event(
    kind: type[ReactionEvent], *, message: Message, user: User, emoji: str
) -> ReactionEvent:
    return kind(
        conversation_id=message.conversation_id, message_id=message.pk, user_id=user.pk, emoji=emoji
    )


@dataclass(frozen=True)
class ConversationEvent(Event):
    """The fields of `conversation.created` and `.updated` (a base: no type of its own)."""

    conversation: dict[str, Any]


@dataclass(frozen=True)
class ConversationCreated(ConversationEvent):
    """To the people of a new conversation (or one who joined a space channel)."""

    type = "conversation.created"


@dataclass(frozen=True)
class ConversationUpdated(ConversationEvent):
    """Renamed, people added or removed: to its people."""

    type = "conversation.updated"


def conversation_event(
    kind: type[ConversationEvent], conversation: Conversation, members: list[User]
) -> ConversationEvent:
    return kind(conversation=conversation_payload(conversation, members))


@dataclass(frozen=True)
class ConversationLeft(Event):
    """I was removed, or left (or the space channel closed)."""

    type = "conversation.left"
    conversation_id: int


@dataclass(frozen=True)
class ConversationReadOnly(Event):
    """A space channel became read-only (the space archived) or writable again (restored)."""

    type = "conversation.read_only"
    conversation_id: int
    read_only: bool


@dataclass(frozen=True)
class ConversationRead(Event):
    """A read receipt, to the conversation (when receipts are on)."""

    type = "conversation.read"
    conversation_id: int
    user_id: int
    last_read_message_id: int


@dataclass(frozen=True)
class ReadUpdated(Event):
    """My own read state, to my other tabs (unread badges)."""

    type = "read.updated"
    conversation_id: int
    last_read_message_id: int
    unread: int


@dataclass(frozen=True)
class Typing(Event):
    type = "typing"
    conversation_id: int
    user: dict[str, Any]
    expires_in: float

    @classmethod
    def of(cls, conversation_id: int, user: User, *, expires_in: float) -> Typing:
        return cls(
            conversation_id=conversation_id, user=person_payload(user), expires_in=expires_in
        )


@dataclass(frozen=True)
class Presence(Event):
    """A person's status (`online`, `away`, `offline`), to the people who share a conversation."""

    type = "presence"
    user_id: int
    status: str


@dataclass(frozen=True)
class ChatMention(Event):
    """To the people mentioned in a message."""

    type = "chat.mention"
    conversation_id: int
    message_id: int
    by: dict[str, Any]

    @classmethod
    def of(cls, message: Message) -> ChatMention:
        return cls(
            conversation_id=message.conversation_id,
            message_id=message.pk,
            by=person_payload(message.sender),
        )


@dataclass(frozen=True)
class SyncResult(Event):
    """The answer to `sync`: the messages after `after`, oldest first, led by the few of lower id
    written just before it (`queries.messages_since`: some the client may have already; it keeps
    one of each id); `more`: ask again from `last_id`."""

    type = "sync.result"
    after: int
    messages: list[dict[str, Any]]
    more: bool
    last_id: int


@dataclass(frozen=True)
class ChatHello(HelloPart):
    """The chat's fields of `hello` (`cercle.core.events.Hello`): the status of the people who
    share a conversation with me, and the newest message of my conversations (where a client
    with nothing stored starts counting for `sync`)."""

    presence: dict[str, str]
    last_message_id: int
    # The navigation badge, kept by the page from here on (message.new, read.updated…) rather
    # than asked over HTTP after every message received (issue 15).
    unread_conversations: list[int] = field(default_factory=list)
    muted_conversations: list[int] = field(default_factory=list)
