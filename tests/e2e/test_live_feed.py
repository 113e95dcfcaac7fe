"""The live home feed and bell in two browser contexts against a real uvicorn server (WebSockets):
one person posts, the other sees "1 new post" without reloading, loads it, and their bell rises.

pytest-django's live server speaks HTTP only, so this starts `uvicorn cercle.asgi:application`
on a SQLite file of its own (tests/chat/server.py), like tests/e2e/test_chat.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.helpers.browser import log_in, subscribed
from tests.helpers.server import ServerProcess, ServerSite, make_people

SPACE_CODE = """
from cercle.accounts.models import User
from tests.factories import make_space
anne, bruno = User.objects.get(username="anne"), User.objects.get(username="bruno")
space = make_space(kind="private", name="Projets", owner=anne, members=(bruno,))
result = {"slug": space.slug}
"""


def test_new_post_announced_live_then_loaded_and_bell_rises(
    chat_server: tuple[ServerSite, ServerProcess], chat_page: Callable[..., Any]
) -> None:
    server_site, _server = chat_server
    password = make_people(server_site, ["anne", "bruno"])["password"]
    slug = server_site.python(SPACE_CODE)["slug"]
    anne, bruno = chat_page(), chat_page()
    frames: list[str] = []
    bruno.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))),
    )
    log_in(anne, "anne", password)
    log_in(bruno, "bruno", password)

    bruno.goto("/")
    subscribed(bruno, frames)
    banner = bruno.locator("#new-posts button")
    expect(banner).to_be_hidden()
    expect(bruno.locator("#notification-bell .bell-count")).to_have_count(0)

    anne.goto(f"/spaces/{slug}/")
    anne.fill("#composer-body", "Réunion projet jeudi")
    anne.locator("form.composer button[type=submit]").click()
    expect(anne.locator("section.feed")).to_contain_text("Réunion projet jeudi")

    # Bruno is told without reloading; the post is not on his page yet.
    expect(banner).to_have_text("1 new post")
    expect(bruno.locator("section.feed")).not_to_contain_text("Réunion projet jeudi")
    url_before = bruno.url
    bruno.evaluate("window.__notReloaded = true")
    banner.click()
    expect(bruno.locator("section.feed")).to_contain_text("Réunion projet jeudi")
    expect(banner).to_be_hidden()
    assert bruno.url == url_before and bruno.evaluate("window.__notReloaded") is True

    # A mention: Bruno's bell counts it live; a second post makes "1 new post" again.
    anne.fill("#composer-body", "@bruno peux-tu relire ?")
    anne.locator("form.composer button[type=submit]").click()
    expect(bruno.locator("#notification-bell .bell-count")).to_be_visible()
    count = int(bruno.locator("#notification-bell .bell-count").inner_text().split()[0])
    assert count >= 1
    expect(banner).to_have_text("1 new post")
    assert bruno.evaluate("window.__notReloaded") is True

    # Reading all in another tab lowers this tab's bell.
    other = bruno.context.new_page()
    other.goto("/notifications/")
    other.get_by_role("button", name="Mark all as read").click()
    expect(bruno.locator("#notification-bell .bell-count")).to_have_count(0)
