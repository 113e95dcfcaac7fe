"""Panels of the home page that any module may add (the agenda's "Today and coming"), without
depending on the module that draws the home page (the feed): a module registers a `HomePanel`
from its `apps.py`; the home page's template shows them with `{% home_panels %}`
(`core/templatetags/panels.py`), in their `order`, each with the context its `load` gives —
None: nothing to show to this viewer. Each `load` should cost a fixed, small number of queries.

Admins may arrange the home (`cercle.homepage`: which parts show, in which order, for whom): the
module that lets them sets a `HomeLayout` function with `set_home_layout`; `home_panels` follows
it (a hidden panel's `load` is not even called), and the feed's home page hides the sections it
names (`feed.registry.home_sections`). Without one, every panel shows in its own `order`.

(The feed's own `feed.registry.HomeSection` is for modules that extend the feed's posts.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cercle.accounts.models import User


@dataclass(frozen=True)
class HomePanel:
    key: str
    template: str
    load: Callable[[User], Mapping[str, Any] | None]
    order: int = 50


@dataclass(frozen=True)
class ShownPanel:
    key: str
    template: str
    context: Mapping[str, Any]


@dataclass(frozen=True)
class HomeLayout:
    """The home's parts as admins arranged them for one viewer: a part's place (`positions`, in
    the panels' `order` scale) and the parts not shown to them (`hidden`). A panel named in
    neither keeps its own `order`."""

    positions: Mapping[str, int] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()


HOME_PANELS: dict[str, HomePanel] = {}
_LAYOUT: list[Callable[[User], HomeLayout]] = []


def register_home_panel(panel: HomePanel) -> None:
    HOME_PANELS[panel.key] = panel


def set_home_layout(layout: Callable[[User], HomeLayout]) -> None:
    """The function giving a viewer's `HomeLayout` (one module sets it: `cercle.homepage`)."""
    _LAYOUT[:] = [layout]


def home_layout(user: User) -> HomeLayout:
    return _LAYOUT[0](user) if _LAYOUT else HomeLayout()


def home_panels(user: User, layout: HomeLayout | None = None) -> list[ShownPanel]:
    """The panels shown to `user`, in the layout's order (`layout`: already read for this
    request, else read now)."""
    if layout is None:
        layout = home_layout(user)
    shown = []
    panels = [p for p in HOME_PANELS.values() if p.key not in layout.hidden]
    for panel in sorted(panels, key=lambda p: (layout.positions.get(p.key, p.order), p.key)):
        context = panel.load(user)
        if context is not None:
            shown.append(ShownPanel(key=panel.key, template=panel.template, context=context))
    return shown
