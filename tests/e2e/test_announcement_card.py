"""Browser (issue 17): an announcement's banner shows its audience and its PDF's first page (a
picture Chromium really loads), folds and stays folded after a reload (per announcement); the
composer's label follows where the post goes (wall, organisation, a space, an announcement)."""

from __future__ import annotations

import io
from typing import Any

from tests.factories import PASSWORD, make_department, make_space, make_user
from tests.helpers import files
from tests.helpers.browser import log_in


def _announce(staff: Any, body: str, *, departments: list[Any], pdf: bool = False) -> Any:
    from cercle.announcements import actions as announcement_actions
    from cercle.feed import actions as feed_actions
    from cercle.spaces import queries as space_queries

    post = feed_actions.create_post(
        actor=staff,
        space=space_queries.organisation_space(),
        body=body,
        attachments=[(io.BytesIO(files.pdf()), "consigne.pdf")] if pdf else [],
    )
    return announcement_actions.announce(
        actor=staff, post=post, departments=departments, requires_ack=True
    )


def test_the_banner_shows_its_audience_and_pdf_and_stays_folded(
    new_page: Any, transactional_db: Any
) -> None:
    production = make_department("Production")
    make_user(username="paul", first_name="Paul", department=production)
    staff = make_user(role="staff")
    first = _announce(staff, "Consigne de sécurité", departments=[production], pdf=True)
    second = _announce(staff, "Inventaire vendredi", departments=[production])
    page = new_page(locale="en-US", width=360, height=740)
    log_in(page, "paul", PASSWORD)
    page.goto("/")
    banner = page.locator(f"#announcement-{first.pk}")
    assert "For: Production" in banner.inner_text()
    preview = banner.locator("img.pdf-preview")
    preview.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=preview.element_handle()
    )
    assert banner.get_by_role("link", name="consigne.pdf", exact=False).get_attribute("href")
    # Folded: the content goes, the title and audience stay; remembered after a reload.
    banner.get_by_role("button", name="Fold this announcement").click()
    content = banner.locator(".announcement-content")
    assert not content.is_visible() and "For: Production" in banner.inner_text()
    fold = banner.locator(".announcement-fold")
    assert fold.get_attribute("aria-expanded") == "false"
    page.reload()
    assert not page.locator(f"#announcement-{first.pk} .announcement-content").is_visible()
    assert page.locator(f"#announcement-{second.pk} .announcement-content").is_visible()
    page.locator(f"#announcement-{first.pk}").get_by_role("button", name="Unfold").click()
    assert page.locator(f"#announcement-{first.pk} .announcement-content").is_visible()
    page.reload()
    assert page.locator(f"#announcement-{first.pk} .announcement-content").is_visible()


def test_the_composer_label_follows_where_the_post_goes(
    new_page: Any, transactional_db: Any
) -> None:
    staff = make_user(username="francois", role="staff")
    make_space(owner=staff, name="Club photo")
    page = new_page(locale="en-US")
    log_in(page, "francois", PASSWORD)
    page.goto("/")
    page.get_by_text("Share something…").click()
    label = page.locator("label[for=composer-body]")
    assert label.inner_text() == "Share something on your wall"
    where = page.get_by_label("Post in")
    where.select_option(label="Whole organisation")
    assert label.inner_text() == "Write to the whole organisation"
    where.select_option(label="Club photo")
    assert label.inner_text() == "Write on the wall of Club photo"
    options = page.locator("#composer-announce")
    options.get_by_text("Announcement options").click()
    options.get_by_role("checkbox", name="Publish as an announcement", exact=False).check()
    assert label.inner_text() == "Write an announcement for Club photo"
    where.select_option(label="My wall")
    assert label.inner_text() == "Share something on your wall"
    # The textarea is still named by the label (what a screen reader reads).
    assert page.get_by_label("Share something on your wall").count() == 1
