"""The API's plain-value pages (directory_cards, expert_cards) agree with the model pages the
HTML uses (directory_page, experts_page): same people, order, cursors and shown values."""

from __future__ import annotations

import dataclasses

import pytest
from django.utils import translation

from cercle.accounts import queries
from cercle.accounts.actions import profiles as actions
from cercle.accounts.models import Department, User
from tests.factories import make_department, make_guest, make_site, make_skill, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["sparse", "dense"])
def strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    from cercle.accounts import search

    monkeypatch.setattr(search, "DENSE_MATCHES", 10**9 if request.param == "sparse" else 0)
    return str(request.param)


def _people() -> User:
    viewer = make_user()
    finance, nantes = make_department("Finance"), make_site("Nantes")
    for i in range(7):
        person = make_user(
            username=f"p{i}",
            first_name=["Hélène", "Paul", "Zoé"][i % 3],
            last_name=f"Martin{i % 2}",
            department=finance if i % 2 else None,
            site=nantes if i % 3 else None,
        )
        for skill, level in (("Python", 1 + i % 4), ("Comptabilité", 2), ("Excel", 3)):
            actions.add_skill(actor=person, person=person, name=skill, level=level)
    make_guest(username="guest", first_name="Hélène")
    User.objects.filter(username="p6").update(is_active=False)
    return viewer


def _card_of(card: queries.ProfileCard) -> tuple[object, ...]:
    p = card.profile
    return (
        p.user_id,
        p.user.username,
        p.user.display_name,
        p.user.is_guest,
        p.job_title,
        p.department.slug if p.department else None,
        p.site.name if p.site else None,
        card.top_skills,
    )


def _card(card: queries.PersonCard) -> tuple[object, ...]:
    return (
        card.user_id,
        card.username,
        card.display_name,
        card.is_guest,
        card.job_title,
        card.department.slug if card.department else None,
        card.site.name if card.site else None,
        card.top_skills,
    )


@pytest.mark.parametrize(
    "filters",
    [
        queries.DirectoryFilters(),
        queries.DirectoryFilters(sort="recent"),
        queries.DirectoryFilters(q="hel"),
        queries.DirectoryFilters(q="martin1 nantes"),
        queries.DirectoryFilters(skill="python", department="finance"),
    ],
)
def test_directory_cards_match_the_directory_page(
    strategy: str, filters: queries.DirectoryFilters
) -> None:
    viewer = _people()
    if filters.department:
        filters = dataclasses.replace(filters, department=Department.objects.get().slug)
    cursor: str | None = None
    pages = found = 0
    while True:
        page = queries.directory_page(viewer, filters, cursor=cursor, limit=2)
        cards = queries.directory_cards(viewer, filters, cursor=cursor, limit=2)
        assert [_card(c) for c in cards.items] == [_card_of(c) for c in page.items]
        assert (cards.next_cursor, cards.sort) == (page.next_cursor, page.sort)
        pages += 1
        found += len(cards.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert found >= 2
    if not filters.q:
        assert pages > 1  # the cursors were compared too


def test_expert_cards_match_the_experts_page() -> None:
    viewer = _people()
    skill = make_skill("python")
    cursor: str | None = None
    seen = []
    while True:
        page = queries.experts_page(viewer, skill, cursor=cursor, limit=2)
        cards = queries.expert_cards(viewer, skill, cursor=cursor, limit=2)
        with translation.override("en"):
            assert [
                (
                    c.person.username,
                    c.person.display_name,
                    c.level,
                    c.level_label,
                    c.endorsement_count,
                    c.reason,
                )
                for c in cards.items
            ] == [
                (
                    u.user.username,
                    u.user.display_name,
                    u.level,
                    str(u.get_level_display()),
                    u.endorsement_count,
                    queries.expert_reason(u),
                )
                for u in page.items
            ]
        assert cards.next_cursor == page.next_cursor
        seen += [c.person.username for c in cards.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    # Six active holders (p6 is deactivated), best level first.
    assert sorted(seen) == [f"p{i}" for i in range(6)]
    assert seen[0] == "p3"


def test_level_labels_follow_the_active_language() -> None:
    with translation.override("en"):
        assert queries.level_labels()[4] == "expert"
        assert queries.level_labels()[1] == "beginner"
    with translation.override("fr"):
        assert queries.level_labels()[1] == "débutant"
