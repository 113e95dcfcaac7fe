"""The News tab of a space (`cercle.spaces.registry`): the live articles written for the space
that the viewer may read (`queries.space_articles`), shown only when there is at least one (one
query, `queries.has_space_articles`). Not on the organisation space: its news are the news list
itself."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.news import queries
from cercle.spaces.queries import SpaceView
from cercle.spaces.registry import SpaceTab, register_tab


def _shown(view: SpaceView) -> bool:
    if not view.can_read or view.space.is_organisation or view.viewer is None:
        return False
    return queries.has_space_articles(view.viewer, view.space)


def register() -> None:
    register_tab(
        SpaceTab(
            key="news",
            label=_("News"),
            url=lambda space: reverse("space_news", args=[space.slug]),
            shown=_shown,
            order=28,
            current_for=frozenset({"space_news"}),
        )
    )
