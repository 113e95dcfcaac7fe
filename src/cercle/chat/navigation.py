"""The side navigation's "Conversations" (`cercle.core.navigation`): my most recent ones, each
with its unread count (none for a muted one); and the main navigation's Messages link."""

from __future__ import annotations

from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import User
from cercle.chat.queries import nav_conversations, unread_conversation_count
from cercle.core.navigation import (
    MenuLink,
    NavLink,
    NavSection,
    link_url,
    register_menu_link,
    register_section,
)


def my_conversations(user: User, limit: int) -> list[NavLink]:
    return [
        NavLink(
            label=item.title,
            url=link_url("chat_conversation", item.conversation_id),
            unread=item.unread,
        )
        for item in nav_conversations(user, limit)
    ]


def messages_link(request: HttpRequest) -> SafeString:
    """The main navigation's Messages link, with its unread badge (kept live by realtime.js), and
    the socket's status line and script. On every page: drawn in Python (issue 15; the template
    it replaced is kept in `tests/core/reference/chat/_nav_link.html`, and
    `tests/core/test_navigation_drawn.py` compares whole pages drawn both ways)."""
    user = request.user  # signed in: core.navigation shows links to them only
    unread = unread_conversation_count(user) if isinstance(user, User) else 0
    current = ' aria-current="page"' if request.path.startswith("/messages") else ""
    hidden = "" if unread else " hidden"
    return mark_safe(  # noqa: S308 (every value is escaped or an integer)
        f'<a href="{escape(link_url("chat_inbox"))}"{current} class="nav-messages">'
        f"{escape(gettext('Messages'))}"
        f'<span id="messages-badge" class="nav-badge"{hidden} '
        f'data-unread-url="{escape(link_url("chat_unread"))}">'
        f'<span class="visually-hidden">, {escape(gettext("unread conversations:"))} </span>'
        f'<span class="nav-badge-count">{escape(unread)}</span></span></a>\n'
        '<div id="realtime-status" class="realtime-status" role="status" hidden '
        f'data-user-id="{escape(user.pk)}">{escape(gettext("Offline: reconnecting…"))}</div>\n'
        f'<script src="{escape(static("cercle/js/realtime.js"))}" defer></script>\n'
    )


def register() -> None:
    register_section(
        NavSection(
            key="conversations",
            title=_("Conversations"),
            links=my_conversations,
            more_label=_("All conversations"),
            more_url=lambda: link_url("chat_inbox"),
            order=20,
            limit=8,
        )
    )
    register_menu_link(
        MenuLink(
            key="messages",
            label=_("Messages"),
            url=lambda user: link_url("chat_inbox"),
            place="main",
            order=40,
            current_prefix="/messages",
            css_class="nav-messages",
            render=messages_link,
        )
    )
