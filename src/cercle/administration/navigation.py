"""The account menu's Administration link (`cercle.core.navigation`), for those with a right."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import User
from cercle.accounts.queries import admin_rights
from cercle.core.navigation import MenuLink, link_url, register_menu_link


def has_admin_right(user: User) -> bool:
    return admin_rights(user).any


def register() -> None:
    register_menu_link(
        MenuLink(
            key="administration",
            label=_("Administration"),
            url=lambda user: link_url("admin_index"),
            place="account",
            order=90,
            shown=has_admin_right,
            current_prefix="/manage/",
        )
    )
