"""The agenda in a space (`cercle.spaces.registry`): its switch, and its tab in the space's header
(the space's calendar)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.spaces.queries import SpaceView, has_module
from cercle.spaces.registry import SpaceModule, SpaceTab, register_module, register_tab

MODULE = "agenda"


def _shown(view: SpaceView) -> bool:
    """Those who read the space's wall read its calendar (`queries.can_see_calendar`)."""
    return has_module(view.space, MODULE) and view.can_read


def register() -> None:
    register_module(SpaceModule(key=MODULE, label=_("Agenda"), default=True, order=45))
    register_tab(
        SpaceTab(
            key=MODULE,
            label=_("Agenda"),
            url=lambda space: reverse("agenda_space", args=[space.slug]),
            shown=_shown,
            order=35,
            current_for=frozenset({"agenda_space"}),
        )
    )
