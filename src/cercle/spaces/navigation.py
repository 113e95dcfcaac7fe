"""The side navigation's "My spaces" (`cercle.core.navigation`): favourites first, each marked
when a post went up since I last opened it; and the main navigation's Spaces link."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import User
from cercle.core.navigation import (
    MenuLink,
    NavLink,
    NavSection,
    link_url,
    register_menu_link,
    register_section,
)
from cercle.spaces.queries import display_name, nav_spaces


def my_spaces(user: User, limit: int) -> list[NavLink]:
    return [
        NavLink(
            label=display_name(item.space),
            url=link_url("space", item.space.slug),
            new=item.new,
            favourite=item.favourite,
        )
        for item in nav_spaces(user, limit)
    ]


def register() -> None:
    register_section(
        NavSection(
            key="spaces",
            title=_("My spaces"),
            links=my_spaces,
            more_label=_("All spaces"),
            more_url=lambda: link_url("spaces"),
            order=10,
            limit=12,
        )
    )
    register_menu_link(
        MenuLink(
            key="spaces",
            label=_("Spaces"),
            url=lambda user: link_url("spaces"),
            place="main",
            order=30,
            current_prefix="/spaces/",
            css_class="nav-spaces",
        )
    )
