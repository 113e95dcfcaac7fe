"""Browser: the main navigation and the notification bell on a 360 px phone (French, the longer
labels) and on a desktop screen; account pages' alignment; the people list's deactivation
confirmation."""

from __future__ import annotations

from typing import Any

from tests.factories import PASSWORD, make_admin, make_user
from tests.helpers.browser import log_in

PAGES = ["/", "/people/", "/spaces/", "/messages/", "/notifications/", "/settings/security/"]

NAV_FITS = """() => {
  const nav = document.querySelector("nav.mainnav");
  const list = nav.querySelector("ul");
  // The links shown (those of the phone bar's closed "More" menu, or of another width, are not).
  const links = [...nav.querySelectorAll("a")].filter((a) => a.getClientRects().length).map((a) => {
    const box = a.getBoundingClientRect();
    return {text: a.innerText.trim(), left: box.left, right: box.right, top: box.top,
            clipped: a.scrollWidth > a.clientWidth + 1};
  });
  return {listScroll: list.scrollWidth - list.clientWidth,
          navScroll: nav.scrollWidth - nav.clientWidth,
          page: document.documentElement.scrollWidth, width: window.innerWidth, links};
}"""


def test_phone_navigation_shows_every_destination_and_the_bell(
    new_page: Any, transactional_db: Any
) -> None:
    make_user(username="lea", first_name="Léa", last_name="Fontaine-Berthier")
    phone = new_page(locale="fr-FR", width=360, height=740)
    log_in(phone, "lea", PASSWORD)
    for path in PAGES:
        phone.goto(path)
        facts = phone.evaluate(NAV_FITS)
        assert facts["page"] <= facts["width"], (path, facts)
        assert facts["listScroll"] <= 0 and facts["navScroll"] <= 0, (path, facts)
        texts = [link["text"] for link in facts["links"]]
        assert texts[:3] == ["Accueil", "Personnes", "Espaces"], (path, texts)
        assert texts[3].startswith("Messages"), (path, texts)
        for link in facts["links"]:
            assert link["left"] >= 0 and link["right"] <= facts["width"], (path, link)
            assert not link["clipped"], (path, link)
    # The bar ends with "Plus" (More), a disclosure: by keyboard it opens the other destinations,
    # each a 44 px target, and Escape closes it with the focus back on its toggle.
    phone.goto("/people/")
    more = phone.locator("nav.mainnav summary.nav-more-toggle")
    box = more.bounding_box()
    assert more.inner_text().strip() == "Plus" and box is not None
    assert box["height"] >= 44 and box["width"] >= 44 and box["x"] + box["width"] <= 360
    more.focus()
    phone.keyboard.press("Enter")
    menu = phone.locator("nav.mainnav .nav-more-menu")
    assert menu.is_visible()
    labels = [text.strip() for text in menu.locator("a").all_inner_texts()]
    assert labels == ["Intranet", "Actualités", "Agenda"], labels
    for link in menu.locator("a").all():
        found = link.bounding_box()
        assert found is not None and found["height"] >= 44, found
        assert found["x"] >= 0 and found["x"] + found["width"] <= 360, found
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.innerText.trim()") == "Intranet"
    phone.keyboard.press("Escape")
    assert not menu.is_visible()
    assert phone.evaluate("document.activeElement.classList.contains('nav-more-toggle')")
    more.click()
    menu.get_by_role("link", name="Agenda").click()
    phone.wait_for_url("**/agenda/")
    assert "nav-more-current" in (more.get_attribute("class") or "")
    # The current page is marked for screen readers.
    nav = phone.get_by_role("navigation", name="Navigation principale")
    phone.goto("/spaces/")
    assert nav.get_by_role("link", name="Espaces").get_attribute("aria-current") == "page"
    # Notifications: one tap on the bell, which has a name (not an emoji).
    phone.goto("/people/")
    # htmx replaces the bell's link with the fresh count once loaded: measure after that swap
    # (a link swapped out while being measured has no box).
    phone.wait_for_load_state("networkidle")
    bell = phone.get_by_role("link", name="Notifications")
    box = None
    for _ in range(40):
        box = bell.bounding_box()
        if box is not None:
            break
        phone.wait_for_timeout(50)
    assert box is not None and box["x"] + box["width"] <= 360 and box["height"] >= 40
    assert phone.locator("#notification-bell svg").is_visible()
    bell.click()
    phone.wait_for_url("**/notifications/")
    # Keyboard: after the skip link and the top bar, Tab reaches the navigation's links.
    phone.goto("/")
    for _ in range(12):
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.closest('nav.mainnav') !== null"):
            break
    assert phone.evaluate("document.activeElement.innerText.trim()") == "Accueil"


def test_desktop_navigation_stays_one_row_without_icons(
    new_page: Any, transactional_db: Any
) -> None:
    make_user(username="max")
    page = new_page(locale="fr-FR", width=1280, height=800)
    log_in(page, "max", PASSWORD)
    page.goto("/people/")
    facts = page.evaluate(NAV_FITS)
    tops = {round(link["top"]) for link in facts["links"]}
    assert len(tops) == 1, facts
    icon = page.evaluate(
        "getComputedStyle(document.querySelector('.mainnav a'), '::before').content"
    )
    assert icon in ("none", "normal"), icon
    # Account pages: the heading, its texts and the forms or cards share one left edge.
    for path, below in (
        ("/settings/security/", "main > section.card"),
        ("/accounts/reauthenticate/", "main form"),
    ):
        page.goto(path)
        edges = page.evaluate(
            """(below) => [document.querySelector("main > h1"), document.querySelector("main > p"),
                 document.querySelector(below)].filter(Boolean)
                 .map((el) => Math.round(el.getBoundingClientRect().left))""",
            below,
        )
        assert len(edges) >= 2 and len(set(edges)) == 1, (path, edges)


def test_deactivating_from_the_people_list_asks_first_and_can_be_undone(
    new_page: Any, transactional_db: Any
) -> None:
    make_admin(username="dsi")
    make_user(username="zoe", first_name="Zoé", last_name="Roux")
    page = new_page(locale="en-US", width=360, height=740)
    log_in(page, "dsi", PASSWORD)
    page.goto("/manage/people/?q=Roux")
    page.get_by_role("link", name="Deactivate Zoé Roux").click()
    page.get_by_role("heading", name="Deactivate Zoé Roux?").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Deactivate Zoé Roux").click()
    page.get_by_text("Zoé Roux is deactivated.").wait_for()
    assert "q=Roux" in page.url
    page.locator(".message").get_by_role("button", name="Reactivate").click()
    page.get_by_text("Zoé Roux is active again.").wait_for()


def test_space_invitations_suggest_people_and_name_the_unknown_ones(
    new_page: Any, transactional_db: Any
) -> None:
    from tests.factories import make_space

    owner = make_user(username="olga")
    make_user(username="camille.martin", first_name="Camille", last_name="Martin")
    space = make_space(owner=owner, name="Projet Jardin", kind="private")
    page = new_page(locale="en-US", width=360, height=740)
    log_in(page, "olga", PASSWORD)
    page.goto(f"/spaces/{space.slug}/members/")
    field = page.get_by_label("People")
    field.press_sequentially("cami", delay=30)
    option = page.get_by_role("option", name="Camille Martin (@camille.martin)")
    option.wait_for()
    field.press("Enter")
    assert field.input_value() == "camille.martin, "
    field.press_sequentially("inconnu.xyz")
    page.get_by_role("button", name="Invite", exact=True).click()
    page.get_by_text("1 invitation sent.").wait_for()
    assert "Nobody found for: inconnu.xyz." in page.locator("main").inner_text()
    assert field.input_value() == "inconnu.xyz"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_space_notification_level_control_is_compact(
    new_page: Any, transactional_db: Any
) -> None:
    from tests.factories import make_space

    owner = make_user(username="paul")
    space = make_space(owner=owner, name="Atelier")
    for width in (1280, 360):
        page = new_page(locale="fr-FR", width=width, height=800)
        log_in(page, "paul", PASSWORD)
        response = page.goto(f"/spaces/{space.slug}/")
        assert response is not None and response.status == 200, (page.url, response)
        facts = page.evaluate(
            """() => {
              const header = document.querySelector(".space-header").getBoundingClientRect();
              const select = document.querySelector("#space-level").getBoundingClientRect();
              const button = document.querySelector(".space-level button").getBoundingClientRect();
              const label = document.querySelector(".space-level label").getBoundingClientRect();
              return {header: header.width, select: select.width, selectTop: select.top,
                      buttonTop: button.top, buttonRight: button.right, labelLeft: label.left,
                      headerLeft: header.left, page: document.documentElement.scrollWidth};
            }"""
        )
        assert facts["page"] <= width, facts
        assert facts["select"] < facts["header"] * 0.75, facts
        assert abs(facts["selectTop"] - facts["buttonTop"]) < 8, facts  # on one row
        assert facts["buttonRight"] <= facts["headerLeft"] + facts["header"], facts
