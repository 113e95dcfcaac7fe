"""Small template helpers for the wall."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_count(counts: Any, kind: str) -> int:
    """`counts|get_count:"like"`: a reaction count from a post's or comment's counters."""
    if not isinstance(counts, dict):
        return 0
    value = counts.get(kind, 0)
    return value if isinstance(value, int) else 0
