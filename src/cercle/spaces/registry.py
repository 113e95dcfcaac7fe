"""The links of a space's header, contributed by the modules that have a page in a space.

Spaces knows none of the modules above it: each registers its tab (`register_tab`) from its
`apps.py` — the feed its Wall and Reports, chat its Chat channel, the coming documents and
agenda theirs — with the rule that shows it to a viewer (from the page's `SpaceView`). The header
lists `view.tabs` in their `order`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.functional import Promise

if TYPE_CHECKING:
    from cercle.spaces.models import Space
    from cercle.spaces.queries import SpaceView


@dataclass(frozen=True)
class SpaceTab:
    key: str
    label: Promise
    url: Callable[[Space], str]
    shown: Callable[[SpaceView], bool]
    order: int = 50
    # The pages (URL names) on which this tab is the current one (`aria-current`).
    current_for: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class ShownTab:
    key: str
    label: str
    url: str
    current_for: frozenset[str]


TABS: dict[str, SpaceTab] = {}


def register_tab(tab: SpaceTab) -> None:
    TABS[tab.key] = tab


def tabs_for(view: SpaceView) -> list[ShownTab]:
    return [
        ShownTab(
            key=tab.key,
            label=str(tab.label),
            url=tab.url(view.space),
            current_for=tab.current_for,
        )
        for tab in sorted(TABS.values(), key=lambda t: (t.order, t.key))
        if tab.shown(view)
    ]
