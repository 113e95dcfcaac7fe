"""The checklist on a newcomer's home page (`cercle.core.panels`), until complete or hidden."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cercle.accounts.models import User
from cercle.core.panels import HomePanel, register_home_panel
from cercle.onboarding import actions, queries


def home_panel(user: User) -> Mapping[str, Any] | None:
    state = actions.start(user)
    if state is None or state.hidden:
        return None
    checklist = queries.checklist(user, state)
    if checklist.complete:
        return None
    next_steps = [step for step in checklist.steps if step.open][:1]
    return {"checklist": checklist, "next_steps": next_steps}


def register() -> None:
    register_home_panel(
        HomePanel(
            key="onboarding", template="onboarding/_home_panel.html", load=home_panel, order=5
        )
    )
