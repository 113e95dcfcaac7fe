"""Browser tests: Playwright for Python driving Debian's Chromium against the live server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CERCLE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; the ORM calls that tests make to
# prepare data are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        from tests.conftest import require_service

        require_service(f"Chromium at {CHROMIUM} (make system-packages installs it)", False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def seeded_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    """A server on the accessibility walk's seeded organisation, seeded once per session for the
    browser tests that only read it (search, document previews): (its URL, the seed's facts).
    Tests that change data start their own."""
    from tests.helpers.server import ServerSite

    server_site = ServerSite(tmp_path_factory.mktemp("seeded"))
    server_site.migrate()
    facts = server_site.python("from tests.e2e.accessibility_seed import seed\nresult = seed()")
    server = server_site.start()
    yield server.url, facts
    server_site.stop()


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A factory of pages, each in its own browser context (its own cookies: its own person)."""
    contexts: list[Any] = []

    def make(*, locale: str = "fr-FR", width: int = 1280, height: int = 900) -> Any:
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(10_000)
        # pytest-django's live server speaks HTTP only: without this, each tab's /ws/ reconnection
        # attempts would hit it beside the page's requests (SQLite's shared in-memory test
        # database then reports "table is locked"). Tests of the socket use a real uvicorn server.
        context.route_web_socket("**/ws/**", lambda ws: ws.close())
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Any) -> Any:
    return new_page()


@pytest.fixture
def chat_server(tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """A real uvicorn server (HTTP and /ws/) on a SQLite file of its own, for the live pages:
    `(ServerSite, ServerProcess)`; the site also runs Python against its database."""
    from tests.helpers.server import ServerSite

    site = ServerSite(tmp_path)
    site.migrate()
    server = site.start()
    yield site, server
    site.stop()


@pytest.fixture
def chat_context(browser: Any, chat_server: tuple[Any, Any]) -> Iterator[Callable[..., Any]]:
    """A factory of browser contexts on `chat_server` (each its own cookies: its own person)."""
    contexts: list[Any] = []
    _site, server = chat_server

    def make(
        *,
        locale: str = "en-GB",
        width: int = 1280,
        height: int = 900,
        timezone_id: str | None = None,
    ) -> Any:
        context = browser.new_context(
            base_url=server.url,
            locale=locale,
            viewport={"width": width, "height": height},
            timezone_id=timezone_id,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def chat_page(chat_context: Callable[..., Any]) -> Callable[..., Any]:
    """A factory of pages on `chat_server`, each in a context of its own."""

    def make(**options: Any) -> Any:
        return chat_context(**options).new_page()

    return make
