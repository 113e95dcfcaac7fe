"""The document base in a space (`cercle.spaces.registry`): its switch, and its tab in the space's
header."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.documents import queries
from cercle.spaces.queries import SpaceView
from cercle.spaces.registry import SpaceModule, SpaceTab, register_module, register_tab


def _shown(view: SpaceView) -> bool:
    return queries.has_documents(view.space) and view.can_read


def register() -> None:
    register_module(SpaceModule(key="documents", label=_("Documents"), order=20))
    register_tab(
        SpaceTab(
            key="documents",
            label=_("Documents"),
            url=lambda space: reverse("documents_space", args=[space.slug]),
            shown=_shown,
            order=25,
            current_for=frozenset({"documents_space"}),
        )
    )
