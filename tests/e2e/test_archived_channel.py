"""An archived space's chat channel, in the browser, against a real uvicorn server (WebSockets).

The owner archives the space from its settings page while a member has the channel open: the
member's page turns read-only by itself (history kept, a notice instead of the composer, only
"Copy link" in a message's menu); restoring brings the composer back and messages flow again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.helpers.browser import SocketGate, log_in
from tests.helpers.server import ServerProcess, ServerSite, make_people

NOTICE_EN = "This space is archived: its channel is read-only."
NOTICE_FR = "Cet espace est archivé : son canal est en lecture seule."


def watch_errors(page: Any) -> list[str]:
    """The page's uncaught script errors (across reloads)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def open_channel(page: Any, slug: str) -> None:
    page.goto(f"/spaces/{slug}/")
    page.get_by_role("link", name="Chat channel").click()
    page.wait_for_url("**/messages/*/")
    page.wait_for_function("() => window.cercleRealtime && window.cercleRealtime.connected")


def open_settings(page: Any, slug: str) -> None:
    """From the space's page (where archiving and restoring lead back), its settings."""
    page.wait_for_url(f"**/spaces/{slug}/")
    page.get_by_role("link", name="Settings", exact=True).click()
    page.wait_for_url(f"**/spaces/{slug}/settings/")


def send(page: Any, text: str) -> None:
    page.fill("#composer-body", text)
    page.keyboard.press("Enter")
    expect(page.locator("#message-list li.msg-mine[data-message-id]").last).to_contain_text(text)


def test_archiving_turns_an_open_channel_read_only_live_and_restoring_reopens_it(
    chat_server: tuple[ServerSite, ServerProcess], chat_context: Callable[[], Any]
) -> None:
    site, server = chat_server
    data = make_people(site, ["aline", "basile", "camille"])
    password = data["password"]
    slug = site.python(
        "from cercle.accounts.models import User\n"
        "from cercle.spaces import actions\n"
        "people = {u.username: u for u in User.objects.all()}\n"
        "space = actions.create_space(actor=people['aline'], name='Chantier Nord')\n"
        "actions.join_space(actor=people['basile'], space=space)\n"
        "actions.join_space(actor=people['camille'], space=space)\n"
        # Camille reads Cercle in French (her saved preference, over her browser's language).
        "User.objects.filter(username='camille').update(language='fr')\n"
        "result = space.slug\n"
    )

    # Aline (the owner) has the channel open in one tab, the space's settings in another.
    aline_context = chat_context()
    aline = aline_context.new_page()
    aline_errors = watch_errors(aline)
    log_in(aline, "aline", password)
    open_channel(aline, slug)
    settings = aline_context.new_page()
    settings.goto(f"/spaces/{slug}/")

    # Basile has the channel open too; both talk.
    basile = chat_context().new_page()
    basile_errors = watch_errors(basile)
    log_in(basile, "basile", password)
    open_channel(basile, slug)
    conversation_url = basile.url
    send(aline, "Le chantier est terminé")
    expect(basile.locator("#message-list li.msg").last).to_contain_text("Le chantier est terminé")
    send(basile, "Merci à tous")
    expect(aline.locator("#message-list li.msg").last).to_contain_text("Merci à tous")
    expect(basile.locator("#composer-body")).to_be_visible()
    # Basile reacts to Aline's message from its menu.
    first = basile.locator("#message-list li.msg[data-message-id]").first
    first.hover()
    first.locator(".msg-more").click()
    first.locator(".msg-actions summary").click()
    first.locator(".msg-actions").get_by_text("👍", exact=True).click()
    reaction = "#message-list li.msg[data-message-id] .msg-reactions .reaction"
    expect(aline.locator(reaction)).to_have_text("👍 1")

    # Aline archives the space as anyone would: its page, "Settings", "Archive".
    open_settings(settings, slug)
    settings.get_by_role("button", name="Archive", exact=True).click()
    expect(settings.get_by_text("The space was archived: it is now read-only.")).to_be_visible()

    # Basile's page turns read-only by itself (it reloads on the event): no composer, the notice,
    # the history still there.
    for page in (basile, aline):
        expect(page.locator("#composer-read-only")).to_have_text(NOTICE_EN)
        expect(page.locator("#composer")).to_have_count(0)
        expect(page.locator("#composer-body")).to_have_count(0)
        bodies = page.locator("#message-list li.msg[data-message-id] .msg-body")
        expect(bodies).to_have_text(["Le chantier est terminé", "Merci à tous"])
    assert basile.url == conversation_url
    # His reaction is shown, and cannot be taken back.
    expect(basile.locator(reaction)).to_have_text("👍 1")
    expect(basile.locator(reaction)).to_be_disabled()
    basile.wait_for_function("() => window.cercleRealtime && window.cercleRealtime.connected")

    # A message's menu (even his own) offers only "Copy link".
    for message in basile.locator("#message-list li.msg[data-message-id]").all():
        message.hover()
        message.locator(".msg-more").click()
        menu = message.locator(".msg-actions")
        expect(menu).to_be_visible()
        expect(menu.locator("button")).to_have_text(["Copy link"])
        expect(menu.locator(".emoji-picker")).to_have_count(0)
        basile.keyboard.press("Escape")
        expect(menu).to_be_hidden()

    # Nor can he write through his socket: the server refuses, nothing is stored or shown.
    conversation_id = int(conversation_url.rstrip("/").rsplit("/", 1)[1])
    refusal = basile.evaluate(
        """id => new Promise(resolve => {
            window.cercleRealtime.on("error", resolve);
            window.cercleRealtime.send(
                {type: "message.send", conversation_id: id, client_id: "archived-1", body: "hop"});
        })""",
        conversation_id,
    )
    assert refusal["code"] == "read_only"
    token = data["people"]["aline"]["token"]
    history = httpx.get(
        f"{server.url}/api/v1/conversations/{conversation_id}/messages",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    ).json()
    stored = [m["body"] for m in sorted(history["items"], key=lambda m: m["id"])]
    assert stored == ["Le chantier est terminé", "Merci à tous"]
    expect(aline.locator("#message-list li.msg")).to_have_count(2)

    # Camille, who reads Cercle in French, opens the archived channel: the notice is in French.
    camille = chat_context().new_page()
    log_in(camille, "camille", password)
    camille.goto(conversation_url)
    expect(camille.locator("#composer-read-only")).to_have_text(NOTICE_FR)

    # Aline restores the space: Basile's composer comes back without his doing anything.
    open_settings(settings, slug)
    settings.get_by_role("button", name="Restore", exact=True).click()
    expect(settings.get_by_text("The space was restored.")).to_be_visible()
    for page in (basile, aline):
        expect(page.locator("#composer-body")).to_be_visible()
        expect(page.locator("#composer-read-only")).to_have_count(0)
        page.wait_for_function("() => window.cercleRealtime && window.cercleRealtime.connected")
    # The full menu is back, and reactions can be changed again.
    expect(basile.locator(reaction)).to_be_enabled()
    first = basile.locator("#message-list li.msg[data-message-id]").first
    first.hover()
    first.locator(".msg-more").click()
    expect(first.locator(".msg-actions").get_by_text("Reply", exact=True)).to_be_visible()
    basile.keyboard.press("Escape")

    # Basile writes again; Aline sees it arrive live.
    send(basile, "On rouvre le chantier")
    expect(aline.locator("#message-list li.msg").last).to_contain_text("On rouvre le chantier")
    expect(aline.locator("#message-list li.msg[data-message-id]")).to_have_count(3)

    assert basile_errors == []
    assert aline_errors == []


def test_a_tab_offline_while_the_space_is_archived_or_restored_catches_up_on_reconnection(
    chat_server: tuple[ServerSite, ServerProcess], chat_context: Callable[[], Any]
) -> None:
    site, _server = chat_server
    data = make_people(site, ["denise", "etienne"])
    slug = site.python(
        "from cercle.accounts.models import User\n"
        "from cercle.spaces import actions\n"
        "people = {u.username: u for u in User.objects.all()}\n"
        "space = actions.create_space(actor=people['denise'], name='Atelier Sud')\n"
        "actions.join_space(actor=people['etienne'], space=space)\n"
        "result = space.slug\n"
    )
    etienne = chat_context().new_page()
    errors = watch_errors(etienne)
    gate = SocketGate()
    etienne.route_web_socket("**/ws/**", gate)
    log_in(etienne, "etienne", data["password"])
    open_channel(etienne, slug)
    send(etienne, "Avant la coupure")

    def while_offline(action: str) -> None:
        """Etienne's network goes away while Denise archives or restores the space: the event
        `conversation.read_only` never reaches his tab."""
        gate.block()
        expect(etienne.locator("#realtime-status")).to_be_visible(timeout=20_000)
        site.python(
            "from cercle.accounts.models import User\n"
            "from cercle.spaces import actions\n"
            "from cercle.spaces.models import Space\n"
            f"space = Space.objects.get(slug={slug!r})\n"
            f"actions.{action}(actor=User.objects.get(username='denise'), space=space)\n"
            "result = 1\n"
        )
        gate.blocked = False
        expect(etienne.locator("#realtime-status")).to_be_hidden(timeout=20_000)

    # Archived while he was offline: back online, his page turns read-only by itself.
    while_offline("archive_space")
    expect(etienne.locator("#composer-read-only")).to_have_text(NOTICE_EN)
    expect(etienne.locator("#composer")).to_have_count(0)
    expect(etienne.locator("#message-list li.msg .msg-body")).to_have_text(["Avant la coupure"])
    etienne.wait_for_function("() => window.cercleRealtime && window.cercleRealtime.connected")

    # Restored while he was offline: back online, the composer comes back; he writes.
    while_offline("restore_space")
    expect(etienne.locator("#composer-body")).to_be_visible()
    expect(etienne.locator("#composer-read-only")).to_have_count(0)
    etienne.wait_for_function("() => window.cercleRealtime && window.cercleRealtime.connected")
    send(etienne, "Après la coupure")
    assert errors == []
