"""The header's search in a browser, in French, on a phone and on a desktop: type a name, pick
the suggestion, land on the person; search words, filter a kind, open a result at its place."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import log_in

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def site(seeded_site: tuple[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """The session's seeded server (tests/e2e/conftest.py): these tests only read it."""
    return seeded_site


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_type_pick_a_suggestion_then_open_a_result(
    browser: Any, site: tuple[str, dict[str, Any]], viewport: dict[str, int]
) -> None:
    url, facts = site
    context = browser.new_context(base_url=url, locale="fr-FR", viewport=viewport)
    context.set_default_timeout(10_000)
    context.route_web_socket("**/ws/**", lambda ws: ws.close())
    page = context.new_page()
    log_in(page, facts["member"], facts["password"])

    # The beginning of a name, accent typed or not: the suggestion names the person, the word
    # marked; it opens the profile.
    page.goto("/")
    page.fill("#global-search", "lefèv")
    suggestion = page.locator(".search-suggestions-list a", has_text="Paul Lefèvre")
    expect(suggestion).to_be_visible()
    expect(suggestion.locator("mark")).to_have_text("Lefèvre")
    suggestion.click()
    page.wait_for_url(f"**/people/{facts['secure']}/")

    # Enter searches everything: tabs with counts, the file's tab, the result opens the file.
    page.fill("#global-search", "audit")
    page.press("#global-search", "Enter")
    page.wait_for_url("**/search/?q=audit")
    expect(page.locator("h1")).to_have_text("Résultats pour « audit »")
    tab = page.locator(".search-tabs a", has_text="Fichiers")
    expect(tab).to_be_visible()
    tab.click()
    result = page.locator(".search-result-title").first
    expect(result).to_contain_text("audit")
    result.click()
    page.wait_for_url(f"**/documents/files/{facts['document']}/")
    context.close()
