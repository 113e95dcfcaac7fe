"""Pages in a space (`cercle.spaces.registry`): the module's switch and the Pages tab."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.pages.queries import MODULE
from cercle.spaces.queries import SpaceView, has_module
from cercle.spaces.registry import SpaceModule, SpaceTab, register_module, register_tab

PAGE_URLS = frozenset(
    {
        "pages_index",
        "page_detail",
        "page_new",
        "page_edit",
        "page_history",
        "page_diff",
    }
)


def _shown(view: SpaceView) -> bool:
    return view.can_read and has_module(view.space, MODULE)


def register() -> None:
    register_module(SpaceModule(key=MODULE, label=_("Pages"), order=20))
    register_tab(
        SpaceTab(
            key=MODULE,
            label=_("Pages"),
            url=lambda space: reverse("pages_index", args=[space.slug]),
            shown=_shown,
            order=20,
            current_for=PAGE_URLS,
        )
    )
