"""The account menu's "Getting started" link (`cercle.core.navigation`): the checklist, found
again after it was hidden."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.core.navigation import MenuLink, link_url, register_menu_link


def register() -> None:
    register_menu_link(
        MenuLink(
            key="onboarding",
            label=_("Getting started"),
            url=lambda user: link_url("onboarding"),
            place="account",
            order=15,
            current_prefix="/welcome/",
            shown=lambda user: not user.is_guest,
        )
    )
