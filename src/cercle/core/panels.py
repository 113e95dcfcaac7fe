"""Panels of the home page that any module may add (the agenda's "Today and coming"), without
depending on the module that draws the home page (the feed): a module registers a `HomePanel`
from its `apps.py`; the home page's template shows them with `{% home_panels %}`
(`core/templatetags/panels.py`), in their `order`, each with the context its `load` gives —
None: nothing to show to this viewer. Each `load` should cost a fixed, small number of queries.

(The feed's own `feed.registry.HomeSection` is for modules that extend the feed's posts.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
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


HOME_PANELS: dict[str, HomePanel] = {}


def register_home_panel(panel: HomePanel) -> None:
    HOME_PANELS[panel.key] = panel


def home_panels(user: User) -> list[ShownPanel]:
    shown = []
    for panel in sorted(HOME_PANELS.values(), key=lambda p: (p.order, p.key)):
        context = panel.load(user)
        if context is not None:
            shown.append(ShownPanel(key=panel.key, template=panel.template, context=context))
    return shown
