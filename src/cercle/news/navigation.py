"""The main navigation's News link (`cercle.core.navigation`): on phones, in the bar's "More"
menu (the bar holds the first links only)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.core.navigation import MenuLink, link_url, register_menu_link


def register() -> None:
    register_menu_link(
        MenuLink(
            key="news",
            label=_("News"),
            url=lambda user: link_url("news"),
            place="main",
            order=55,
            current_prefix="/news/",
            css_class="nav-news",
        )
    )
