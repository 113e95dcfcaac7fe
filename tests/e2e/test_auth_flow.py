"""Browser: log in through the page, switch the language with the footer and back, log out."""

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
    # A string allauth translates itself: the sign-in button.
    submit = page.locator("form[action*='login'] [type=submit]").first
    assert submit.inner_text().strip() == "Connexion"
    page.get_by_label("Identifiant").fill("claire.martin")
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        submit.click()
    assert page.url.endswith("/settings/")
    assert page.locator("#language-select").count() == 1

    choose_language(page, "en")
    assert page.locator("html").get_attribute("lang") == "en"
    user.refresh_from_db()
    assert user.language == "en"  # the switch is also the saved preference
    page.goto("/accounts/logout/")
    assert page.locator("h1").inner_text().strip() == "Sign Out"

    choose_language(page, "fr")
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
