"""The daily aggregation of the adoption figures (`cercle.adoption.actions.aggregate_day`):
figures against hand-counted activity, the small-group rule, windows of 1, 7 and 30 days,
re-running a day, and the dashboard read from the figures at a fixed cost."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cercle.adoption.actions import aggregate_day, record_active_day
from cercle.adoption.models import ActiveDay, DailyFigure
from cercle.adoption.queries import dashboard
from cercle.chat.models import Message
from cercle.feed.actions import add_comment, react
from cercle.feed.models import Comment, Post, Reaction
from tests.factories import (
    make_department,
    make_direct,
    make_message,
    make_post,
    make_site,
    make_space,
    make_user,
)

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 10)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def figures(day: date = DAY) -> dict[tuple[str, str], int]:
    return {(f.metric, f.group): f.value for f in DailyFigure.objects.filter(day=day)}


@pytest.fixture
def organisation() -> dict[str, object]:
    """Sales: 6 people; Legal: 3 (under the minimum); 2 with no department; one site of 7."""
    sales, legal = make_department("Sales"), make_department("Legal")
    lyon = make_site("Lyon")
    people = {
        "sales": [make_user(first_name=f"S{n}", department=sales, site=lyon) for n in range(6)],
        "legal": [make_user(first_name=f"L{n}", department=legal) for n in range(3)],
        "none": [make_user(first_name=f"N{n}", site=lyon if n == 0 else None) for n in range(2)],
    }
    return {"sales": sales, "legal": legal, "lyon": lyon, "people": people}


def test_figures_match_the_activity_counted_by_hand(organisation: dict) -> None:
    people = organisation["people"]
    seller, other_seller, lawyer = people["sales"][0], people["sales"][1], people["legal"][0]
    space = make_space(owner=seller, members=tuple(people["sales"][1:]))
    # On the day: seller posts twice (once in the space), comments once; another seller reacts;
    # a lawyer sends two messages. The day before, someone else posts (not counted).
    first = make_post(author=seller, space=space)
    make_post(author=seller)
    add_comment(actor=other_seller, post=first, body="Bravo")
    react(actor=other_seller, post=first, kind="like")
    conversation = make_direct(lawyer, seller)
    make_message(lawyer, conversation)
    make_message(lawyer, conversation, body="Encore")
    earlier = make_post(author=people["none"][0])
    Post.objects.update(created_at=at(DAY))
    Post.objects.filter(pk=earlier.pk).update(created_at=at(DAY - timedelta(days=1)))
    Comment.objects.update(created_at=at(DAY, 11))
    Reaction.objects.update(created_at=at(DAY, 12))
    Message.objects.update(created_at=at(DAY, 13))
    # Someone who only opened Cercle that day (no activity): active, counted nowhere else.
    record_active_day(people["none"][1].pk, DAY)

    aggregate_day(DAY)
    got = figures()
    sales, lyon = organisation["sales"], organisation["lyon"]
    headcount = len(people["sales"]) + len(people["legal"]) + len(people["none"])
    # The organisation (the space's owner is `seller`: make_space added no one else).
    assert got[("people", "")] == headcount
    assert got[("posts", "")] == 2
    assert got[("comments", "")] == 1
    assert got[("reactions", "")] == 1
    assert got[("messages", "")] == 2
    # Active: seller, other_seller, lawyer (did something), and the one who only came.
    assert got[("active_1d", "")] == 4
    # Sales on its own; Legal (3) and no department (2) merged into "other" (5 people).
    assert got[("people", f"department:{sales.pk}")] == 6
    assert got[("posts", f"department:{sales.pk}")] == 2
    assert got[("active_1d", f"department:{sales.pk}")] == 2
    assert got[("people", "department:other")] == 5
    assert got[("messages", "department:other")] == 2
    assert ("people", f"department:{organisation['legal'].pk}") not in got
    # Lyon has 7 people; the other 4 are "other" on the site side.
    assert got[("people", f"site:{lyon.pk}")] == 7
    assert got[("people", "site:other")] == 4
    # The space: one post, one comment, one reaction.
    assert got[("posts", f"space:{space.pk}")] == 1
    assert got[("comments", f"space:{space.pk}")] == 1
    assert got[("reactions", f"space:{space.pk}")] == 1
    # Those who did something that day now count as having come.
    assert set(ActiveDay.objects.filter(day=DAY).values_list("user_id", flat=True)) == {
        seller.pk,
        other_seller.pk,
        lawyer.pk,
        people["none"][1].pk,
    }


def test_aggregating_a_day_again_gives_the_same_figures(organisation: dict) -> None:
    seller = organisation["people"]["sales"][0]
    make_post(author=seller)
    Post.objects.update(created_at=at(DAY))
    aggregate_day(DAY)
    once = figures()
    DailyFigure.objects.filter(day=DAY, group="").update(value=999)  # a stale figure
    aggregate_day(DAY)
    assert figures() == once
    assert DailyFigure.objects.filter(day=DAY).count() == len(once)


def test_active_people_over_a_day_a_week_and_a_month(organisation: dict) -> None:
    sales = organisation["people"]["sales"]
    record_active_day(sales[0].pk, DAY)
    record_active_day(sales[1].pk, DAY - timedelta(days=3))
    record_active_day(sales[2].pk, DAY - timedelta(days=20))
    record_active_day(sales[3].pk, DAY - timedelta(days=40))
    record_active_day(sales[0].pk, DAY - timedelta(days=1))  # the same person again
    aggregate_day(DAY)
    got = figures()
    assert (got[("active_1d", "")], got[("active_7d", "")], got[("active_30d", "")]) == (1, 2, 3)


def test_coming_is_written_once_per_person_and_day(organisation: dict) -> None:
    person = organisation["people"]["sales"][0]
    with CaptureQueriesContext(connection) as first:
        record_active_day(person.pk)
    with CaptureQueriesContext(connection) as again:
        record_active_day(person.pk)
    assert len(first) == 1 and len(again) == 0
    assert ActiveDay.objects.filter(user=person).count() == 1


def test_the_dashboard_reads_the_figures_at_a_fixed_cost(organisation: dict) -> None:
    people = organisation["people"]
    for offset in range(3):
        record_active_day(people["sales"][offset].pk, DAY - timedelta(days=offset))
    for offset in range(3):
        aggregate_day(DAY - timedelta(days=offset))
    with CaptureQueriesContext(connection) as small:
        board = dashboard(30)
    assert board.last == DAY and board.days[-1].day == DAY and len(board.days) == 30
    assert board.today is not None and board.today.active_month == 3
    with translation.override("fr"):
        assert [g.name for g in dashboard(30).departments] == ["Sales", "Autres"]
    for n in range(40):
        make_department(f"Team {n}")
        make_user(first_name=f"X{n}", department=make_department(f"Big {n}"))
    for offset in range(0, 60, 7):
        aggregate_day(DAY - timedelta(days=offset))
    with CaptureQueriesContext(connection) as big:
        dashboard(90)
    assert len(big) == len(small)


def test_a_group_under_the_minimum_is_never_shown(organisation: dict) -> None:
    # Legal (3) + no department (2) make an "other" of 5: shown. With one of them gone, 4: not.
    aggregate_day(DAY)
    with translation.override("fr"):
        assert [g.name for g in dashboard(30).departments] == ["Sales", "Autres"]
    gone = organisation["people"]["none"][0]
    gone.is_active = False
    gone.save()
    aggregate_day(DAY)
    assert [g.name for g in dashboard(30).departments] == ["Sales"]
    assert figures()[("people", "department:other")] == 4


def test_spaces_that_grow_and_spaces_that_fall_silent(organisation: dict) -> None:
    sales = organisation["people"]["sales"]
    growing = make_space(owner=sales[0], name="Growing", members=tuple(sales[1:5]))
    silent = make_space(owner=sales[0], name="Silent", members=tuple(sales[1:5]))
    tiny = make_space(owner=sales[0], name="Tiny", members=(sales[1],))
    old, new = DAY - timedelta(days=40), DAY - timedelta(days=2)
    for space, day in ((growing, new), (growing, new), (silent, old), (tiny, old)):
        post = make_post(author=sales[1], space=space)
        Post.objects.filter(pk=post.pk).update(created_at=at(day))
    for day in (old, new):
        aggregate_day(day)
    board = dashboard(30)
    assert [s.name for s in board.growing] == ["Growing"]
    assert board.growing[0].recent == 2
    # "Tiny" (2 members) fell silent too, but is under the minimum: not listed.
    assert [s.name for s in board.silent] == ["Silent"]
