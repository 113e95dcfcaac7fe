"""The `presence_label` filter (a presence code in the reader's language) and `may_message` (whether
the viewer may start a conversation with a person)."""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any

from django import template
from django.template.base import render_value_in_context
from django.urls import get_script_prefix, reverse
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cercle.chat.events import reply_preview
from cercle.chat.models import Message
from cercle.chat.queries import may_start_conversation
from cercle.core.text import escaped

register = template.Library()


@register.filter
def may_message(viewer: Any, person: Any) -> bool:
    """`{% if user|may_message:person %}`: `queries.may_start_conversation`, for a template."""
    return bool(
        viewer is not None
        and getattr(viewer, "is_authenticated", False)
        and may_start_conversation(viewer, person or None)
    )


PRESENCE_LABELS = {"online": _("online"), "away": _("away"), "offline": _("offline")}


@register.filter
def presence_label(status: str) -> str:
    return str(PRESENCE_LABELS.get(status, status))


# A file's size: "8 bytes", "1.2 kB", "3 MB" ("8 o", "1,2 ko", "3 Mo" in French), the same as
# chat.js shows for the messages it renders live (its units come from `views._strings`).
def _size_units() -> tuple[tuple[int, str], ...]:
    return (
        (1024**3, gettext("%(n)s GB")),
        (1024**2, gettext("%(n)s MB")),
        (1024, gettext("%(n)s kB")),
    )


def file_size_text(size: int) -> str:
    for step, unit in _size_units():
        if size >= step:
            value = round(size / step, 1)
            shown = number_format(int(value) if value == int(value) else value)
            return unit % {"n": shown}
    return ngettext("%(n)s byte", "%(n)s bytes", size) % {"n": number_format(size)}


@register.filter
def file_size(size: int) -> str:
    return file_size_text(int(size or 0))


@register.filter
def reply_quote(message: Message) -> dict[str, Any] | None:
    """The replied-to message's author and excerpt (events.reply_preview), for the quote."""
    return reply_preview(message)


# --- The conversation list, drawn in Python ------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _sidebar_texts(language: str | None, prefix: str) -> SimpleNamespace:
    # The former template's `{% translate %}` literals: not escaped, as there (ours; Django marks
    # a literal's translation safe). Its URLs: escaped, as `{% url %}` gives them.
    return SimpleNamespace(
        conversations=gettext("Conversations"),
        messages=gettext("Messages"),
        settings=gettext("Settings"),
        search_messages=gettext("Search messages"),
        search_placeholder=gettext("Search…"),
        search=gettext("Search"),
        new_message=gettext("New message"),
        new_group=gettext("New group"),
        muted=gettext("muted"),
        unread=gettext("unread:"),
        none_yet_start=gettext(
            "No conversation yet. Start one with “New message”, or from a person's profile "
            "with the “Message” button."
        ),
        none_yet=gettext("No conversation yet."),
        settings_url=escaped(reverse("chat_settings")),
        search_url=escaped(reverse("chat_search")),
        new_direct_url=escaped(reverse("chat_new_direct")),
        new_group_url=escaped(reverse("chat_new_group")),
        # The conversation's address around its id.
        conversation_url=escaped(reverse("chat_conversation", args=[_MARKER])).split(str(_MARKER)),
    )


_MARKER = 2147483647

_SEARCH_ICON = (
    '<svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" '
    'focusable="false"><circle cx="10.5" cy="10.5" r="6.5" fill="none" stroke="currentColor" '
    'stroke-width="2"/><path d="M15.5 15.5L21 21" fill="none" stroke="currentColor" '
    'stroke-width="2" stroke-linecap="round"/></svg>'
)


@register.simple_tag(takes_context=True)
def chat_sidebar(context: template.Context, **given: Any) -> SafeString:
    """The conversation list beside the inbox, a conversation and a search (the former
    `chat/_sidebar.html`, kept in `tests/chat/reference/`; `tests/chat/test_sidebar_drawn.py`
    compares the pages drawn both ways): its rows cost ~150 Python calls each as a template
    (issue 15). Its values are the ones given (`pane_titled`), else the context's (`rows`, `q`,
    `can_start`, `current`), as the former `{% include … with %}` read them."""

    def value(name: str) -> Any:
        # A name the context lacks is "" there (the engine's `string_if_invalid`).
        return given[name] if name in given else context.get(name, "")

    def shown(item: Any) -> str:
        return render_value_in_context(item, context)

    t = _sidebar_texts(get_language(), get_script_prefix())
    heading = f"<h2>{t.messages}</h2>" if value("pane_titled") else f"<h1>{t.messages}</h1>"
    can_start = value("can_start")
    parts = [
        f'<nav class="chat-list" aria-label="{t.conversations}">\n'
        '  <div class="chat-list-head">\n'
        "    \n"
        f"    {heading}\n"
        f'    <a href="{t.settings_url}">{t.settings}</a>\n'
        "  </div>\n"
        f'  <form class="chat-list-search" method="get" action="{t.search_url}" role="search">\n'
        f'    <label for="chat-search-q" class="visually-hidden">{t.search_messages}</label>\n'
        f'    <input type="search" id="chat-search-q" name="q" value="{shown(value("q") or "")}"'
        f' maxlength="200" placeholder="{t.search_placeholder}" autocomplete="off">\n'
        "    \n"
        '    <button type="submit" class="button-secondary chat-list-search-button">'
        f'{_SEARCH_ICON}<span class="visually-hidden">{t.search}</span></button>\n'
        "  </form>\n"
        "  "
    ]
    if can_start:
        parts.append(
            f'<p class="chat-list-actions"><a class="button" href="{t.new_direct_url}">'
            f"{t.new_message}</a>\n"
            f'    <a class="button button-secondary" href="{t.new_group_url}">{t.new_group}</a>'
            "</p>"
        )
    parts.append("\n  ")
    rows = value("rows")
    current = value("current")
    current_pk = current.pk if current else None
    head, tail = t.conversation_url
    if rows:
        parts.append('\n  <ul id="conversation-list">\n    ')
        for row in rows:
            conversation = row["conversation"]
            pk = shown(conversation.pk)
            muted = row["membership"].muted
            here = ' aria-current="page"' if current and current_pk == conversation.pk else ""
            parts.append(
                f'\n    <li data-conversation-item="{pk}"{" data-muted" if muted else ""}>\n'
                f'      <a href="{head}{pk}{tail}"{here}>\n        '
            )
            if row["other"]:
                presence = row["presence"]
                label = escaped(presence_label(presence))
                parts.append(
                    f'<span class="presence" data-presence-user="{shown(row["other"].pk)}" '
                    f'data-status="{shown(presence)}" title="{label}">'
                    f'<span class="visually-hidden">{label}</span></span>'
                )
            last_at = conversation.last_message_at
            muted_mark = f'<span class="muted">({t.muted})</span>' if muted else ""
            datetime = f' datetime="{shown(last_at.isoformat())}"' if last_at else ""
            parts.append(
                "\n"
                '        <span class="chat-list-main">\n'
                '          <span class="chat-list-top"><span class="chat-list-title">'
                f"{shown(row['title'])}</span>\n"
                "            "
                f"{muted_mark}\n"
                '            <time class="chat-list-time"'
                f"{datetime}>"
                f"{shown(row['time'])}</time></span>\n"
                '          <span class="chat-list-preview" '
                f'data-preview-id="{shown(row["last_id"])}">{shown(row["preview"])}</span>\n'
                "        </span>\n"
                '        <span class="badge" data-unread-badge'
                f"{'' if row['unread'] else ' hidden'}>"
                f'<span class="visually-hidden">{t.unread} </span>'
                f'<span class="badge-count">{shown(row["unread"])}</span></span>\n'
                "      </a>\n"
                "    </li>\n"
                "    "
            )
        parts.append("\n  </ul>\n  ")
    else:
        parts.append(
            f'\n  <p class="muted">{t.none_yet_start if can_start else t.none_yet}</p>\n  '
        )
    # The former template's last line ended the file.
    parts.append("\n</nav>\n")
    return mark_safe("".join(parts))  # noqa: S308 (its values escaped here, its words ours)
