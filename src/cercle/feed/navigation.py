"""The main navigation's Home link (`cercle.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.core.navigation import MenuLink, link_url, register_menu_link


def register() -> None:
    register_menu_link(
        MenuLink(
            key="home",
            label=_("Home"),
            url=lambda user: link_url("home"),
            place="main",
            order=10,
            css_class="nav-home",
        )
    )
