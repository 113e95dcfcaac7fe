"""Browser: the installable app in Chromium — the manifest and its icons, the service worker
registered and active, and offline: the home page seen last shown from its copy, marked offline
and read only; a page never seen shows the offline page."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.factories import PASSWORD, make_post, make_space, make_user
from tests.helpers.browser import log_in

ICON_SIZES = """async (src) => {
  const answer = await fetch(src);
  const bitmap = await createImageBitmap(await answer.blob());
  return [answer.headers.get("Content-Type"), bitmap.width, bitmap.height];
}"""


def test_manifest_service_worker_and_offline_pages(new_page: Any, transactional_db: Any) -> None:
    me = make_user(username="anne", first_name="Anne", last_name="Martin")
    space = make_space(name="Club photo", members=(me,))
    make_post(space=space, body="Sortie samedi au parc")
    page = new_page(locale="en-US", width=390, height=844)
    log_in(page, "anne", PASSWORD)
    page.goto("/")

    # The manifest: linked, valid, its icons real PNGs of their sizes.
    href = page.locator("link[rel=manifest]").get_attribute("href")
    manifest = page.evaluate("(href) => fetch(href).then((r) => r.json())", href)
    assert manifest["name"] == "Cercle" and manifest["short_name"] == "Cercle"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    assert manifest["theme_color"].startswith("#")
    purposes = set()
    for icon in manifest["icons"]:
        kind, width, height = page.evaluate(ICON_SIZES, icon["src"])
        assert kind == "image/png" and icon["type"] == "image/png"
        assert f"{width}x{height}" == icon["sizes"]
        purposes.add(icon["purpose"])
    assert {"192x192", "512x512"} <= {i["sizes"] for i in manifest["icons"]}
    assert purposes == {"any", "maskable"}

    # The service worker: registered for the whole site, and active.
    state = page.evaluate(
        "navigator.serviceWorker.ready.then((r) => [r.scope, r.active && r.active.state])"
    )
    assert state[0] == page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/"
    page.wait_for_function(
        "() => navigator.serviceWorker.ready.then((r) => r.active.state === 'activated')"
    )
    # Seen once under its control: the home page is kept.
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        "() => caches.open('cercle-pages-v1').then((c) => c.match(location.origin + '/'))"
        ".then((r) => Boolean(r))"
    )

    page.context.set_offline(True)
    # A page never seen first, from a page loaded online: an offline copy reloads itself when the
    # browser says it is back online, and a reload racing this navigation would make it flaky.
    page.goto("/people/never-seen/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    assert page.url.endswith("/people/never-seen/")
    assert page.locator(".offline-banner").count() == 0

    page.goto("/")
    banner = page.locator(".offline-banner")
    banner.wait_for()
    assert "offline" in banner.inner_text() and "read only" in banner.inner_text()
    assert "Sortie samedi au parc" in page.locator("main").inner_text()
    assert page.locator("form button").first.is_disabled()

    # Back online, the copy reloads itself into the live page (pwa.js): wait for that reload
    # rather than navigate, which the reload would interrupt.
    with page.expect_navigation(wait_until="load"):
        page.context.set_offline(False)
    expect(page.locator(".offline-banner")).to_have_count(0, timeout=15_000)
    assert "Sortie samedi au parc" in page.locator("main").inner_text()

    # Logging out forgets the copies of the pages seen (the offline page stays).
    page.locator("details.user-menu summary").click()
    page.locator("form[action*='logout'] button").click()
    page.wait_for_url(lambda url: "/logout" not in url)
    page.wait_for_function(
        "() => caches.open('cercle-pages-v1').then((c) => c.keys())"
        ".then((keys) => keys.length === 1 && new URL(keys[0].url).pathname === '/offline/')"
    )
