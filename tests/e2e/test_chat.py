"""Two people chatting in two browser contexts against a real uvicorn server (WebSockets).

pytest-django's live server speaks HTTP only, so these tests start `uvicorn cercle.asgi:application`
on a SQLite file of their own (tests/chat/server.py) and create people there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import expect

from tests.helpers.browser import SocketGate, log_in
from tests.helpers.server import ServerProcess, ServerSite, make_people


def test_direct_conversation_live_typing_unread_badge_and_receipt(
    chat_server: tuple[ServerSite, ServerProcess], chat_page: Callable[..., Any]
) -> None:
    site, _server = chat_server
    data = make_people(site, ["anne", "bruno"])
    password = data["password"]
    anne, bruno = chat_page(), chat_page(width=360, height=740)
    log_in(anne, "anne", password)
    log_in(bruno, "bruno", password)

    # Anne starts the conversation from Bruno's profile.
    anne.goto("/people/bruno/")
    anne.locator("form.message-button button").click()
    anne.wait_for_url("**/messages/*/")
    conversation_url = anne.url
    bruno.goto("/messages/")
    expect(bruno.locator("#messages-badge")).to_be_hidden()

    anne.fill("#composer-body", "Bonjour **Bruno**")
    anne.keyboard.press("Enter")
    expect(anne.locator("#message-list li.msg-mine strong")).to_have_text("Bruno")

    # Bruno, on his list, sees the conversation and the unread badge light up live.
    expect(bruno.locator("#messages-badge")).to_be_visible()
    expect(bruno.locator("#messages-badge .nav-badge-count")).to_have_text("1")
    bruno.locator("#conversation-list a").first.click()
    bruno.wait_for_url(conversation_url)
    expect(bruno.locator("#message-list li.msg").last).to_contain_text("Bonjour Bruno")
    # Seen: Anne gets the receipt, Bruno's badge goes out.
    expect(anne.locator("#read-receipt")).to_contain_text("Seen by Bruno")
    expect(bruno.locator("#messages-badge")).to_be_hidden()

    # Bruno types: Anne sees it; then his message arrives live.
    bruno.locator("#composer-body").press_sequentially("Salut")
    expect(anne.locator("#typing")).to_contain_text("is typing")
    bruno.keyboard.press("Enter")
    expect(anne.locator("#message-list li.msg:not(.msg-mine)").last).to_contain_text("Salut")
    expect(anne.locator("#typing")).to_have_text("")
    # The phone-sized page does not scroll sideways.
    assert bruno.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_reconnect_after_a_cut_loses_and_doubles_nothing(
    chat_server: tuple[ServerSite, ServerProcess], chat_page: Callable[..., Any]
) -> None:
    site, server = chat_server
    data = make_people(site, ["chloe", "david"])
    people = data["people"]
    headers = {"Authorization": f"Bearer {people['david']['token']}"}
    created = httpx.post(
        f"{server.url}/api/v1/conversations",
        json={"kind": "direct", "username": "chloe"},
        headers=headers,
        timeout=60,
    )
    conversation_id = created.json()["id"]
    httpx.post(
        f"{server.url}/api/v1/conversations/{conversation_id}/messages",
        json={"client_id": "before", "body": "avant la coupure"},
        headers=headers,
        timeout=60,
    )
    chloe = chat_page()
    gate = SocketGate()
    chloe.route_web_socket("**/ws/**", gate)
    log_in(chloe, "chloe", data["password"])
    chloe.goto(f"/messages/{conversation_id}/")
    expect(chloe.locator("#message-list li.msg")).to_have_count(1)
    chloe.wait_for_function("() => window.cercleRealtime && window.cercleRealtime.connected")

    # The network goes away; meanwhile David sends three messages.
    gate.block()
    expect(chloe.locator("#realtime-status")).to_be_visible(timeout=20_000)
    for i in range(3):
        sent = httpx.post(
            f"{server.url}/api/v1/conversations/{conversation_id}/messages",
            json={"client_id": f"during-{i}", "body": f"pendant {i}"},
            headers=headers,
            timeout=60,
        )
        assert sent.status_code == 201
    # Chloé writes while offline: kept, and sent on reconnection.
    chloe.fill("#composer-body", "écrit hors ligne")
    chloe.keyboard.press("Enter")
    gate.blocked = False
    expect(chloe.locator("#realtime-status")).to_be_hidden(timeout=20_000)
    expect(chloe.locator("#message-list li.msg[data-message-id]")).to_have_count(5)
    bodies = chloe.locator("#message-list li.msg .msg-body").all_inner_texts()
    assert bodies == ["avant la coupure", "pendant 0", "pendant 1", "pendant 2", "écrit hors ligne"]
    history = httpx.get(
        f"{server.url}/api/v1/conversations/{conversation_id}/messages",
        headers=headers,
        timeout=60,
    ).json()
    assert len(history["items"]) == 5


def test_space_channel_with_three_people(
    chat_server: tuple[ServerSite, ServerProcess], chat_page: Callable[..., Any]
) -> None:
    site, _server = chat_server
    data = make_people(site, ["emma", "farid", "gael"])
    slug = site.python(
        "from cercle.accounts.models import User\n"
        "from tests.factories import make_space\n"
        "people = {u.username: u for u in User.objects.filter(username__startswith='')}\n"
        "space = make_space(owner=people['emma'], name='Projet Phare', "
        "members=(people['farid'], people['gael']))\n"
        "result = space.slug\n"
    )
    pages = {
        name: chat_page(width=360 if name == "gael" else 1280) for name in ["emma", "farid", "gael"]
    }
    for name, page in pages.items():
        log_in(page, name, data["password"])
        page.goto(f"/messages/space/{slug}/")
        page.wait_for_url("**/messages/*/")
        expect(page.locator("#conversation-title")).to_contain_text("Projet Phare")
        page.wait_for_function("() => window.cercleRealtime && window.cercleRealtime.connected")
    pages["emma"].fill("#composer-body", "Réunion de lancement à 14 h")
    pages["emma"].keyboard.press("Enter")
    for name in ["farid", "gael"]:
        expect(pages[name].locator("#message-list li.msg").last).to_contain_text(
            "Réunion de lancement"
        )
    pages["gael"].fill("#composer-body", "J'y serai")
    pages["gael"].keyboard.press("Enter")
    for name in ["emma", "farid"]:
        expect(pages[name].locator("#message-list li.msg").last).to_contain_text("J'y serai")


def test_space_page_channel_with_mention_autocomplete_and_file_size(
    chat_server: tuple[ServerSite, ServerProcess],
    chat_page: Callable[..., Any],
    tmp_path: Path,
) -> None:
    site, _server = chat_server
    data = make_people(site, ["hugo", "ines", "irene", "zoé"])
    slug = site.python(
        "from cercle.accounts.models import User\n"
        "from cercle.spaces import actions\n"
        "people = {u.username: u for u in User.objects.all()}\n"
        "space = actions.create_space(actor=people['hugo'], name='Atelier Bois')\n"
        "actions.join_space(actor=people['ines'], space=space)\n"
        "actions.join_space(actor=people['irene'], space=space)\n"
        "actions.join_space(actor=people['zoé'], space=space)\n"
        "result = space.slug\n"
    )
    hugo, ines = chat_page(), chat_page(width=360, height=740)
    for name, page in (("hugo", hugo), ("ines", ines)):
        log_in(page, name, data["password"])
        page.goto(f"/spaces/{slug}/")
        page.get_by_role("link", name="Chat channel").click()
        page.wait_for_url("**/messages/*/")
        page.wait_for_function("() => window.cercleRealtime && window.cercleRealtime.connected")
    # The channel's header links back to the space.
    expect(hugo.locator("#conversation-title a")).to_have_attribute("href", f"/spaces/{slug}/")

    # @mention autocomplete: the channel's members only; Enter picks, it does not send. A name
    # with letters of any script completes too ("@zoé", as the server's parser reads it).
    options = hugo.locator("#composer-body-mentions [role=option]")
    hugo.locator("#composer-body").press_sequentially("@zoé")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("@zoé")
    hugo.locator("#composer-body").press("Escape")
    hugo.locator("#composer-body").fill("")
    hugo.locator("#composer-body").press_sequentially("Merci @i")
    expect(options).to_have_count(2)
    expect(options.first).to_contain_text("@i")
    hugo.locator("#composer-body").press("ArrowDown")
    chosen = options.nth(1).inner_text()
    hugo.locator("#composer-body").press("Enter")
    expect(hugo.locator("#composer-body-mentions")).to_be_hidden()
    username = chosen.split("(@")[1].rstrip(")")
    expect(hugo.locator("#composer-body")).to_have_value(f"Merci @{username} ")
    expect(hugo.locator("#message-list li.msg")).to_have_count(0)
    hugo.locator("#composer-body").press_sequentially("pour le plan")
    hugo.locator("#composer-body").press("Enter")
    expect(ines.locator("#message-list li.msg").last).to_contain_text(f"@{username} pour le plan")
    expect(ines.locator(f'#message-list a[href="/people/{username}/"]')).to_have_count(1)

    # A file's size arrives live in the page's language (en-GB here).
    document = tmp_path / "plan.txt"
    document.write_bytes(b"x" * 2048)
    hugo.locator("#composer-files").set_input_files(str(document))
    hugo.locator("#composer-body").fill("Le plan")
    hugo.locator("#composer-body").press("Enter")
    expect(ines.locator("#message-list li.msg").last.locator(".msg-files")).to_contain_text(
        "(2 kB)"
    )


def test_list_preview_live_time_zone_empty_state_and_actions_menu(
    chat_server: tuple[ServerSite, ServerProcess], chat_page: Callable[..., Any]
) -> None:
    site, server = chat_server
    data = make_people(site, ["jade", "kylian"])
    # The people's time zone (UTC+9) is not their browsers' (New York): times follow the person.
    site.python(
        "from cercle.accounts.models import User\n"
        "User.objects.update(time_zone='Asia/Tokyo')\n"
        "result = 1\n"
    )
    created = httpx.post(
        f"{server.url}/api/v1/conversations",
        json={"kind": "direct", "username": "kylian"},
        headers={"Authorization": f"Bearer {data['people']['jade']['token']}"},
        timeout=60,
    )
    conversation_id = created.json()["id"]
    jade = chat_page(timezone_id="America/New_York")
    kylian = chat_page(width=360, height=740, timezone_id="America/New_York")
    for name, page in (("jade", jade), ("kylian", kylian)):
        log_in(page, name, data["password"])
        page.goto(f"/messages/{conversation_id}/")
        page.wait_for_function("() => window.cercleRealtime && window.cercleRealtime.connected")
        expect(page.locator("#chat-empty-state")).to_have_text("No messages yet — say hello!")
    # The keys' hint under the composer on a wide screen; not on a phone, where nothing is cut.
    expect(jade.locator("#composer-hint")).to_be_visible()
    expect(kylian.locator("#composer-hint")).to_be_hidden()
    assert kylian.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    jade.fill("#composer-body", "Bonjour **Kylian**, voici [le plan](https://example.org)")
    jade.keyboard.press("Enter")
    for page in (jade, kylian):
        expect(page.locator("#message-list li.msg[data-message-id]")).to_have_count(1)
        expect(page.locator("#chat-empty-state")).to_be_hidden()

    def shown_and_expected(page: Any) -> tuple[str, str]:
        time = page.locator("#message-list li.msg[data-message-id] .msg-meta time").first
        moment = datetime.fromisoformat(time.get_attribute("datetime"))
        return time.inner_text(), moment.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M")

    # Live (sent and received): the person's time zone, as the server renders it after a reload.
    for page in (jade, kylian):
        shown, expected = shown_and_expected(page)
        assert shown == expected
    kylian.reload()
    assert shown_and_expected(kylian)[0] == expected

    # The list's preview follows live, as plain text.
    preview = jade.locator(f'[data-conversation-item="{conversation_id}"] .chat-list-preview')
    expect(preview).to_have_text("You: Bonjour Kylian, voici le plan")
    kylian.wait_for_function("() => window.cercleRealtime && window.cercleRealtime.connected")
    kylian.fill("#composer-body", "Salut *Jade*")
    kylian.keyboard.press("Enter")
    expect(preview).to_have_text("Kylian Test: Salut Jade")
    list_time = jade.locator(f'[data-conversation-item="{conversation_id}"] .chat-list-time')
    expect(list_time).to_have_text(re.compile(r"^\d\d:\d\d$"))

    # On the phone: one "…" button per message; its menu opens and closes by keyboard.
    message = kylian.locator("#message-list li.msg[data-message-id]").first
    more = message.locator(".msg-more")
    menu = message.locator(".msg-actions")
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    more.focus()
    kylian.keyboard.press("Enter")
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(menu).to_be_visible()
    for label in ("React", "Reply", "Pin", "Copy link"):
        expect(menu.get_by_text(label, exact=True)).to_be_visible()
    expect(menu.locator("summary")).to_be_focused()
    kylian.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(more).to_be_focused()
    more.click()
    menu.get_by_text("Reply", exact=True).click()
    expect(kylian.locator("#composer-reply")).to_contain_text("Replying to Jade")
    expect(menu).to_be_hidden()
    # My own message has Edit and Delete too.
    own = kylian.locator("#message-list li.msg-mine[data-message-id]").first
    own.locator(".msg-more").click()
    expect(own.locator(".msg-actions").get_by_text("Delete", exact=True)).to_be_visible()

    # With a mouse: the "…" button appears on hover only.
    first = jade.locator("#message-list li.msg[data-message-id]").first
    jade.mouse.move(1, 1)
    opacity = "el => getComputedStyle(el).opacity"
    assert first.locator(".msg-more").evaluate(opacity) == "0"
    first.hover()
    assert first.locator(".msg-more").evaluate(opacity) == "1"

    # "New message" beside "New group": pick the person, land in the (existing) conversation.
    jade.get_by_role("link", name="New message").click()
    jade.wait_for_url("**/messages/new/direct/")
    jade.locator("#new-direct-person").press_sequentially("Kyl")
    expect(jade.locator("#new-direct-options option")).to_have_attribute("value", "kylian")
    jade.locator("#new-direct-person").fill("kylian")
    jade.keyboard.press("Enter")
    jade.wait_for_url(f"**/messages/{conversation_id}/")
