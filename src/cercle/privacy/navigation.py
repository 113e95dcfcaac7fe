"""The account menu's "My data" link (`cercle.core.navigation`): one's data, to download."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.core.navigation import MenuLink, link_url, register_menu_link


def register() -> None:
    register_menu_link(
        MenuLink(
            key="my_data",
            label=_("My data"),
            url=lambda user: link_url("privacy_my_data"),
            place="account",
            order=75,
            current_prefix="/privacy/my-data/",
        )
    )
