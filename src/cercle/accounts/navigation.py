"""The main navigation's People link and the account menu's own links (`cercle.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.core.navigation import MenuLink, link_url, register_menu_link


def register() -> None:
    register_menu_link(
        MenuLink(
            key="people",
            label=_("People"),
            url=lambda user: link_url("directory"),
            place="main",
            order=20,
            current_prefix="/people",
            css_class="nav-people",
        )
    )
    register_menu_link(
        MenuLink(
            key="profile",
            label=_("My profile"),
            url=lambda user: link_url("profile", user.username),
            place="account",
            order=10,
        )
    )
    register_menu_link(
        MenuLink(
            key="settings",
            label=_("Settings"),
            url=lambda user: link_url("settings"),
            place="account",
            order=70,
        )
    )
    register_menu_link(
        MenuLink(
            key="security",
            label=_("Security"),
            url=lambda user: link_url("security"),
            place="account",
            order=80,
        )
    )
