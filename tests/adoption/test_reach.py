"""Announcements' reach and confirmation rates in the adoption figures (registered by the
announcements module: `cercle.announcements.adoption`): figures against receipts counted by
hand, per department and site with the small-group rule, stored on the day of publication and
kept up to date as people see the announcement later; the dashboard and CSV show them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from cercle.accounts.models import Role
from cercle.adoption.actions import aggregate_day
from cercle.adoption.models import DailyFigure
from cercle.adoption.queries import csv_rows, dashboard
from cercle.announcements import actions as announcement_actions
from cercle.announcements.models import Announcement
from cercle.spaces import queries as space_queries
from tests.factories import make_department, make_guest, make_post, make_site, make_user
from tests.helpers.clients import client_for

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 10)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def figures(day: date = DAY) -> dict[tuple[str, str], int]:
    return {
        (f.metric, f.group): f.value
        for f in DailyFigure.objects.filter(day=day, metric__startswith="announcements.")
    }


@pytest.fixture
def announced() -> dict[str, object]:
    """Sales: 6 people at Lyon; Legal: 3 and the staff announcer; 2 with no department (one at
    Lyon); a guest. A, for everyone, seen by 3 sellers and a lawyer (and the guest, who is not
    targeted); B, for Sales, asks for confirmation: 4 sellers confirm."""
    sales, legal, lyon = make_department("Sales"), make_department("Legal"), make_site("Lyon")
    sellers = [make_user(first_name=f"S{n}", department=sales, site=lyon) for n in range(6)]
    lawyers = [make_user(first_name=f"L{n}", department=legal) for n in range(3)]
    others = [make_user(first_name="N0", site=lyon), make_user(first_name="N1")]
    guest = make_guest()
    staff = make_user(role=Role.STAFF, department=legal)
    org = space_queries.organisation_space()
    everyone = announcement_actions.announce(actor=staff, post=make_post(author=staff, space=org))
    to_sales = announcement_actions.announce(
        actor=staff,
        post=make_post(author=staff, space=org),
        departments=[sales],
        requires_ack=True,
    )
    Announcement.objects.update(created_at=at(DAY))
    for person in (*sellers[:3], lawyers[0], guest):
        announcement_actions.dismiss_announcement(actor=person, announcement=everyone)
    for person in sellers[:4]:
        announcement_actions.acknowledge(actor=person, announcement=to_sales)
    return {
        "sales": sales,
        "lyon": lyon,
        "sellers": sellers,
        "lawyers": lawyers,
        "others": others,
        "everyone": everyone,
        "to_sales": to_sales,
    }


def test_reach_figures_match_the_receipts_counted_by_hand(announced: dict[str, Any]) -> None:
    aggregate_day(DAY)
    got = figures()
    sales, lyon = announced["sales"], announced["lyon"]
    # The organisation: A targets the 12 people who are not guests, B the 6 sellers.
    assert got[("announcements.targeted", "")] == 12 + 6
    assert got[("announcements.seen", "")] == 4 + 4  # the guest's dismissal is not counted
    assert got[("announcements.asked", "")] == 6
    assert got[("announcements.confirmed", "")] == 4
    # Sales on its own; Legal (4 with the announcer), no department and the guest: "other".
    assert got[("announcements.targeted", f"department:{sales.pk}")] == 6 + 6
    assert got[("announcements.seen", f"department:{sales.pk}")] == 3 + 4
    assert got[("announcements.confirmed", f"department:{sales.pk}")] == 4
    assert got[("announcements.targeted", "department:other")] == 6
    assert got[("announcements.seen", "department:other")] == 1
    assert ("announcements.asked", "department:other") not in got
    # Lyon: the sellers and N0; the others merged.
    assert got[("announcements.targeted", f"site:{lyon.pk}")] == 7 + 6
    assert got[("announcements.seen", f"site:{lyon.pk}")] == 7
    assert got[("announcements.targeted", "site:other")] == 5
    # Being targeted is not being active, and announcements make no space's activity.
    assert not DailyFigure.objects.filter(day=DAY, kind="space").exists()
    assert not DailyFigure.objects.filter(day=DAY, metric="active_1d").exists()


def test_a_day_s_reach_is_brought_up_to_date_later(announced: dict[str, Any]) -> None:
    aggregate_day(DAY)
    assert figures()[("announcements.seen", "")] == 8
    # Two days later, another lawyer dismisses A; the aggregation of that day updates DAY's.
    announcement_actions.dismiss_announcement(
        actor=announced["lawyers"][1], announcement=announced["everyone"]
    )
    aggregate_day(DAY + timedelta(days=2))
    assert figures()[("announcements.seen", "")] == 9
    assert figures()[("announcements.seen", "department:other")] == 2
    # Nothing was published on the later day; running either day again changes nothing.
    assert figures(DAY + timedelta(days=2)) == {}
    once = figures()
    aggregate_day(DAY)
    aggregate_day(DAY + timedelta(days=2))
    assert figures() == once
    # Past the 30 days, a day's reach is no longer recomputed.
    announcement_actions.dismiss_announcement(
        actor=announced["lawyers"][2], announcement=announced["everyone"]
    )
    aggregate_day(DAY + timedelta(days=31))
    assert figures() == once


def test_the_dashboard_shows_rates_under_the_small_group_rule(announced: dict[str, Any]) -> None:
    aggregate_day(DAY)
    with translation.override("en"):
        board = dashboard(30)
    table = next(table for table in board.reach if table.key == "announcements")
    assert table.rate_labels == ["Seen", "Confirmed"]
    seen, confirmed = table.organisation.rates
    assert (seen.part, seen.whole, seen.share) == (8, 18, 44)
    assert (confirmed.part, confirmed.whole, confirmed.share) == (4, 6, 67)
    by_name = {group.name: group.rates for group in table.departments}
    assert set(by_name) == {"Sales", "Other"}
    assert by_name["Sales"][0].share == 58  # 7 of 12
    assert by_name["Other"][0].share == 17  # 1 of 6
    # Nobody in "other" was asked to confirm: no rate (fewer than 5 concerned).
    assert by_name["Other"][1].share is None
    assert [group.name for group in table.sites] == ["Lyon", "Other"]
    # The CSV has the organisation's figures of each day.
    rows = csv_rows(board)
    first = rows[0].index("Announcements published in the period: People targeted")
    assert rows[0][first : first + 4] == [
        "Announcements published in the period: People targeted",
        "Announcements published in the period: Seen",
        "Announcements published in the period: Asked to confirm",
        "Announcements published in the period: Confirmed",
    ]
    assert rows[-1][first : first + 4] == [18, 8, 6, 4]


def test_the_page_shows_the_rates(announced: dict[str, Any]) -> None:
    aggregate_day(DAY)
    page = client_for(make_user(role=Role.ADMIN)).get("/manage/adoption/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Annonces publiées sur la période" in html
    assert "44 % (8 / 18)" in html
    assert "Service : Sales" in html  # French punctuation
    # Nobody arrived in the period: the newcomers' section says so instead of empty rates.
    assert "Nouveaux arrivants de la période" in html and "Aucun sur la période." in html
    assert "chart-bars" in html
