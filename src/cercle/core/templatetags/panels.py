"""`{% home_panels %}`: the panels modules registered for the home page (`cercle.core.panels`)."""

from __future__ import annotations

from typing import Any

from django import template

from cercle.core.panels import home_panels as shown_home_panels

register = template.Library()


@register.inclusion_tag("core/_home_panels.html", takes_context=True)
def home_panels(context: Any) -> dict[str, Any]:
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return {"panels": [], "request": context.get("request")}
    # The page's view may have read the admins' layout already (`home_layout`): not read twice.
    panels = shown_home_panels(user, context.get("home_layout"))
    return {"panels": panels, "request": context.get("request")}
