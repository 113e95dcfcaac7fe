"""Charts drawn on the server as SVG (no script, readable on a phone): a column per day. The
figures are in a table beside each chart, for screen readers and for reading exact values."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, GAP = 600, 160, 1


def columns(values: list[int], title: str) -> SafeString:
    """A column chart of `values` (oldest first), scaled to the largest; `title` names it."""
    top = max(values, default=0) or 1
    step = WIDTH / max(len(values), 1)
    bars = []
    for index, value in enumerate(values):
        height = round(HEIGHT * value / top, 1)
        bars.append(
            f'<rect x="{index * step:.1f}" y="{HEIGHT - height:.1f}" '
            f'width="{max(step - GAP, 0.5):.1f}" height="{height}"/>'
        )
    # The content is numbers and an escaped title only.
    return mark_safe(  # noqa: S308
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="none" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f"{''.join(bars)}</svg>"
    )
