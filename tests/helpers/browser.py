"""Steps the browser tests share: signing in, keeping a page's socket quiet, waiting for the live
feed's subscription."""

from __future__ import annotations

import time
from typing import Any


def log_in(page: Any, login: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.locator("form[action*='login'] [type=submit]").first.click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


def quiet_websocket(page: Any) -> None:
    """The live server speaks HTTP only: the tab's /ws/ reconnection attempts would otherwise hit
    it concurrently with the page's requests (SQLite's shared in-memory test database then reports
    "table is locked")."""
    page.route_web_socket("**/ws/**", lambda ws: ws.close())


def subscribed(page: Any, frames: list[str], timeout: float = 10) -> None:
    """Wait until the page's socket confirmed its feed subscription."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any('"feed.subscribed"' in f for f in frames):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the feed was not subscribed")
