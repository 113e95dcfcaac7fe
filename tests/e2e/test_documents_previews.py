"""Previews and search inside files in a browser, on a phone and on a desktop: open a PDF's
preview (the browser's viewer in the page on a desktop, the first page as a picture on a phone),
see a CSV as a table, and find a file by a word inside it, accents not typed."""

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
def test_open_a_pdf_preview_and_find_a_file_by_a_word_inside_it(
    browser: Any, site: tuple[str, dict[str, Any]], viewport: dict[str, int]
) -> None:
    url, facts = site
    context = browser.new_context(base_url=url, locale="fr-FR", viewport=viewport)
    context.set_default_timeout(15_000)
    context.route_web_socket("**/ws/**", lambda ws: ws.close())
    page = context.new_page()
    log_in(page, facts["member"], facts["password"])

    # The folder lists the PDF with the picture of its first page.
    page.goto(f"/documents/folders/{facts['documents_folder']}/")
    row = page.locator(".documents-table a", has_text="rapport-annuel.pdf")
    thumb = row.locator("img.documents-thumb")
    expect(thumb).to_be_visible()
    # Thumbnails load lazily: on a phone this one may be below the fold until scrolled to.
    thumb.scroll_into_view_if_needed()
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )

    # The PDF's page: its preview.
    view = f"/documents/files/{facts['pdf_document']}/view"
    if viewport is DESKTOP:
        with page.expect_response(lambda response: response.url.endswith(view)) as answer:
            row.click()
        response = answer.value
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"].startswith("inline")
        assert "sandbox" not in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        frame = page.locator("iframe.documents-pdf-frame")
        expect(frame).to_be_visible()
        assert frame.get_attribute("src") == view
        expect(page.locator(".documents-pdf-page")).to_be_hidden()
    else:
        row.click()
        picture = page.locator(".documents-pdf-page img")
        expect(picture).to_be_visible()
        page.wait_for_function(
            "() => document.querySelector('.documents-pdf-page img').naturalWidth > 0"
        )
        expect(page.locator("iframe.documents-pdf-frame")).to_be_hidden()
        link = page.locator(".documents-pdf-page")
        assert link.get_attribute("href") == view
        opened = page.request.get(view)
        assert opened.headers["content-type"] == "application/pdf"
        assert opened.body().startswith(b"%PDF-")
    expect(page.locator(".documents-text-state")).to_have_count(0)  # extracted: nothing to say

    # A CSV is a table.
    page.goto(f"/documents/files/{facts['csv_document']}/")
    expect(page.locator(".documents-csv th").first).to_have_text("service")
    expect(page.locator(".documents-csv td", has_text="Études")).to_be_visible()

    # A word inside the PDF, typed without its accent, finds it; the excerpt is its text.
    page.goto("/")
    page.fill("#global-search", "ecureuils")
    page.press("#global-search", "Enter")
    page.wait_for_url("**/search/?q=ecureuils")
    result = page.locator(".search-result", has_text="rapport-annuel.pdf")
    expect(result).to_be_visible()
    expect(result.locator("mark").first).to_have_text("écureuils")
    result.locator(".search-result-title").click()
    page.wait_for_url(f"**/documents/files/{facts['pdf_document']}/")
    context.close()
