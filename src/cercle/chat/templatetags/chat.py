"""The `presence_label` filter (a presence code in the reader's language) and `may_message` (whether
the viewer may start a conversation with a person)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cercle.chat.events import reply_preview
from cercle.chat.models import Message
from cercle.chat.queries import may_start_conversation

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
