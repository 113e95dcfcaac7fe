"""The bell's count comes with the socket's `hello` (issue 15): a page shows it without asking
`GET /notifications/bell/`, and keeps it from the frames. A real uvicorn server (HTTP and /ws/),
Chromium."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.helpers.browser import log_in
from tests.helpers.server import ServerProcess, ServerSite, make_people

MENTIONS = """
from cercle.accounts.models import User
from cercle.feed import actions
from tests.factories import make_space
anne, bruno = User.objects.get(username="anne"), User.objects.get(username="bruno")
space = make_space(kind="private", name="Projets", owner=anne, members=(bruno,))
for body in ("@bruno première", "@bruno deuxième"):
    actions.create_post(actor=anne, space=space, body=body)
result = {"slug": space.slug}
"""


def test_the_bell_shows_the_count_hello_brings_without_asking(
    chat_server: tuple[ServerSite, ServerProcess], chat_page: Callable[..., Any]
) -> None:
    server_site, _server = chat_server
    password = make_people(server_site, ["anne", "bruno"])["password"]
    server_site.python(MENTIONS)
    bruno = chat_page()
    asked: list[str] = []
    bruno.on("request", lambda r: asked.append(r.url) if "/notifications/bell/" in r.url else None)
    log_in(bruno, "bruno", password)
    for path in ("/", "/people/", "/spaces/"):
        bruno.goto(path)
        bell = bruno.locator("#notification-bell .bell-count")
        expect(bell).to_have_text("2 unread")
    assert asked == []
    # Read in another tab: the frame lowers this one's bell, still without asking.
    other = bruno.context.new_page()
    other.goto("/notifications/")
    other.get_by_role("button", name="Mark all as read").click()
    expect(bruno.locator("#notification-bell .bell-count")).to_have_count(0)
    bruno.reload()
    expect(bruno.locator("#realtime-status")).to_be_hidden()
    bruno.wait_for_function("() => window.cercleRealtime && window.cercleRealtime.connected")
    expect(bruno.locator("#notification-bell .bell-count")).to_have_count(0)
    assert [url for url in asked if "/notifications/bell/" in url] == []


def test_without_a_socket_the_page_asks_for_the_bell(
    chat_server: tuple[ServerSite, ServerProcess], chat_page: Callable[..., Any]
) -> None:
    server_site, _server = chat_server
    password = make_people(server_site, ["anne", "bruno"])["password"]
    server_site.python(MENTIONS)
    bruno = chat_page()
    log_in(bruno, "bruno", password)
    # The socket refused (a proxy that does not pass WebSockets): asked once over HTTP.
    bruno.route_web_socket("**/ws/**", lambda ws: ws.close())
    with bruno.expect_response("**/notifications/bell/"):
        bruno.goto("/")
    expect(bruno.locator("#notification-bell .bell-count")).to_have_text("2 unread")
