"""Browser: switch the language with the sign-in page's footer, log in, switch it in the settings,
log out."""

from __future__ import annotations

from typing import Any

from cercle.accounts.models import User
from tests.factories import PASSWORD, make_user
from tests.helpers.browser import quiet_websocket


def choose_language(page: Any, code: str) -> None:
    with page.expect_navigation():
        page.select_option("#language-select", code)  # the footer form submits itself
    page.wait_for_load_state()


def test_log_in_switch_language_and_back_then_log_out(page: Any, transactional_db: Any) -> None:
    user = make_user(username="claire.martin", first_name="Claire", last_name="Martin")
    quiet_websocket(page)

    page.goto("/accounts/login/?next=/settings/")
    assert page.locator("html").get_attribute("lang") == "fr"
    # Signed out, the footer offers the language.
    choose_language(page, "en")
    assert page.locator("html").get_attribute("lang") == "en"
    choose_language(page, "fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "next=/settings/" in page.url
    # A string allauth translates itself: the sign-in button.
    submit = page.locator("form[action*='login'] [type=submit]").first
    assert submit.inner_text().strip() == "Connexion"
    page.get_by_label("Identifiant").fill("claire.martin")
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        submit.click()
    assert page.url.endswith("/settings/")
    # Signed in, the language is a setting (no footer selector on every page).
    assert page.locator("#language-select").count() == 0
    page.get_by_label("Langue").select_option("en")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer").click()
    assert page.locator("html").get_attribute("lang") == "en"
    user.refresh_from_db()
    assert user.language == "en"  # the switch is also the saved preference
    page.goto("/accounts/logout/")
    assert page.locator("h1").inner_text().strip() == "Sign Out"

    page.goto("/settings/")
    page.get_by_label("Language").select_option("fr")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    page.goto("/accounts/logout/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("h1").inner_text().strip() == "Se déconnecter"
    assert User.objects.get(pk=user.pk).language == "fr"

    with page.expect_navigation():
        page.locator("main form[action*='logout'] [type=submit]").click()
    assert "/accounts/login/" in page.url
    assert page.locator("form[action*='login'] [type=submit]").first.inner_text().strip() == (
        "Connexion"
    )
    # Signed out: a page that needs a person sends back to the login page.
    page.goto("/settings/")
    assert "/accounts/login/" in page.url
