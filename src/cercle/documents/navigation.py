"""The account menu's "My documents" link (`cercle.core.navigation`)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.core.navigation import MenuLink, register_menu_link


def register() -> None:
    register_menu_link(
        MenuLink(
            key="documents",
            label=_("My documents"),
            url=lambda user: reverse("documents_mine"),
            place="account",
            order=20,
            current_prefix="/documents/",
        )
    )
