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


ROW, LABEL = 28, 220


def bars(shares: list[tuple[str, int | None]], title: str) -> SafeString:
    """A bar per group of its share in percent (None: too few to show, no bar), its name on the
    left and the figure on the bar's right; drawn at its own proportions (text is not stretched)."""
    rows = []
    room = WIDTH - LABEL - 60
    for index, (name, share) in enumerate(shares):
        y = index * ROW
        width = round(room * (share or 0) / 100, 1)
        shown = "—" if share is None else f"{share} %"
        rows.append(
            f'<text class="chart-label" x="{LABEL - 8}" y="{y + 19}" text-anchor="end">'
            f"{escape(name[:32])}</text>"
            f'<rect x="{LABEL}" y="{y + 5}" width="{width}" height="{ROW - 10}"/>'
            f'<text class="chart-label" x="{LABEL + width + 6:.1f}" y="{y + 19}">{shown}</text>'
        )
    height = max(len(shares), 1) * ROW
    # The content is numbers and escaped names only.
    return mark_safe(  # noqa: S308
        f'<svg class="chart chart-bars" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>{"".join(rows)}</svg>'
    )
