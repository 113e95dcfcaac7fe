"""The document base's tab in a space's header (`cercle.spaces.registry`)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.documents import queries
from cercle.spaces.queries import SpaceView
from cercle.spaces.registry import SpaceTab, register_tab


def _shown(view: SpaceView) -> bool:
    return queries.has_documents(view.space) and view.can_read


def register() -> None:
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
