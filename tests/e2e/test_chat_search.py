"""Messages search in a browser, on a phone: the list's field, a result opened at its message
far back in the history (highlighted), the full-screen conversation and the attachment chips."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.helpers.browser import log_in
from tests.helpers.server import ServerProcess, ServerSite, make_people


def test_search_opens_an_old_message_highlighted_on_a_phone(
    chat_server: tuple[ServerSite, ServerProcess], chat_page: Callable[..., Any], tmp_path: Path
) -> None:
    site, server = chat_server
    data = make_people(site, ["lea", "marc"])
    marc = {"Authorization": f"Bearer {data['people']['marc']['token']}"}
    created = httpx.post(
        f"{server.url}/api/v1/conversations",
        json={"kind": "direct", "username": "lea"},
        headers=marc,
        timeout=60,
    )
    conversation_id = created.json()["id"]
    url = f"{server.url}/api/v1/conversations/{conversation_id}/messages"
    first = httpx.post(
        url, json={"client_id": "c0", "body": "Le menu de la Cantine"}, headers=marc, timeout=60
    )
    old_id = first.json()["id"]
    for i in range(1, 45):
        httpx.post(
            url, json={"client_id": f"c{i}", "body": f"Message {i}"}, headers=marc, timeout=60
        )

    lea = chat_page(width=390, height=844)
    log_in(lea, "lea", data["password"])
    lea.goto("/messages/")
    lea.fill("#chat-search-q", "cantiné")
    lea.locator(".chat-list-search button").click()
    result = lea.locator(".search-result a")
    expect(result).to_have_count(1)
    expect(result.locator("mark")).to_have_text("Cantine")
    result.click()
    lea.wait_for_url(f"**/messages/{conversation_id}/?around={old_id}#m-{old_id}")
    target = lea.locator(f"#m-{old_id}")
    expect(target).to_have_class("msg msg-target")
    expect(target).to_be_in_viewport()

    # The conversation fills the phone's screen: no footer, the composer at the bottom edge.
    expect(lea.locator("footer.footer")).to_be_hidden()
    box = lea.locator("#composer").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844 + 1
    assert lea.evaluate("document.scrollingElement.scrollHeight") <= 844 + 1

    # A chosen file shows as a chip with its size and a ✕ that takes it out.
    note = tmp_path / "note.txt"
    note.write_bytes(b"12345678")
    lea.locator("#composer-files").set_input_files(str(note))
    chip = lea.locator("#composer-chips .file-chip")
    expect(chip).to_contain_text("note.txt")
    expect(chip).to_contain_text("8 bytes")
    chip.locator(".file-chip-remove").click()
    expect(lea.locator("#composer-chips")).to_be_hidden()
    lea.locator("#composer-files").set_input_files(str(note))
    # A reply to the old message, rendered live, quotes its author and text.
    target.locator(".msg-more").click()
    target.locator('[data-action="reply"]').click()
    lea.fill("#composer-body", "Voici la note")
    lea.keyboard.press("Enter")
    expect(lea.locator("#composer-chips")).to_be_hidden()
    sent = lea.locator("#message-list li.msg-mine").last
    expect(sent.locator(".msg-files")).to_contain_text("(8 bytes)")
    expect(sent.locator(".msg-reply")).to_contain_text(": Le menu de la Cantine")
    expect(sent.locator(".msg-reply")).not_to_contain_text("In reply to a message")
