"""An admin imports a CSV with one bad row, reads the report, imports the valid rows."""

from __future__ import annotations

from typing import Any

from cercle.accounts.actions import people
from cercle.accounts.models import Role
from tests.factories import PASSWORD, make_admin, make_department, make_user
from tests.helpers.browser import log_in

CSV = (
    "email;first_name;last_name;department;job_title\n"
    "anne.leroy@example.org;Anne;Leroy;Finance;Comptable\n"
    "pas-une-adresse;Bruno;Petit;Finance;Juriste\n"
    "carla.moreau@example.org;Carla;Moreau;Finance;Acheteuse\n"
)


def test_admin_imports_the_valid_rows_of_a_csv(new_page: Any, transactional_db: Any) -> None:
    make_admin(username="dsi", first_name="Ada", last_name="Admin")
    make_department("Finance")
    page = new_page(locale="en-US")
    log_in(page, "dsi", PASSWORD)
    page.goto("/manage/people/")
    page.get_by_role("link", name="Import from CSV").click()
    page.get_by_label("CSV file").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.get_by_role("button", name="Check and import").click()

    report = page.locator("table.import-report")
    report.wait_for()
    assert "1 invalid row" in page.locator("#report-title").inner_text()
    first_row = report.locator("tbody tr").first
    assert first_row.locator("td").nth(0).inner_text() == "3"
    assert first_row.locator("td").nth(1).inner_text() == "email"
    assert "Not a valid email address" in first_row.inner_text()
    assert "Nothing has been imported." in page.content()

    page.get_by_role("button", name="Import the 2 valid rows only").click()
    page.get_by_text("2 people imported.").wait_for()
    page.get_by_role("link", name="See the people invited").click()
    table = page.locator("table.people-table")
    table.wait_for()
    text = table.inner_text()
    assert "Anne Leroy" in text and "Carla Moreau" in text
    assert "Bruno" not in text
    assert "Invitation sent" in text


def test_admin_pages_fit_a_phone(new_page: Any, transactional_db: Any) -> None:
    admin = make_admin(username="dsi")
    finance = make_department("Direction administrative et financière")
    for n in range(3):
        person = make_user(
            first_name="Marie-Charlotte",
            last_name=f"de La Rochefoucauld-Montmorency {n}",
            job_title="Responsable de la comptabilité fournisseurs",
            department=finance,
        )
        people.set_role(actor=admin, person=person, role=Role.STAFF)
    page = new_page(locale="en-US", width=360, height=740)
    log_in(page, "dsi", PASSWORD)
    for path in (
        "/manage/people/",
        "/manage/people/invite/",
        "/manage/people/import/",
        "/manage/departments/",
        "/manage/organisation/",
        "/manage/audit/",
    ):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
