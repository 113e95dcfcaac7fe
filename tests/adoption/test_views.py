"""/manage/adoption/ and its CSV: for administrators and the communication/HR team only, read
from the figures, the rules written on the page; the French CSV opens in Excel as it is. Coming
counts: signing in records the day (a page's live connection: test_socket.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cercle.accounts.models import Department, Role
from cercle.adoption.actions import aggregate_day, record_active_day
from cercle.adoption.models import ActiveDay
from tests.factories import PASSWORD, make_department, make_user
from tests.helpers.clients import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def aggregated() -> None:
    team = make_department("Support")
    people = [make_user(first_name=f"P{n}", department=team) for n in range(6)]
    today = timezone.localdate()
    for n, person in enumerate(people[:4]):
        record_active_day(person.pk, today - timedelta(days=n))
    for n in range(4):
        aggregate_day(today - timedelta(days=n))


def test_members_may_not_open_the_figures(aggregated: None) -> None:
    member = client_for(make_user())
    assert member.get("/manage/adoption/").status_code == 403
    assert member.get("/manage/adoption/figures.csv").status_code == 403


@pytest.mark.parametrize("role", [Role.ADMIN, Role.STAFF])
def test_admins_and_the_communication_team_see_the_figures(aggregated: None, role: str) -> None:
    page = client_for(make_user(role=role)).get("/manage/adoption/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Support" in html  # a department of 6 is shown
    assert "4 / " in html  # active in the last 30 days, of everyone
    assert "<svg" in html and 'role="img"' in html
    # The rules are on the page itself.
    assert "moins de 5 personnes" in html


def test_an_unknown_period_falls_back_to_30_days(aggregated: None) -> None:
    page = client_for(make_user(role=Role.ADMIN)).get("/manage/adoption/?period=abc")
    assert page.status_code == 200
    assert page.context["period"] == 30
    page = client_for(make_user(role=Role.ADMIN)).get("/manage/adoption/?period=7777")
    assert page.context["period"] == 30


def test_the_figures_are_drawn_once_per_aggregation(
    aggregated: None,
) -> None:
    """The page's figures are computed and drawn at the first read after an aggregation; the
    next reads take them from the cache, until the next aggregation changes them."""
    admin = client_for(make_user(role=Role.ADMIN))
    first = admin.get("/manage/adoption/?period=90")
    with CaptureQueriesContext(connection) as again:
        second = admin.get("/manage/adoption/?period=90")
    assert not any("SUM(" in q["sql"] for q in again.captured_queries)
    assert first.context["board_html"] == second.context["board_html"]
    # A newcomer active today, and the hourly aggregation: the page shows them at once.
    record_active_day(make_user(department=Department.objects.get(name="Support")).pk)
    aggregate_day(timezone.localdate())
    third = admin.get("/manage/adoption/?period=90")
    assert third.context["board_html"] != second.context["board_html"]
    # The newcomer and the administrator reading the page (their sign-in) came today.
    assert "<dd>4 / 6</dd>" in second.content.decode()
    assert "<dd>6 / 8</dd>" in third.content.decode()


def test_the_french_csv_opens_in_excel(aggregated: None) -> None:
    response = client_for(make_user(role=Role.ADMIN)).get("/manage/adoption/figures.csv?period=90")
    assert response.status_code == 200
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    lines = body.lstrip("\ufeff").splitlines()
    assert lines[0].split(";")[:3] == ["Jour", "Personnes", "Actifs ce jour-là"]
    assert len(lines) == 1 + 90
    assert lines[-1].split(";")[2] == "1"  # today: one person came


def test_the_english_csv_uses_commas(aggregated: None) -> None:
    admin = make_user(role=Role.ADMIN)
    admin.language = "en"
    admin.save()
    response = client_for(admin).get("/manage/adoption/figures.csv", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode("utf-8")
    assert not body.startswith("\ufeff")
    assert body.splitlines()[0].startswith("Day,People,")


def test_signing_in_counts_as_coming() -> None:
    person = make_user()
    response = Client().post("/accounts/login/", {"login": person.username, "password": PASSWORD})
    assert response.status_code == 302
    assert ActiveDay.objects.filter(user=person, day=timezone.localdate()).exists()
