"""Chat's searchable kind: messages, found only by the members of their conversation
(the rule of `queries.access_message`), never once deleted."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import User
from cercle.chat.models import Membership, Message
from cercle.search.registry import Entry, SearchKind
from cercle.search.registry import register as register_kind
from cercle.search.text import language_of


def _message(message: Message) -> Entry | None:
    if message.deleted_at is not None or not message.body:
        return None
    sender = message.sender
    return Entry(
        title=message.conversation.name or sender.display_name,
        body=message.body,
        url=reverse("chat_conversation", args=[message.conversation_id])
        + f"?around={message.pk}#m-{message.pk}",
        date=message.created_at,
        language=language_of(sender.language),
        space_id=message.conversation.space_id,
        author_id=message.sender_id,
    )


def visible_messages(user: User) -> QuerySet[Message]:
    if not user.is_authenticated or not user.is_active:
        return Message.objects.none()
    mine = Membership.objects.filter(user_id=user.pk).values("conversation_id")
    return Message.objects.filter(conversation_id__in=mine, deleted_at__isnull=True)


def _titles(ids: list[int]) -> dict[int, str]:
    """Read when shown: a space's rename renames its channel in bulk (no reindex)."""
    messages = Message.objects.filter(pk__in=ids).select_related("conversation", "sender")
    messages = messages.only(
        "conversation__name", "sender__first_name", "sender__last_name", "sender__username"
    )
    return {m.pk: m.conversation.name or m.sender.display_name for m in messages}


def register() -> None:
    register_kind(
        SearchKind(
            key="message",
            label=_("Messages"),
            model=Message,
            entry=_message,
            visible=visible_messages,
            rows=lambda: Message.objects.select_related("sender", "conversation"),
            order=40,
            fields=frozenset({"body", "deleted_at", "edited_at"}),
            titles=_titles,
        )
    )
