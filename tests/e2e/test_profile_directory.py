"""In a browser: edit one's profile with a photo, add a skill, a colleague finds the person by an
unaccented search and endorses the skill (htmx), and the pages fit a 360 px screen."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from cercle.accounts.models import Profile, UserSkill
from tests.factories import PASSWORD, make_department, make_user
from tests.helpers.browser import log_in


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def _quiet(page: Any) -> Any:
    """Leave out other modules' background requests (the realtime socket, the bell's polling):
    the live server's shared in-memory SQLite database answers "table is locked" when they
    run at the same moment as a page's own writes."""
    page.route("**/notifications/**", lambda route: route.abort())
    page.route("**/ws/**", lambda route: route.abort())
    page.route_web_socket("**/ws/**", lambda ws: ws.close())
    return page


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_edit_profile_add_skill_then_a_colleague_finds_and_endorses(
    new_page: Any, transactional_db: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    finance = make_department("Finance")
    make_user(username="helene", first_name="Hélène", last_name="Dupont")
    make_user(username="paul", first_name="Paul", last_name="Martin")

    # Hélène edits her profile on a phone-sized screen.
    page = _quiet(new_page(width=360, height=740))
    log_in(page, "helene", PASSWORD)
    page.goto("/people/helene/edit/")
    assert _fits(page)
    page.fill("input[name=job_title]", "Contrôleuse de gestion")
    page.select_option("select[name=department]", str(finance.pk))
    page.fill("input[name=ask_me_about]", "IFRS, clôture")
    page.fill("textarea[name=bio]", "J'aime les **tableaux**.")
    page.set_input_files(
        "input[name=photo]", files=[{"name": "moi.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.locator("form.profile-form button[type=submit]").click()
    page.wait_for_url("**/people/helene/")
    assert "Contrôleuse de gestion" in page.inner_text("main")
    assert page.locator("main .profile-head img.avatar").count() == 1
    assert page.locator(".prose strong").inner_text() == "tableaux"

    # She adds a skill.
    page.fill("form.skill-add input[name=name]", "Comptabilité")
    page.select_option("form.skill-add select[name=level]", "4")
    page.locator("form.skill-add button[type=submit]").click()
    page.wait_for_url("**/people/helene/")
    assert page.locator(".skills .skill-name").inner_text() == "Comptabilité"
    assert _fits(page)

    # Paul finds her without typing the accents, and endorses her skill.
    colleague = _quiet(new_page(width=360, height=740))
    log_in(colleague, "paul", PASSWORD)
    colleague.goto("/people/")
    # On a phone the search form is folded: the results come first.
    assert not colleague.locator("#directory-q").is_visible()
    colleague.locator("#directory-filters > summary").click()
    colleague.fill("#directory-q", "helene comptabilite")
    colleague.locator("form.filters button[type=submit]").click()
    colleague.wait_for_url("**/people/?*")
    result = colleague.locator(".people-list .person-name")
    assert result.count() == 1
    assert result.inner_text() == "Hélène Dupont"
    assert _fits(colleague)
    result.click()
    colleague.wait_for_url("**/people/helene/")
    colleague.locator(".skills button[name=endorse]").click()
    colleague.locator(".skills button[name=withdraw]").wait_for()
    assert "1" in colleague.locator(".skills .endorsement-count").inner_text()
    # The change survives a reload (it was not only drawn by htmx).
    colleague.reload()
    assert colleague.locator(".skills button[name=withdraw]").count() == 1

    # The database, read once the browsers are idle (the live server shares its connection).
    page.wait_for_load_state("networkidle")
    colleague.wait_for_load_state("networkidle")
    profile = Profile.objects.get(user__username="helene")
    assert profile.photo and profile.department == finance
    assert UserSkill.objects.get(user__username="helene").endorsement_count == 1


def test_directory_on_a_phone_shows_results_first_and_on_a_desktop_the_open_form(
    new_page: Any, transactional_db: Any
) -> None:
    make_user(username="viewer", first_name="Vera", last_name="Viewer")
    for i in range(12):
        make_user(first_name="Consultant", last_name=f"N{i}", job_title="Consultant SAP")
    phone = _quiet(new_page(width=360, height=740))
    log_in(phone, "viewer", PASSWORD)
    phone.goto("/people/?q=sap")
    assert phone.locator("main .results-count").inner_text() == "12 personnes"
    assert not phone.locator("#directory-q").is_visible()
    first = phone.locator(".people-list .person-card").first.bounding_box()
    assert first is not None and first["y"] + 40 < 740  # on the first screen
    summary = phone.locator("#directory-filters > summary").bounding_box()
    assert summary is not None and summary["height"] >= 44  # a tap target
    assert _fits(phone)

    desktop = _quiet(new_page(width=1366, height=800))
    log_in(desktop, "viewer", PASSWORD)
    desktop.goto("/people/?q=sap")
    desktop.wait_for_function("() => document.querySelector('#directory-filters').open")
    assert desktop.locator("#directory-q").is_visible()
    assert desktop.locator("#directory-q").input_value() == "sap"
