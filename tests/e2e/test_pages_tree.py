"""Browser (issue 12): the list of a large intranet's pages is drawn folded; by keyboard alone,
a section's button fetches the pages under it and says so (aria-expanded), then hides them; the
opened tree passes axe-core, and the buttons are 44 px."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.test_accessibility import AXE_TAGS, RUN_AXE, describe
from tests.factories import PASSWORD, make_space, make_user
from tests.helpers.browser import log_in, small_targets


def test_a_section_opens_and_closes_by_keyboard(new_page: Any, transactional_db: Any) -> None:
    import axe_playwright_python

    from cercle.core.text import normalize
    from cercle.pages import actions, queries
    from cercle.pages.models import Page

    anne = make_user(username="anne", first_name="Anne")
    space = make_space(owner=anne, kind="private")
    first = actions.create_page(actor=anne, space=space, title="Ressources humaines")
    actions.create_page(actor=anne, space=space, title="Congés", parent=first)
    under = actions.create_page(actor=anne, space=space, title="Télétravail", parent=first)
    actions.create_page(actor=anne, space=space, title="Charte", parent=under)
    Page.objects.bulk_create(
        Page(
            space=space,
            title=f"Rubrique {n}",
            title_key=normalize(f"Rubrique {n}"),
            slug=f"rubrique-{n}",
            position=n + 1,
            owner=anne,
        )
        for n in range(queries.FOLD_ABOVE)
    )
    queries.tree_changed(space)

    browser = new_page(locale="fr-FR", width=360, height=740)
    log_in(browser, "anne", PASSWORD)
    browser.goto(f"/spaces/{space.slug}/pages/")
    button = browser.get_by_role("button", name="Pages sous Ressources humaines")
    assert button.get_attribute("aria-expanded") == "false"
    assert browser.get_by_role("link", name="Congés").count() == 0  # folded
    button.focus()
    browser.keyboard.press("Enter")
    browser.get_by_role("link", name="Congés").wait_for()
    assert button.get_attribute("aria-expanded") == "true"
    inner = browser.get_by_role("button", name="Pages sous Télétravail")
    assert inner.get_attribute("aria-expanded") == "false"
    inner.focus()
    browser.keyboard.press("Space")
    browser.get_by_role("link", name="Charte").wait_for()
    axe = Path(axe_playwright_python.__file__).with_name("axe.min.js").read_text()
    browser.evaluate(axe)
    violations = browser.evaluate(RUN_AXE, AXE_TAGS)
    assert not violations, describe(violations)
    assert not [s for s in small_targets(browser) if "page-tree-toggle" in s]
    button.focus()
    browser.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "false"
    assert browser.get_by_role("link", name="Congés").is_hidden()
