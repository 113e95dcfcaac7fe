"""The side navigation's "Conversations" (`cercle.core.navigation`): my most recent ones, each
with its unread count (none for a muted one)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import User
from cercle.chat.queries import nav_conversations
from cercle.core.navigation import NavLink, NavSection, register_section


def my_conversations(user: User, limit: int) -> list[NavLink]:
    return [
        NavLink(
            label=item.title,
            url=reverse("chat_conversation", args=[item.conversation_id]),
            unread=item.unread,
        )
        for item in nav_conversations(user, limit)
    ]


def register() -> None:
    register_section(
        NavSection(
            key="conversations",
            title=_("Conversations"),
            links=my_conversations,
            more_label=_("All conversations"),
            more_url=lambda: reverse("chat_inbox"),
            order=20,
            limit=8,
        )
    )
