"""Browser (issue 12), in French, on a phone and a desktop: an editor types `[[` and a few
letters in the page editor; the pages whose title holds them are suggested (the same space's
first), chosen with the keyboard (arrows, Enter; Escape closes), and the Markdown link inserted
leads to the page by its stable address once saved."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import PASSWORD, make_space, make_user
from tests.helpers.browser import log_in

WIDTHS = {"phone": (360, 740), "desktop": (1280, 900)}


@pytest.mark.parametrize("device", list(WIDTHS))
def test_an_editor_links_a_page_by_typing_its_title(
    new_page: Any, transactional_db: Any, device: str
) -> None:
    from cercle.pages import actions
    from cercle.spaces.queries import organisation_space

    width, height = WIDTHS[device]
    anne = make_user(username="anne", first_name="Anne")
    space = make_space(owner=anne, kind="private")
    target = actions.create_page(actor=anne, space=space, title="Congés d'été")
    actions.create_page(
        actor=make_user(role="staff"), space=organisation_space(), title="Congés payés"
    )
    secret = make_space(kind="private")
    actions.create_page(
        actor=secret.memberships.get().user, space=secret, title="Congés confidentiels"
    )
    home = actions.create_page(actor=anne, space=space, title="Accueil", body="Bonjour.")

    browser = new_page(locale="fr-FR", width=width, height=height)
    log_in(browser, "anne", PASSWORD)
    browser.goto(f"/spaces/{space.slug}/pages/{home.slug}/edit/")
    area = browser.locator("#page-body-input")
    area.click()
    browser.keyboard.press("Control+End")
    browser.keyboard.type("\nVoir [[conges")
    listbox = browser.get_by_role("listbox", name="Pages vers lesquelles faire un lien")
    options = listbox.get_by_role("option")
    browser.wait_for_function(
        "() => document.querySelectorAll('#page-link-suggestions [role=option]').length === 2"
    )
    assert "Congés d'été" in options.nth(0).inner_text()  # this space's first
    assert "Congés payés" in options.nth(1).inner_text()  # then the intranet's; never the secret
    assert browser.locator("#page-suggest-status").inner_text() == "2 pages trouvées"
    assert area.get_attribute("aria-activedescendant") == options.nth(0).get_attribute("id")
    browser.keyboard.press("ArrowDown")
    assert options.nth(1).get_attribute("aria-selected") == "true"
    assert area.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")
    browser.keyboard.press("ArrowUp")
    browser.keyboard.press("Enter")
    assert listbox.is_hidden()
    assert area.input_value().endswith(f"Voir [Congés d'été](/pages/{target.pk}/)")

    # Escape closes the list and leaves what was typed.
    browser.keyboard.type(" et [[pay")
    browser.wait_for_function(
        "() => document.querySelectorAll('#page-link-suggestions [role=option]').length === 1"
    )
    browser.keyboard.press("Escape")
    assert listbox.is_hidden()
    assert area.input_value().endswith(" et [[pay")
    browser.keyboard.press("Backspace")
    browser.keyboard.press("Backspace")
    browser.keyboard.press("Backspace")
    browser.keyboard.press("Backspace")
    browser.keyboard.press("Backspace")

    browser.locator(".page-editor button[type=submit]").first.click()
    browser.wait_for_url(f"**/spaces/{space.slug}/pages/{home.slug}/")
    browser.locator(".page-body").get_by_role("link", name="Congés d'été").click()
    browser.wait_for_url(f"**/spaces/{space.slug}/pages/{target.slug}/")
    assert browser.locator("#page-title").inner_text() == "Congés d'été"
