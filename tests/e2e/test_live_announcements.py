"""Announcements live on the home page, in several browser contexts against a real uvicorn server
(WebSockets), like tests/e2e/test_live_feed.py: a staff member publishes an announcement asking for
"read and understood" from the organisation space's composer; the banner appears on the open home
pages of the department it targets without a reload; one colleague confirms; the staff member
then targets another department — the banner leaves the other colleague's page and reaches the
new department's, without a reload — and finally withdraws it: gone from that page too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.helpers.browser import log_in, subscribed
from tests.helpers.server import ServerProcess, ServerSite

PEOPLE_CODE = """
from tests.factories import PASSWORD, make_department, make_user
from cercle.spaces.queries import organisation_space
payroll, sales = make_department("Paie"), make_department("Ventes")
make_user(username="sandrine", first_name="Sandrine", last_name="Staff", role="staff")
make_user(username="anne", first_name="Anne", last_name="Martin", department=payroll)
make_user(username="bruno", first_name="Bruno", last_name="Petit", department=payroll)
make_user(username="chloe", first_name="Chloé", last_name="Roux", department=sales)
result = {"password": PASSWORD, "org": organisation_space().slug}
"""

BODY = "Nouvelle procédure de notes de frais"


def home_page(page: Any) -> None:
    """Open the home page and wait until its socket listens to the feed (and announcements)."""
    frames: list[str] = []
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))),
    )
    page.goto("/")
    subscribed(page, frames)
    page.evaluate("window.__notReloaded = true")


def not_reloaded(page: Any) -> bool:
    return page.evaluate("window.__notReloaded") is True


def open_post_menu(page: Any) -> Any:
    post = page.locator("article.post", has_text=BODY).first
    post.locator("details.post-more summary").click()
    return post


def test_announcement_appears_is_confirmed_then_leaves_live(
    chat_server: tuple[ServerSite, ServerProcess], chat_page: Callable[..., Any]
) -> None:
    server_site, _server = chat_server
    setup = server_site.python(PEOPLE_CODE)
    password = setup["password"]
    sandrine, anne, bruno, chloe = chat_page(), chat_page(), chat_page(), chat_page()
    for page, name in ((sandrine, "sandrine"), (anne, "anne"), (bruno, "bruno"), (chloe, "chloe")):
        log_in(page, name, password)
    for page in (anne, bruno, chloe):
        home_page(page)
    banner = "#announcements section.announcement"
    for page in (anne, bruno, chloe):
        expect(page.locator(banner)).to_have_count(0)

    # Sandrine publishes from the organisation space's composer, for payroll, asking to confirm.
    sandrine.goto(f"/spaces/{setup['org']}/")
    composer = sandrine.locator("form.composer")
    composer.locator("#composer-body").fill(BODY)
    composer.get_by_text("Announcement options").click()  # folded since review 2, #14
    composer.get_by_label("Publish as an announcement").check()
    composer.get_by_text("Targets (none chosen: everyone)").click()
    composer.get_by_label("Paie").check()
    composer.get_by_label("Ask each person to confirm").check()
    composer.get_by_role("button", name="Post", exact=True).click()
    expect(sandrine.get_by_text("The announcement is published.")).to_be_visible()

    # Payroll's open home pages show it without reloading; sales' does not.
    for page in (anne, bruno):
        expect(page.locator(banner)).to_contain_text(BODY)
        expect(
            page.locator(banner).get_by_role("button", name="Read and understood")
        ).to_be_visible()
        assert not_reloaded(page)
    chloe.wait_for_timeout(500)
    expect(chloe.locator(banner)).to_have_count(0)

    # Anne confirms "read and understood": her banner is gone for good.
    anne.locator(banner).get_by_role("button", name="Read and understood").click()
    expect(anne.get_by_text("Thank you: your confirmation is recorded.")).to_be_visible()
    expect(anne.locator(banner)).to_have_count(0)

    # Sandrine targets sales instead: Bruno's banner leaves, Chloé's comes, neither reloads.
    post = open_post_menu(sandrine)
    post.get_by_role("link", name="Change the announcement").click()
    expect(sandrine.get_by_label("Paie")).to_be_checked()
    expect(sandrine.get_by_label("Ask each person to confirm")).to_be_checked()
    sandrine.get_by_label("Paie").uncheck()
    sandrine.get_by_label("Ventes").check()
    sandrine.get_by_role("button", name="Announce").click()
    expect(sandrine.get_by_text("The announcement is published.")).to_be_visible()
    expect(bruno.locator(banner)).to_have_count(0)
    expect(chloe.locator(banner)).to_contain_text(BODY)
    assert not_reloaded(bruno) and not_reloaded(chloe)

    # Sandrine withdraws it: Chloé's banner leaves without a reload.
    post = open_post_menu(sandrine)
    post.get_by_role("button", name="Withdraw the announcement").click()
    expect(sandrine.get_by_text("The post is no longer an announcement.")).to_be_visible()
    expect(chloe.locator(banner)).to_have_count(0)
    assert not_reloaded(chloe) and not_reloaded(bruno)
    # The post itself stays.
    chloe.goto("/")
    expect(chloe.locator("section.feed")).to_contain_text(BODY)
    expect(chloe.locator(banner)).to_have_count(0)
