"""The main navigation's Agenda link (`cercle.core.navigation`): on phones, in the bar's "More"
menu (the bar holds the first links only)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.core.navigation import MenuLink, link_url, register_menu_link


def register() -> None:
    register_menu_link(
        MenuLink(
            key="agenda",
            label=_("Agenda"),
            url=lambda user: link_url("agenda"),
            place="main",
            order=60,
            current_prefix="/agenda/",
            css_class="nav-agenda",
        )
    )
