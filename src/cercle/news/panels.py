"""The featured news on the home page (`cercle.core.panels`): the live featured articles of the
viewer's audience, newest first; one query, nothing shown when there are none."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cercle.accounts.models import User
from cercle.core.panels import HomePanel, register_home_panel
from cercle.news import queries


def home_panel(user: User) -> Mapping[str, Any] | None:
    if not user.is_active:
        return None
    articles = queries.featured(user)
    if not articles:
        return None
    return {"articles": articles}


def register() -> None:
    register_home_panel(
        HomePanel(key="news", template="news/_home_panel.html", load=home_panel, order=20)
    )
