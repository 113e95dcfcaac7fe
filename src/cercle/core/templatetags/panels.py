"""`{% home_panels %}`: the panels modules registered for the home page (`cercle.core.panels`)."""

from __future__ import annotations

from typing import Any

from django import template

from cercle.core.panels import home_panels as shown_home_panels

register = template.Library()


@register.inclusion_tag("core/_home_panels.html", takes_context=True)
def home_panels(context: Any) -> dict[str, Any]:
    user = getattr(context.get("request"), "user", None)
    panels = shown_home_panels(user) if user is not None and user.is_authenticated else []
    return {"panels": panels, "request": context.get("request")}
