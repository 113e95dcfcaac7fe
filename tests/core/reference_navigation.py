"""The template tags `navigation` had before issue 15's round 8 (the side navigation drawn by
`core/_side_navigation.html`, kept in `tests/core/reference/core/`): loaded under the name
`navigation` by the reference engine of `test_navigation_drawn.py`, with the former `base.html`
(`tests/core/reference/base.html`)."""

from __future__ import annotations

from typing import Any

from django import template

from cercle.core.navigation import ShownMenuLink, menu_links, more_links, sections_for

register = template.Library()


@register.inclusion_tag("core/_side_navigation.html", takes_context=True)
def side_navigation(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    return {"sections": sections_for(request) if request is not None else []}


@register.simple_tag(takes_context=True, name="menu_links")
def menu_links_tag(context: dict[str, Any], place: str) -> list[ShownMenuLink]:
    request = context.get("request")
    return menu_links(request, place) if request is not None else []


@register.simple_tag(name="more_links")
def more_links_tag(links: list[ShownMenuLink]) -> list[ShownMenuLink]:
    return more_links(links)
