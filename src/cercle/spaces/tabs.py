"""The spaces app's own tabs in a space's header (`registry`): Members and Settings."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.spaces.registry import SpaceTab, register_tab


def register() -> None:
    register_tab(
        SpaceTab(
            key="members",
            label=_("Members"),
            url=lambda space: reverse("space_members", args=[space.slug]),
            shown=lambda view: view.can_read,
            order=20,
            current_for=frozenset({"space_members"}),
        )
    )
    register_tab(
        SpaceTab(
            key="settings",
            label=_("Settings"),
            url=lambda space: reverse("space_settings", args=[space.slug]),
            shown=lambda view: view.can_administer,
            order=90,
        )
    )
