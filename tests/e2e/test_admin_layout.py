"""Browser: the audit log fits 1366 px without cutting a column and stacks at 360 px; the role
menu shows its longest label whole (issue 17)."""

from __future__ import annotations

from typing import Any

from cercle.accounts.actions import people
from cercle.accounts.models import Role
from cercle.audit.actions import log_event
from tests.factories import PASSWORD, make_admin, make_department, make_user
from tests.helpers.browser import log_in


def _long_entries(admin: Any) -> None:
    department = make_department("Direction administrative, financière et des achats groupés")
    for n in range(4):
        person = make_user(
            first_name="Marie-Charlotte",
            last_name=f"de La Rochefoucauld-Montmorency {n}",
            email=f"marie-charlotte.de-la-rochefoucauld-montmorency-{n}@filiale.example.org",
            department=department,
        )
        people.set_role(actor=admin, person=person, role=Role.STAFF)
        log_event(
            actor=person,
            action="auth.login",
            target=person,
            ip_address="2001:db8:85a3:1234:5678:8a2e:370:7334",
            extra={"method": "ModelBackend"},
        )
        log_event(
            actor=admin,
            action="feed.post_deleted",
            target=department,
            old={"body": "**Nouvelle mutuelle** : " + "garanties renforcées " * 20},
        )


def test_the_audit_log_fits_1366_px_and_stacks_on_a_phone(
    new_page: Any, transactional_db: Any
) -> None:
    admin = make_admin(username="dsi", first_name="Agnès", last_name="Martin")
    _long_entries(admin)
    page = new_page(locale="fr-FR", width=1366, height=900)
    page.set_default_timeout(30_000)  # a shared, busy machine
    log_in(page, "dsi", PASSWORD)
    page.goto("/manage/audit/")
    table = page.locator("table.audit-table")
    table.wait_for()
    # No column is cut: the table is no wider than its box, and nothing scrolls sideways.
    sizes = page.evaluate(
        """() => {
          const table = document.querySelector('table.audit-table');
          const wrap = table.parentElement;
          return {table: table.scrollWidth, wrap: wrap.clientWidth,
                  page: document.documentElement.scrollWidth,
                  cells: [...table.querySelectorAll('td')].filter(
                      td => td.scrollWidth > td.clientWidth + 1).length};
        }"""
    )
    assert sizes["table"] <= sizes["wrap"], sizes
    assert sizes["page"] <= 1366, sizes
    assert sizes["cells"] == 0, sizes
    text = table.inner_text()
    assert "Connexion par mot de passe" in text
    assert "Profil de « Marie-Charlotte de La Rochefoucauld-Montmorency 0 »" in text
    assert "ModelBackend" not in text and "accounts.user" not in text
    assert "Nouvelle mutuelle : garanties" in text and "**" not in text

    phone = new_page(locale="fr-FR", width=360, height=740)
    phone.set_default_timeout(30_000)
    log_in(phone, "dsi", PASSWORD)
    phone.goto("/manage/audit/")
    phone.locator("table.audit-table").wait_for()
    layout = phone.evaluate(
        """() => ({page: document.documentElement.scrollWidth,
                   row: getComputedStyle(
                       document.querySelector('.audit-table tbody tr')).display})"""
    )
    assert layout["page"] <= 360, layout
    assert layout["row"] == "block", layout  # each entry is a stacked card


def test_the_role_menu_shows_its_longest_label_whole(new_page: Any, transactional_db: Any) -> None:
    admin = make_admin(username="dsi")
    person = make_user(first_name="Léa", last_name="Fontaine")
    people.set_role(actor=admin, person=person, role=Role.STAFF)
    for width, height in ((360, 740), (1366, 900)):
        page = new_page(locale="fr-FR", width=width, height=height)
        page.set_default_timeout(30_000)
        log_in(page, "dsi", PASSWORD)
        page.goto("/manage/people/")
        select = page.locator(f"#role-{person.pk}")
        select.wait_for()
        fits = select.evaluate(
            """(select) => {
              const style = getComputedStyle(select);
              const canvas = document.createElement('canvas').getContext('2d');
              canvas.font = style.font;
              const label = select.options[select.selectedIndex].text;
              const text = canvas.measureText(label).width;
              const room = select.clientWidth - parseFloat(style.paddingLeft)
                           - parseFloat(style.paddingRight) - 16;  // the arrow
              return {label, text, room};
            }"""
        )
        assert fits["label"] == "Équipe communication/RH"
        assert fits["text"] <= fits["room"], (width, fits)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
