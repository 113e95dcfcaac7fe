"""`{% side_navigation %}`: the desktop's left navigation (`cercle.core.navigation`), in
`templates/base.html`."""

from __future__ import annotations

from typing import Any

from django import template

from cercle.core.navigation import sections_for

register = template.Library()


@register.inclusion_tag("core/_side_navigation.html", takes_context=True)
def side_navigation(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    return {"sections": sections_for(request) if request is not None else []}
