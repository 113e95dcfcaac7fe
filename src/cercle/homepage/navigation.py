"""The admins' links of the header (`cercle.core.navigation.register_menu_source`): tabs of the
main navigation from 48rem, and, on phones, items of the account menu (a sixth icon would not
fit the phone's bar)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cercle.core.navigation import ShownMenuLink, register_menu_source
from cercle.homepage import queries


def menu_links(request: HttpRequest, place: str) -> list[ShownMenuLink]:
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    links = queries.links_for(user, "menu")
    return [
        ShownMenuLink(
            key=f"homepage-{link.pk}",
            label=link.label(),
            url=link.url,
            current=link.url.startswith("/") and request.path == link.url,
            css_class="",
            html=None,
            screens="wide" if place == "main" else "phone",
        )
        for link in links
    ]


def register() -> None:
    register_menu_source(menu_links)
