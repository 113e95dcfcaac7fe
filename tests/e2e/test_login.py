from typing import Any

from tests.factories import PASSWORD, make_user
from tests.helpers.browser import log_in


def test_a_person_logs_in_with_username_and_reaches_home(page: Any, transactional_db: Any) -> None:
    make_user(username="helene.dupont", first_name="Hélène", last_name="Dupont")
    log_in(page, "helene.dupont", PASSWORD)
    assert page.locator("h1").inner_text().startswith(("Bienvenue", "Welcome"))
    assert "Hélène" in page.locator("h1").inner_text()
