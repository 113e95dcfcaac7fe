"""The account menu's "My documents" link (`cercle.core.navigation`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.core.navigation import MenuLink, link_url, register_menu_link


def register() -> None:
    register_menu_link(
        MenuLink(
            key="documents",
            label=_("My documents"),
            url=lambda user: link_url("documents_mine"),
            place="account",
            order=20,
            current_prefix="/documents/",
        )
    )
