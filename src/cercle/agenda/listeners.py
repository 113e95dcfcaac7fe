"""What the agenda follows in the layers below it (`cercle.core.hooks`): the demo organisation's
month asks for its part. Registered by `AgendaConfig.ready()`."""

from __future__ import annotations

from cercle.accounts import hooks as people
from cercle.agenda import demo
from cercle.core.hooks import listen


def register() -> None:
    listen(people.DemoContentWanted, demo.seed_demo_agenda)
