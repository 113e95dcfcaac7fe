"""Template helpers for spaces."""

from __future__ import annotations

from django import template

from cercle.spaces.models import Space
from cercle.spaces.queries import display_name

register = template.Library()


@register.filter
def space_name(space: Space | None) -> str:
    """`{{ space|space_name }}`: the name to show people (the organisation space's translated)."""
    return display_name(space) if space is not None else ""
