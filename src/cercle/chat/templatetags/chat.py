"""`{% messages_nav_link %}` (the navigation's Messages link with its unread badge) and the
`presence_label` filter (a presence code in the reader's language)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from cercle.chat.queries import unread_conversation_count

register = template.Library()


@register.inclusion_tag("chat/_nav_link.html", takes_context=True)
def messages_nav_link(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    count = unread_conversation_count(user) if user is not None and user.is_authenticated else 0
    path = getattr(request, "path", "")
    return {"unread": count, "active": path.startswith("/messages"), "user": user}


PRESENCE_LABELS = {"online": _("online"), "away": _("away"), "offline": _("offline")}


@register.filter
def presence_label(status: str) -> str:
    return str(PRESENCE_LABELS.get(status, status))
