"""What the modules above spaces contribute to a space: their switch and their header's tabs.

Spaces knows none of the modules above it. Each module that a space's admins may switch on or off
registers a `SpaceModule` (`register_module`): the space's settings form lists the registered
ones, and the space keeps each one's state in `Space.module_settings` (a key missing there — a
module installed after the space was made — reads as the module's `default`). Each module with a
page in a space registers its tab (`register_tab`) — the feed its Wall and Reports, chat its Chat
channel — with the rule that shows it to a viewer (from the page's `SpaceView`). The header lists
`view.tabs` in their `order`. A module may also put a panel on the space's page, above its wall
(`register_panel`: the agenda's coming events). A module that tells a space's feed what it did
there ("Anne added 3 files to Atelier") registers an `ActivityKind` (`register_activity_kind`)
and emits `spaces.hooks.SpaceActivity`; the feed, which listens, keeps one post per person, space
and kind within a short window, and words it with the kind's `describe`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from cercle.accounts.models import User
    from cercle.spaces.models import Space
    from cercle.spaces.queries import SpaceView


@dataclass(frozen=True)
class SpaceModule:
    key: str  # stored in `Space.module_settings`: never renamed once released
    label: Promise
    default: bool = True  # on for new spaces, and for spaces made before the module existed
    order: int = 50


MODULES: dict[str, SpaceModule] = {}


def register_module(module: SpaceModule) -> None:
    MODULES[module.key] = module


def space_modules() -> list[SpaceModule]:
    """The modules a space may switch, in their order."""
    return sorted(MODULES.values(), key=lambda m: (m.order, m.key))


@dataclass(frozen=True)
class ActivityKind:
    """Something a module does in a space that the space's feed tells, grouped: `describe(n)` is
    the words between the person and the space ("added 3 files to"), in the active language;
    `module` the space module it belongs to (the feed shows it only while that module is on);
    `visible(viewer, ids)` the ids among a page's items that the viewer may see (one query for a
    whole page: the API lists those only; None: every item)."""

    key: str  # stored with the feed's post: never renamed once released
    module: str
    describe: Callable[[int], str]
    visible: Callable[[User, list[int]], set[int]] | None = None


ACTIVITY_KINDS: dict[str, ActivityKind] = {}


def register_activity_kind(kind: ActivityKind) -> None:
    ACTIVITY_KINDS[kind.key] = kind


def activity_kind(key: str) -> ActivityKind | None:
    return ACTIVITY_KINDS.get(key)


def module_on(module_settings: dict[str, object], key: str) -> bool:
    """Is module `key` on, given a space's stored settings? Off when no such module is installed."""
    module = MODULES.get(key)
    if module is None:
        return False
    stored = module_settings.get(key)
    return module.default if stored is None else bool(stored)


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


# --- Panels of a space's page (the agenda's coming events) ---------------------------------------


@dataclass(frozen=True)
class SpacePanel:
    """A block on a space's page, above its wall: `load(viewer, view)` gives its context, None
    to show nothing (the module off, nothing coming, the viewer may not read it). Shown by
    `{% space_panels view %}` (`spaces_tags`)."""

    key: str
    template: str
    load: Callable[[User, SpaceView], Mapping[str, Any] | None]
    order: int = 50


@dataclass(frozen=True)
class ShownPanel:
    key: str
    template: str
    context: Mapping[str, Any]


PANELS: dict[str, SpacePanel] = {}


def register_panel(panel: SpacePanel) -> None:
    PANELS[panel.key] = panel


def panels_for(viewer: User, view: SpaceView) -> list[ShownPanel]:
    shown = []
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.key)):
        context = panel.load(viewer, view)
        if context is not None:
            shown.append(ShownPanel(key=panel.key, template=panel.template, context=context))
    return shown
