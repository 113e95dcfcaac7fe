"""The home page's parts (`cercle.core.panels`): the quick links and the new arrivals as panels,
and the admins' arrangement of every part (`set_home_layout`), read from the cached
composition."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cercle.accounts.models import User
from cercle.core.panels import HomePanel, register_home_panel, set_home_layout
from cercle.homepage import queries


def quick_links_panel(user: User) -> Mapping[str, Any] | None:
    """The person's quick links (none: no panel); no query while the composition is cached."""
    links = queries.links_for(user, "home")
    if not links:
        return None
    return {"links": links}


def new_arrivals_panel(user: User) -> Mapping[str, Any] | None:
    """People who joined in the last 30 days (one query; shown once admins turn it on)."""
    people = queries.new_arrivals()
    if not people:
        return None
    return {"people": people}


def register() -> None:
    register_home_panel(
        HomePanel(
            key="quick_links",
            template="homepage/_quick_links.html",
            load=quick_links_panel,
            order=10,
        )
    )
    register_home_panel(
        HomePanel(
            key="new_arrivals",
            template="homepage/_new_arrivals.html",
            load=new_arrivals_panel,
            order=50,
        )
    )
    set_home_layout(queries.layout_for)
