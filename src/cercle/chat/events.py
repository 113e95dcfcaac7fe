"""The realtime events of the chat app, as JSON-able dicts (documented in docs/realtime.md).

Server → client frames: `message.new`, `message.updated`, `message.ack`, `reaction.added`,
`reaction.removed`, `typing`, `conversation.read`, `read.updated`, `presence`,
`conversation.created`, `conversation.updated`, `conversation.left`, `conversation.read_only`,
`sync.result`, `error`.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from typing import Any

from django.urls import reverse
from django.utils.html import strip_tags

from cercle.accounts.models import User
from cercle.chat.models import Attachment, Conversation, Message, Reaction

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
) -> dict[str, Any]:
    """A message as clients see it; a deleted message keeps its place but not its text."""
    deleted = message.deleted_at is not None
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
    }


def message_new(message: Message, *, attachments: list[Attachment] | None = None) -> dict[str, Any]:
    return {
        "type": "message.new",
        "message": message_payload(message, reactions=[], attachments=attachments or []),
    }


def message_updated(message: Message) -> dict[str, Any]:
    return {"type": "message.updated", "message": message_payload(message)}


def message_ack(message: Message, *, duplicate: bool, with_files: bool = True) -> dict[str, Any]:
    """`with_files=False` when the send had no attachments: no query for them."""
    return {
        "type": "message.ack",
        "client_id": message.client_id,
        "duplicate": duplicate,
        # A message just stored has no reactions yet: no query for them.
        "message": message_payload(
            message,
            reactions=None if duplicate else [],
            attachments=None if duplicate or with_files else [],
        ),
    }


def reaction_event(kind: str, *, message: Message, user: User, emoji: str) -> dict[str, Any]:
    return {
        "type": kind,
        "conversation_id": message.conversation_id,
        "message_id": message.pk,
        "user_id": user.pk,
        "emoji": emoji,
    }


def conversation_payload(conversation: Conversation, members: list[User]) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "kind": conversation.kind,
        "name": conversation.name,
        "members": [person_payload(member) for member in members],
        "last_message_id": conversation.last_message_id,
    }


def conversation_event(
    kind: str, conversation: Conversation, members: list[User]
) -> dict[str, Any]:
    return {"type": kind, "conversation": conversation_payload(conversation, members)}


def conversation_left(conversation_id: int) -> dict[str, Any]:
    return {"type": "conversation.left", "conversation_id": conversation_id}


def conversation_read_only(conversation_id: int, read_only: bool) -> dict[str, Any]:
    """A space channel became read-only (the space archived) or writable again (restored)."""
    return {
        "type": "conversation.read_only",
        "conversation_id": conversation_id,
        "read_only": read_only,
    }


def conversation_read(conversation_id: int, user_id: int, message_id: int) -> dict[str, Any]:
    """A read receipt, to the conversation (when receipts are on)."""
    return {
        "type": "conversation.read",
        "conversation_id": conversation_id,
        "user_id": user_id,
        "last_read_message_id": message_id,
    }


def read_updated(conversation_id: int, message_id: int, unread: int) -> dict[str, Any]:
    """My own read state, to my other tabs (unread badges)."""
    return {
        "type": "read.updated",
        "conversation_id": conversation_id,
        "last_read_message_id": message_id,
        "unread": unread,
    }


def typing(conversation_id: int, user: User, *, expires_in: float) -> dict[str, Any]:
    return {
        "type": "typing",
        "conversation_id": conversation_id,
        "user": person_payload(user),
        "expires_in": expires_in,
    }


def presence(user_id: int, status: str) -> dict[str, Any]:
    return {"type": "presence", "user_id": user_id, "status": status}


def error(code: str, detail: str, *, ref: Any = None, **extra: Any) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "error", "code": code, "detail": detail}
    if ref is not None:
        frame["ref"] = ref
    frame.update(extra)
    return frame
