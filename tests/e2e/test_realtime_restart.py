"""Browser: a socket closed with 1012 ("service restart": the server process is stopping, see
docs/deployment.md) comes back at once without showing "offline", and catches up with what was
sent meanwhile; any other close still shows "offline" and backs off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.helpers.browser import log_in
from tests.helpers.server import ServerProcess, ServerSite, make_people, start_direct


def test_a_service_restart_reconnects_at_once_and_loses_nothing(
    chat_server: tuple[ServerSite, ServerProcess], chat_page: Callable[..., Any]
) -> None:
    site, server = chat_server
    data = make_people(site, ["anne", "bruno"])
    headers = {"Authorization": f"Bearer {data['people']['bruno']['token']}"}
    conversation_id = start_direct(server, data["people"]["bruno"]["token"], "anne")
    routes: list[Any] = []

    def gate(ws: Any) -> None:
        routes.append(ws)
        ws.connect_to_server()

    anne = chat_page()
    anne.route_web_socket("**/ws/**", gate)
    log_in(anne, "anne", data["password"])
    anne.goto(f"/messages/{conversation_id}/")
    anne.wait_for_function("() => window.cercleRealtime && window.cercleRealtime.connected")
    anne.evaluate(
        "window.offlineShown = 0;"
        " window.cercleRealtime.on('offline', () => { window.offlineShown += 1; })"
    )
    opened = len(routes)  # the page's socket is the last (the login page had one too)

    routes[-1].close(code=1012, reason="service restart")
    anne.wait_for_function("() => !window.cercleRealtime.connected")
    # Sent while Anne's socket is down: it comes with the `sync` after the new hello.
    sent = httpx.post(
        f"{server.url}/api/v1/conversations/{conversation_id}/messages",
        json={"client_id": "while-away", "body": "Pendant le redémarrage"},
        headers=headers,
        timeout=60,
    )
    assert sent.status_code == 201
    anne.wait_for_function("() => window.cercleRealtime.connected", timeout=5000)
    assert len(routes) == opened + 1
    assert anne.evaluate("window.offlineShown") == 0
    expect(anne.locator("#realtime-status")).to_be_hidden()
    expect(anne.locator("#message-list li.msg:not(.msg-mine) .msg-body")).to_have_text(
        ["Pendant le redémarrage"]
    )

    # Any other close is a failure: "offline" shows, and the usual backoff follows.
    routes[-1].close(code=1011, reason="server error")
    expect(anne.locator("#realtime-status")).to_be_visible()
    assert anne.evaluate("window.offlineShown") == 1
    anne.wait_for_function("() => window.cercleRealtime.connected", timeout=10000)
