"""The hooks the news follow: the demo organisation's month gets its articles (`demo`).
Registered by `NewsConfig.ready()`."""

from __future__ import annotations

from cercle.accounts.hooks import DemoContentWanted
from cercle.core.hooks import listen
from cercle.news import demo


def register() -> None:
    listen(DemoContentWanted, demo.seed_news)
