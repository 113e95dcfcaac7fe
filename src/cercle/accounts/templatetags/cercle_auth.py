"""Template helpers for the sign-in pages."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def signup_open(context: dict[str, Any]) -> bool:
    """Whether people may sign up by themselves (only for the organisation's email domains)."""
    request = context.get("request")
    return request is not None and bool(get_adapter(request).is_open_for_signup(request))
