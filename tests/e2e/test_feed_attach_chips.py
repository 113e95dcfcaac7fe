"""Browser (review 2, #7 second half): in French, the feed composer shows "Joindre des fichiers"
(not Chromium's "Choose Files"); chosen files show as chips with their size and a ✕; the one
removed is not posted. Also the home composer's "Publier dans" shows the announcement options
only where one may announce (#10)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.factories import PASSWORD, make_space, make_user
from tests.helpers.browser import log_in


def test_attach_files_as_chips_and_remove_one(
    new_page: Any, transactional_db: Any, tmp_path: Path
) -> None:
    from cercle.feed.models import Attachment

    person = make_user(username="camille", first_name="Camille")
    person.language = "fr"
    person.save(update_fields=["language"])
    page = new_page(locale="fr-FR")
    log_in(page, "camille", PASSWORD)
    page.goto("/")
    page.locator(".composer-fold > summary").click()  # the home composer is one line until opened
    button = page.get_by_text("Joindre des fichiers", exact=True)
    assert button.is_visible()
    # The native input (its "Choose Files / No file chosen") takes no room: 1 px, transparent.
    native = page.locator("#composer-files")
    box = native.bounding_box()
    assert box is not None and box["width"] <= 1 and box["height"] <= 1
    assert native.evaluate("e => getComputedStyle(e).opacity") == "0"
    keep, drop = tmp_path / "garder.txt", tmp_path / "retirer.txt"
    keep.write_bytes(b"12345678")
    drop.write_bytes(b"x" * 2048)
    page.locator("#composer-files").set_input_files([str(keep), str(drop)])
    chips = page.locator(".file-chip")
    assert chips.count() == 2
    assert "garder.txt" in chips.nth(0).inner_text() and "8 o" in chips.nth(0).inner_text()
    assert "2 ko" in chips.nth(1).inner_text()
    page.get_by_role("button", name="Retirer retirer.txt").click()
    assert chips.count() == 1
    page.get_by_label("Partagez quelque chose sur votre mur").fill("Avec une pièce jointe")
    page.get_by_role("button", name="Publier", exact=True).click()
    page.wait_for_selector("text=Avec une pièce jointe")
    assert list(Attachment.objects.values_list("original_name", flat=True)) == ["garder.txt"]


def test_post_in_shows_the_announcement_options_where_one_may_announce(
    new_page: Any, transactional_db: Any
) -> None:
    staff = make_user(username="francois", role="staff")
    make_space(owner=make_user(), name="Club photo", members=(staff,))
    page = new_page(locale="en-US")
    log_in(page, "francois", PASSWORD)
    page.goto("/")
    page.get_by_text("Share something…").click()  # the home composer is one line until opened
    where = page.get_by_label("Post in")
    options = page.locator("#composer-announce")
    assert not options.is_visible()  # "My wall" first
    where.select_option(label="Whole organisation")
    assert options.is_visible()
    # Folded behind "Announcement options" (review 2, #14): opened to tick the box.
    options.get_by_text("Announcement options").click()
    options.get_by_role("checkbox", name="Publish as an announcement", exact=False).check()
    where.select_option(label="Club photo")
    assert not options.is_visible()
    where.select_option(label="Whole organisation")
    assert not options.get_by_role(
        "checkbox", name="Publish as an announcement", exact=False
    ).is_checked()
