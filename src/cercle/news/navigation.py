"""The main navigation's News link (`cercle.core.navigation`)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import pgettext_lazy

from cercle.core.navigation import MenuLink, register_menu_link


def register() -> None:
    register_menu_link(
        MenuLink(
            key="news",
            # Short: six links share a 360 px phone's bottom bar (French: "Actus").
            label=pgettext_lazy("main navigation", "News"),
            url=lambda user: reverse("news"),
            place="main",
            order=55,
            current_prefix="/news/",
            css_class="nav-news",
        )
    )
