"""The main navigation's Intranet link (`cercle.core.navigation`)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.core.navigation import MenuLink, register_menu_link


def register() -> None:
    register_menu_link(
        MenuLink(
            key="intranet",
            label=_("Intranet"),
            url=lambda user: reverse("intranet"),
            place="main",
            order=50,
            current_prefix="/intranet/",
            css_class="nav-intranet",
        )
    )
