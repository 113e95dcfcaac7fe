"""The main navigation's Intranet link (`cercle.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.core.navigation import MenuLink, link_url, register_menu_link


def register() -> None:
    register_menu_link(
        MenuLink(
            key="intranet",
            label=_("Intranet"),
            url=lambda user: link_url("intranet"),
            place="main",
            order=50,
            current_prefix="/intranet/",
            css_class="nav-intranet",
        )
    )
