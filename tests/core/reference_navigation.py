"""The template tags `navigation` had before issue 15's round 8 (the side navigation drawn by
`core/_side_navigation.html`, kept in `tests/core/reference/core/`): loaded under the name
`navigation` by the reference engine of `test_navigation_drawn.py`, with the former `base.html`
(`tests/core/reference/base.html`); the main navigation's Messages link as chat drew it with
`chat/_nav_link.html` (kept in `tests/core/reference/chat/`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from django import template
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from cercle.accounts.models import User
from cercle.chat.queries import unread_conversation_count
from cercle.core.navigation import ShownMenuLink, menu_links, more_links, sections_for

register = template.Library()


@register.inclusion_tag("core/_side_navigation.html", takes_context=True)
def side_navigation(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    return {"sections": sections_for(request) if request is not None else []}


@register.simple_tag(takes_context=True, name="menu_links")
def menu_links_tag(context: dict[str, Any], place: str) -> list[ShownMenuLink]:
    request = context.get("request")
    if request is None:
        return []
    return [
        dataclasses.replace(link, html=_messages_link(request)) if link.key == "messages" else link
        for link in menu_links(request, place)
    ]


def _messages_link(request: HttpRequest) -> SafeString:
    user = request.user
    context = {
        "unread": unread_conversation_count(user) if isinstance(user, User) else 0,
        "active": request.path.startswith("/messages"),
        "user": user,
    }
    return render_to_string("chat/_nav_link.html", context, request=request)


@register.simple_tag(name="more_links")
def more_links_tag(links: list[ShownMenuLink]) -> list[ShownMenuLink]:
    return more_links(links)
