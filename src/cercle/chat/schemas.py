"""Input and output schemas of the chat API (/api/v1/conversations, /messages, /realtime)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema

from cercle.core.schemas import Id


class ChatPersonOut(Schema):
    id: int
    username: str
    display_name: str


class ConversationOut(Schema):
    id: int
    kind: str
    name: str
    title: str
    members: list[ChatPersonOut]
    unread: int
    muted: bool
    last_read_message_id: int
    last_message_id: int | None
    last_message_at: datetime | None
    # For a direct conversation: the other person's presence (online, away, offline).
    presence: str | None = None


class ConversationDetailOut(ConversationOut):
    # Read receipts: member id → the newest message id they have read (empty when receipts are off).
    read_states: dict[str, int]
    # True in an archived space's channel: readable, but every write is refused (403).
    read_only: bool = False


class ConversationIn(Schema):
    kind: Literal["direct", "group"]
    # direct: the other person's username; group: a name and the people's usernames.
    username: str = ""
    name: str = ""
    usernames: list[str] = Field(default_factory=list, max_length=60)


class MembersIn(Schema):
    usernames: list[str] = Field(..., min_length=1, max_length=60)


class ReadIn(Schema):
    message_id: Id | None = None


class ReadOut(Schema):
    last_read_message_id: int


class MuteIn(Schema):
    muted: bool


class ReactionOut(Schema):
    emoji: str
    count: int
    user_ids: list[int]


class MessageAttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    image: bool
    width: int | None
    height: int | None
    url: str


class ReplyPreviewOut(Schema):
    id: int
    author: str
    excerpt: str
    deleted: bool


class MessageOut(Schema):
    id: int
    conversation_id: int
    sender: ChatPersonOut
    client_id: str
    body: str
    html: str
    reply_to: int | None
    reply_preview: ReplyPreviewOut | None
    created_at: datetime
    edited: bool
    edited_at: datetime | None
    deleted: bool
    pinned: bool
    reactions: list[ReactionOut]
    attachments: list[MessageAttachmentOut]
    # Cards of its links to things the reader may see (`kind`, then the kind's fields: a
    # document's `id`, `name`, `content_type`, `size`, `url`, `thumbnail_url`); null: ask
    # `GET /api/v1/messages/{id}/cards`.
    link_cards: list[dict[str, Any]] | None = []


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: str | None


class MessageIn(Schema):
    client_id: str = Field(..., min_length=1, max_length=64)
    body: str = Field("", max_length=10_000)
    reply_to: Id | None = None
    attachments: list[Id] = Field(default_factory=list, max_length=10)


class MessageEditIn(Schema):
    body: str = Field(..., max_length=10_000)


class MessagePinIn(Schema):
    pinned: bool


class MessageReactionIn(Schema):
    emoji: str = Field(..., min_length=1, max_length=16)


class VersionOut(Schema):
    html: str
    written_at: datetime
