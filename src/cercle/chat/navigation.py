"""The side navigation's "Conversations" (`cercle.core.navigation`): my most recent ones, each
with its unread count (none for a muted one); and the main navigation's Messages link."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import User
from cercle.chat.queries import nav_conversations, unread_conversation_count
from cercle.core.navigation import (
    MenuLink,
    NavLink,
    NavSection,
    register_menu_link,
    register_section,
)


def my_conversations(user: User, limit: int) -> list[NavLink]:
    return [
        NavLink(
            label=item.title,
            url=reverse("chat_conversation", args=[item.conversation_id]),
            unread=item.unread,
        )
        for item in nav_conversations(user, limit)
    ]


def messages_link(request: HttpRequest) -> SafeString:
    """The main navigation's Messages link, with its unread badge (kept live by realtime.js)."""
    user = request.user  # signed in: core.navigation shows links to them only
    context = {
        "unread": unread_conversation_count(user) if isinstance(user, User) else 0,
        "active": request.path.startswith("/messages"),
        "user": user,
    }
    return render_to_string("chat/_nav_link.html", context, request=request)


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
    register_menu_link(
        MenuLink(
            key="messages",
            label=_("Messages"),
            url=lambda user: reverse("chat_inbox"),
            place="main",
            order=40,
            current_prefix="/messages",
            css_class="nav-messages",
            render=messages_link,
        )
    )
