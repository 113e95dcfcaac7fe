"""Template helpers for spaces."""

from __future__ import annotations

from typing import Any

from django import template

from cercle.spaces.models import Space
from cercle.spaces.queries import SpaceView, display_name
from cercle.spaces.registry import panels_for

register = template.Library()


@register.filter
def space_name(space: Space | None) -> str:
    """`{{ space|space_name }}`: the name to show people (the organisation space's translated)."""
    return display_name(space) if space is not None else ""


@register.inclusion_tag("spaces/_panels.html", takes_context=True)
def space_panels(context: Any, view: SpaceView) -> dict[str, Any]:
    """The panels modules registered for a space's page (`registry.register_panel`)."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return {"panels": []}
    return {"panels": panels_for(user, view)}
