"""Browser (review 2, #10): on a phone, a feed card's "Write a comment…" field is one line, grows
when focused, posts with htmx: the comment shows under the card with its author's avatar, the field
empties and the count follows; a too long text shows the reason under the field, nothing created.
The space composer's announcement options are folded behind "Announcement options" (#14)."""

from __future__ import annotations

import os
from typing import Any

from tests.factories import PASSWORD, make_post, make_space, make_user
from tests.helpers.browser import log_in


def test_inline_comment_on_a_phone(new_page: Any, transactional_db: Any) -> None:
    from cercle.feed.models import Comment

    make_user(username="anne", first_name="Anne", last_name="Martin")
    me = make_user(username="anne2", first_name="Bruno", last_name="Petit")
    space = make_space(name="Club photo", members=(me,))
    post = make_post(space=space, body="Sortie samedi ?")
    page = new_page(locale="en-US", width=390, height=844)
    log_in(page, "anne2", PASSWORD)
    page.goto("/")
    card = page.locator(f"#post-{post.pk}")
    field = card.get_by_placeholder("Write a comment…")
    collapsed = field.bounding_box()
    assert collapsed is not None and collapsed["height"] < 50
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    field.click()
    page.wait_for_timeout(250)  # the height transition
    grown = field.bounding_box()
    assert grown is not None and grown["height"] > collapsed["height"]
    field.fill("Je viens !")
    card.get_by_role("button", name="Comment", exact=True).click()
    added = card.locator(".inline-comments .comment")
    added.wait_for()
    assert "Je viens !" in added.inner_text() and "Bruno Petit" in added.inner_text()
    assert added.locator(".avatar-xs").is_visible()
    assert field.input_value() == ""
    assert card.locator(f"#post-{post.pk}-comment-count").inner_text() == "1 comment"
    if os.environ.get("CERCLE_SCREENSHOTS"):
        page.screenshot(path=os.environ["CERCLE_SCREENSHOTS"] + "/inline-comment-390.png")
    # Refused: the reason under the field, nothing created.
    field.evaluate("(el) => { el.removeAttribute('maxlength'); el.value = 'x'.repeat(10001); }")
    card.get_by_role("button", name="Comment", exact=True).click()
    error = card.locator(".inline-comment-error")
    error.wait_for()
    assert "too long" in error.inner_text()
    assert Comment.objects.count() == 1
    assert card.locator(f"#post-{post.pk}-comment-count").inner_text() == "1 comment"


def test_space_announcement_options_are_folded_on_a_phone(
    new_page: Any, transactional_db: Any
) -> None:
    from cercle.spaces import queries as space_queries

    make_user(username="rh", role="staff")
    org = space_queries.organisation_space()
    page = new_page(locale="en-US", width=390, height=844)
    log_in(page, "rh", PASSWORD)
    page.goto(f"/spaces/{org.slug}/")
    options = page.locator("#composer-announce")
    assert options.is_visible()
    box = options.get_by_role("checkbox", name="Publish as an announcement", exact=False)
    assert not box.is_visible()
    options.get_by_text("Announcement options").click()
    assert box.is_visible()
    if os.environ.get("CERCLE_SCREENSHOTS"):
        page.screenshot(path=os.environ["CERCLE_SCREENSHOTS"] + "/space-announce-390.png")
