"""Browser (issue 12), in French, on a phone and a desktop: an editor pastes an image into the
page editor (a file that is not an image is refused with a message; the description is asked
first, required; the Markdown image is inserted where the caret was and the saved page shows the
image with its description), then reorders the tree: by dragging rows with a mouse on the desktop
(before another page, and under one), by the rows' buttons on the phone (44 px). Both screens
pass axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_accessibility import AXE_TAGS, RUN_AXE, describe
from tests.factories import PASSWORD, make_space, make_user
from tests.helpers.browser import log_in, small_targets
from tests.helpers.files import image_bytes

WIDTHS = {"phone": (360, 740), "desktop": (1280, 900)}

# A paste of one file, as the browser makes it when an image is copied (Chromium builds a
# ClipboardEvent with a DataTransfer holding the file).
PASTE = """({bytes, name, type}) => {
  const data = new DataTransfer();
  data.items.add(new File([new Uint8Array(bytes)], name, {type}));
  const area = document.getElementById("page-body-input");
  const init = {clipboardData: data, bubbles: true, cancelable: true};
  area.dispatchEvent(new ClipboardEvent("paste", init));
}"""


def check_axe(browser: Any) -> None:
    import axe_playwright_python

    axe = Path(axe_playwright_python.__file__).with_name("axe.min.js").read_text()
    browser.evaluate(axe)
    violations = browser.evaluate(RUN_AXE, AXE_TAGS)
    assert not violations, describe(violations)


def top_titles(browser: Any) -> list[str]:
    return [
        t.strip()
        for t in browser.locator(".page-reorder-row .page-reorder-title a").all_inner_texts()
    ]


@pytest.mark.parametrize("device", list(WIDTHS))
def test_an_editor_pastes_an_image_and_reorders_the_tree(
    new_page: Any, transactional_db: Any, device: str
) -> None:
    from cercle.pages import actions
    from cercle.pages.models import Page, PageImage

    width, height = WIDTHS[device]
    anne = make_user(username="anne", first_name="Anne")
    space = make_space(owner=anne, kind="private")
    alpha = actions.create_page(actor=anne, space=space, title="Accueil", body="Bonjour.")
    actions.create_page(actor=anne, space=space, title="Congés")
    gamma = actions.create_page(actor=anne, space=space, title="Télétravail")

    browser = new_page(locale="fr-FR", width=width, height=height)
    log_in(browser, "anne", PASSWORD)
    browser.goto(f"/spaces/{space.slug}/pages/{alpha.slug}/edit/")
    area = browser.locator("#page-body-input")
    area.click()
    browser.keyboard.press("Control+End")
    browser.keyboard.type("\nAvant l'image.")

    # Not an image: refused here, with a message; nothing is asked nor sent.
    browser.evaluate(PASTE, {"bytes": list(b"bonjour"), "name": "notes.txt", "type": "text/plain"})
    status = browser.locator("#page-image-status")
    assert status.get_attribute("role") == "alert"
    assert "JPEG, PNG, GIF ou WebP" in status.inner_text()
    dialog = browser.locator("#page-image-dialog")
    assert dialog.is_hidden()

    # An image: its description is asked first, and required.
    png = image_bytes("PNG", (120, 80))
    browser.evaluate(PASTE, {"bytes": list(png), "name": "schema.png", "type": "image/png"})
    dialog.wait_for()
    alt = browser.locator("#page-image-alt")
    assert browser.evaluate("() => document.activeElement.id") == "page-image-alt"
    check_axe(browser)
    insert = dialog.locator("button[value=insert]")
    insert.click()
    assert browser.locator("#page-image-error").inner_text().strip()
    assert dialog.is_visible() and not PageImage.objects.exists()
    alt.fill("Schéma du circuit des congés")
    insert.click()
    dialog.wait_for(state="hidden")
    image = PageImage.objects.get()
    assert area.input_value().endswith(
        f"Avant l'image.\n![Schéma du circuit des congés](/pages/images/{image.pk}/)\n"
    )
    assert status.inner_text() == "L’image est insérée."
    browser.locator(".page-editor button[type=submit]").first.click()
    browser.wait_for_url(f"**/spaces/{space.slug}/pages/{alpha.slug}/")
    shown = browser.locator(".page-body img")
    assert shown.get_attribute("alt") == "Schéma du circuit des congés"
    browser.wait_for_function("() => document.querySelector('.page-body img').naturalWidth === 120")

    # The tree, reordered.
    browser.goto(f"/spaces/{space.slug}/pages/reorder/")
    assert top_titles(browser) == ["Accueil", "Congés", "Télétravail"]
    rows = browser.locator(".page-reorder-row")
    if device == "desktop":
        # "Télétravail" dropped on the top half of "Accueil": before it.
        row = browser.locator(f"#move-{gamma.pk}")
        row.drag_to(rows.nth(0), target_position={"x": 20, "y": 4})
        browser.wait_for_function(
            "() => document.querySelector('.page-reorder-row a').textContent === 'Télétravail'"
        )
        assert top_titles(browser) == ["Télétravail", "Accueil", "Congés"]
        # "Congés" dropped on the right end of "Accueil": under it.
        target = browser.locator(f"#move-{alpha.pk}")
        box = target.bounding_box()
        browser.locator(".page-reorder-row", has_text="Congés").drag_to(
            target, target_position={"x": box["width"] - 8, "y": box["height"] / 2}
        )
        browser.wait_for_function(
            "() => document.querySelectorAll('.page-reorder-row[data-depth=\"1\"]').length === 1"
        )
    else:
        # On a phone, the buttons: "Télétravail" up twice, then "Congés" under the page above.
        for _ in range(2):
            with browser.expect_navigation():
                browser.locator(f"#move-{gamma.pk} button[value=up]").click()
        assert top_titles(browser) == ["Télétravail", "Accueil", "Congés"]
        # After a move, the focus comes back to the moved page's buttons.
        browser.wait_for_function(
            "id => document.activeElement?.closest('li')?.id === id", arg=f"move-{gamma.pk}"
        )
        with browser.expect_navigation():
            browser.locator(".page-reorder-row", has_text="Congés").locator(
                "button[value=in]"
            ).click()
        assert not [s for s in small_targets(browser) if 'name="direction"' in s]
    conges = Page.objects.get(space=space, title="Congés")
    assert conges.parent_id == alpha.pk
    assert [
        p.title for p in Page.objects.filter(space=space, parent=None).order_by("position")
    ] == [
        "Télétravail",
        "Accueil",
    ]
    assert browser.locator(f"#move-{conges.pk}").get_attribute("data-depth") == "1"
    check_axe(browser)
