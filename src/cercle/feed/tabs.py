"""The feed in a space (`cercle.spaces.registry`): its switch (the wall), its tabs in the space's
header (the Wall and, for moderators, the Reports queue)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.spaces.registry import SpaceModule, SpaceTab, register_module, register_tab


def register() -> None:
    register_module(SpaceModule(key="wall", label=_("Wall"), order=10))
    register_tab(
        SpaceTab(
            key="wall",
            label=_("Wall"),
            url=lambda space: reverse("space", args=[space.slug]),
            shown=lambda view: True,
            order=10,
            current_for=frozenset({"space"}),
        )
    )
    register_tab(
        SpaceTab(
            key="reports",
            label=_("Reports"),
            url=lambda space: reverse("moderation"),
            shown=lambda view: view.can_moderate,
            order=80,
        )
    )
