"""The account menu's News link (`cercle.core.navigation`): not in the main navigation, whose
phone bar holds five destinations in 360 px (a sixth clips "Messages"); the home page's featured
panel links the news too."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.core.navigation import MenuLink, register_menu_link


def register() -> None:
    register_menu_link(
        MenuLink(
            key="news",
            label=_("News"),
            url=lambda user: reverse("news"),
            place="account",
            order=25,
            current_prefix="/news/",
        )
    )
