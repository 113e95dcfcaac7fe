"""Directory search: accent/case-insensitive prefix matching through the real index, filters,
sorting, cursors, visibility and a fixed number of queries per page."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cercle.accounts import queries
from cercle.accounts.actions import profiles as actions
from cercle.accounts.models import User
from cercle.accounts.search import query_words, rebuild_search_index, refresh_search_columns
from cercle.core.pagination import InvalidCursor, encode_cursor
from tests.factories import make_department, make_guest, make_site, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["sparse", "dense"], autouse=True)
def strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test runs with both search plans: few matches (sorted as asked) and many matches
    (newest first, straight from the index); both must find the same people."""
    from cercle.accounts import search

    monkeypatch.setattr(search, "DENSE_MATCHES", 10**9 if request.param == "sparse" else 0)
    return str(request.param)


def _names(page: Any) -> list[str]:
    return [card.profile.user.username for card in page.items]


def _search(viewer: User, q: str = "", **filters: str) -> list[str]:
    return _names(queries.directory_page(viewer, queries.DirectoryFilters(q=q, **filters)))


def test_unaccented_lowercase_query_finds_accented_name() -> None:
    viewer = make_user()
    make_user(username="hd", first_name="Hélène", last_name="Dupont")
    make_user(username="other", first_name="Paul", last_name="Durand")
    assert _search(viewer, "helene") == ["hd"]
    assert _search(viewer, "HÉLÈNE") == ["hd"]
    assert _search(viewer, "hel dup") == ["hd"]
    assert _search(viewer, "dup hel") == ["hd"]
    assert _search(viewer, "hel durand") == []


def test_skill_department_and_site_words_are_searched() -> None:
    viewer = make_user()
    person = make_user(
        username="acc", department=make_department("Finance"), site=make_site("Nantes")
    )
    actions.add_skill(actor=person, person=person, name="Comptabilité", level=3)
    assert _search(viewer, "comptabilite") == ["acc"]
    assert _search(viewer, "compta nant") == ["acc"]
    assert _search(viewer, "finance") == ["acc"]


def test_deactivated_people_are_left_out_but_their_profile_stays() -> None:
    viewer = make_user()
    gone = make_user(username="gone", first_name="Gaston", is_active=False)
    assert _search(viewer, "gaston") == []
    assert "gone" not in _search(viewer)
    assert queries.access_profile(viewer, "gone").user == gone
    assert queries.people_picker(viewer, "gaston") == []


def test_guests_may_read_the_directory_and_see_guests() -> None:
    guest = make_guest(username="guest1", first_name="Gus")
    make_user(username="m1", first_name="Marie")
    assert set(_search(guest)) == {"guest1", "m1"}
    assert queries.access_profile(guest, "m1").user.username == "m1"


def test_anonymous_sees_nothing() -> None:
    from django.contrib.auth.models import AnonymousUser

    make_user(username="m1")
    anonymous: Any = AnonymousUser()
    assert queries.directory_page(anonymous, queries.DirectoryFilters()).items == []
    with pytest.raises(queries.NotFound):
        queries.access_profile(anonymous, "m1")


def test_filters_by_department_site_and_skill() -> None:
    viewer = make_user(username="viewer")
    finance, it = make_department("Finance"), make_department("IT")
    paris = make_site("Paris")
    a = make_user(username="a", department=finance, site=paris)
    make_user(username="b", department=it, site=paris)
    make_user(username="c", department=finance)
    actions.add_skill(actor=a, person=a, name="Python", level=2)
    assert _search(viewer, department=finance.slug) == ["a", "c"] or set(
        _search(viewer, department=finance.slug)
    ) == {"a", "c"}
    assert set(_search(viewer, department=str(it.pk))) == {"b"}
    assert set(_search(viewer, department=finance.slug, site=paris.slug)) == {"a"}
    assert _search(viewer, skill="python") == ["a"]
    assert _search(viewer, skill="PYTHON", department=it.slug) == []
    assert _search(viewer, department="no-such-department") == []
    assert _search(viewer, skill="no such skill") == []


def test_sorted_by_name_then_paginated_with_cursors() -> None:
    viewer = make_user(first_name="Zz", last_name="Zz", username="zz")
    for i, last in enumerate(["Émile", "Durand", "Blanc", "Azur", "Chêne"]):
        make_user(username=f"p{i}", first_name="X", last_name=last)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = queries.directory_page(viewer, queries.DirectoryFilters(), cursor=cursor, limit=2)
        seen += [card.profile.user.last_name for card in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == ["Azur", "Blanc", "Chêne", "Durand", "Émile", "Zz"]


def test_recently_joined_sort_and_its_cursor() -> None:
    viewer = make_user(username="first")
    make_user(username="second")
    make_user(username="third")
    page = queries.directory_page(viewer, queries.DirectoryFilters(sort="recent"), limit=2)
    assert _names(page) == ["third", "second"]
    rest = queries.directory_page(
        viewer, queries.DirectoryFilters(sort="recent"), cursor=page.next_cursor, limit=2
    )
    assert _names(rest) == ["first"]
    assert rest.next_cursor is None


@pytest.mark.parametrize(
    ("cursor", "sort"),
    [
        ("not-a-cursor", "name"),
        (encode_cursor(["a"]), "name"),
        (encode_cursor([1, "x"]), "name"),
        (encode_cursor(["x"]), "recent"),
        (encode_cursor([2**70]), "recent"),
        (encode_cursor(["a", 1]), "recent"),
        (encode_cursor([5]), "name"),
    ],
)
def test_invalid_cursors_raise(cursor: str, sort: str) -> None:
    viewer = make_user()
    with pytest.raises(InvalidCursor):
        queries.directory_page(viewer, queries.DirectoryFilters(sort=sort), cursor=cursor)


def test_a_directory_page_costs_a_fixed_number_of_queries(
    django_assert_max_num_queries: Any,
) -> None:
    viewer = make_user()
    department, site = make_department("Ventes"), make_site("Lille")
    for i in range(30):
        person = make_user(first_name="Vendeur", department=department, site=site)
        for name in ("Négociation", "Excel", "Anglais", f"Produit {i}"):
            actions.add_skill(actor=person, person=person, name=name, level=2)
    filters = queries.DirectoryFilters(
        q="vend", department=department.slug, site=site.slug, skill="excel"
    )
    # department, site, skill, skill-holders probe, search probe, the page's ids, the
    # profiles, the top skills.
    with django_assert_max_num_queries(8):
        page = queries.directory_page(viewer, filters)
        for card in page.items:
            assert card.profile.department.name == "Ventes"
            assert card.profile.site.name == "Lille"
            assert len(card.top_skills) == 3
            assert all(s.name for s in card.top_skills)
    assert len(page.items) == 20


def test_a_broad_search_comes_newest_first_and_pages_through_everything(strategy: str) -> None:
    viewer = make_user(username="viewer", first_name="Viewer")
    for i in range(7):
        make_user(username=f"m{i}", first_name="Martin", last_name=f"{'GFEDCBA'[i]}")
    seen: list[str] = []
    cursor = None
    sorts = set()
    for _ in range(10):
        page = queries.directory_page(
            viewer, queries.DirectoryFilters(q="mart"), cursor=cursor, limit=3
        )
        sorts.add(page.sort)
        seen += _names(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    if strategy == "dense":
        assert sorts == {"recent"}
        assert seen == [f"m{i}" for i in reversed(range(7))]
    else:
        assert sorts == {"name"}
        assert seen == [f"m{i}" for i in reversed(range(7))]  # by last name A..G


def test_query_words_are_bounded_and_safe() -> None:
    assert query_words("  Hélène   DUPONT ") == ["helene", "dupont"]
    assert query_words('"a" OR b* NEAR(c) AND -d') == ["a", "or", "b", "near", "c", "and"]
    assert len(query_words("w " * 1000)) == 1
    assert len(query_words(" ".join(f"w{i}" for i in range(100)))) <= 6
    assert query_words("!!! ??? ***") == []


@pytest.mark.parametrize(
    "q", ['"', "'", "*", "a'b", 'x" OR "y', "NEAR(", "^", "-", "a:b", "\\", "é" * 300]
)
def test_odd_queries_never_break_the_search(q: str) -> None:
    viewer = make_user()
    make_user(first_name="Ana")
    queries.directory_page(viewer, queries.DirectoryFilters(q=q))


def test_rebuild_search_index_keeps_results() -> None:
    viewer = make_user()
    make_user(username="ren", first_name="Renée")
    rebuild_search_index()
    assert _search(viewer, "renee") == ["ren"]


def test_bulk_created_profiles_are_indexed_without_any_call() -> None:
    """Seeds and imports bulk-insert profiles: the index (triggers / GIN) follows by itself."""
    from cercle.accounts.models import Profile
    from cercle.accounts.search import build_search_text, build_sort_name

    viewer = make_user()
    users = User.objects.bulk_create(
        [
            User(
                username=f"bulk{i}",
                email=f"bulk{i}@example.org",
                first_name="Bérénice",
                last_name=f"N{i}",
            )
            for i in range(5)
        ]
    )
    if users[0].pk is None:  # Databases that do not return ids from bulk_create.
        users = list(User.objects.filter(username__startswith="bulk").order_by("pk"))
    Profile.objects.bulk_create(
        [
            Profile(
                user=u,
                search_text=build_search_text(
                    first_name=u.first_name, last_name=u.last_name, username=u.username
                ),
                sort_name=build_sort_name(
                    first_name=u.first_name, last_name=u.last_name, username=u.username
                ),
            )
            for u in users
        ]
    )
    assert len(_search(viewer, "berenice")) == 5


_LETTERS = string.ascii_letters + "éèêëàâäîïôöùûüçÉÈÊÀÂÎÔÛÇœŒæÆñÑ"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    first=st.text(alphabet=_LETTERS, min_size=1, max_size=12),
    last=st.text(alphabet=_LETTERS, min_size=1, max_size=12),
    prefix_length=st.integers(min_value=1, max_value=12),
)
def test_property_unaccented_lowercase_prefix_finds_the_person(
    first: str, last: str, prefix_length: int
) -> None:
    import unicodedata

    from django.db import transaction

    def strip(text: str) -> str:
        text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
        decomposed = unicodedata.normalize("NFKD", text)
        return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()

    with transaction.atomic():
        viewer = make_user(first_name="Viewer", last_name="Q")
        person = make_user(first_name=first, last_name=last)
        refresh_search_columns(person)
        query = f"{strip(first)[:prefix_length]} {strip(last)[:prefix_length]}"
        found = _search(viewer, query)
        assert person.username in found
        transaction.set_rollback(True)


def test_refresh_many_after_a_department_rename() -> None:
    from cercle.accounts.models import Department
    from cercle.accounts.search import refresh_search_columns_many

    viewer = make_user()
    department = make_department("Achats")
    people = [make_user(department=department) for _ in range(3)]
    Department.objects.filter(pk=department.pk).update(name="Approvisionnement")
    assert _search(viewer, "approvisionnement") == []
    assert refresh_search_columns_many([p.pk for p in people], batch_size=2) == 3
    assert len(_search(viewer, "approvisionnement")) == 3
    assert refresh_search_columns_many([p.pk for p in people]) == 0


# --- Issue 17: spoken languages, relevance, the number of results.


def test_spoken_languages_are_searched_in_french_and_english() -> None:
    viewer = make_user()
    speaker = make_user(username="speaker")
    actions.update_profile(
        actor=speaker, person=speaker, changes={"languages": ["Français", "Anglais"]}
    )
    other = make_user(username="other")
    actions.update_profile(actor=other, person=other, changes={"languages": ["Allemand"]})
    assert _search(viewer, "anglais") == ["speaker"]
    assert _search(viewer, "English") == ["speaker"]
    assert _search(viewer, "german") == ["other"]
    assert _search(viewer, "allemand") == ["other"]
    actions.update_profile(actor=speaker, person=speaker, changes={"languages": []})
    assert _search(viewer, "english") == []


def test_a_search_ranks_by_relevance_a_title_before_a_name(strategy: str) -> None:
    viewer = make_user()
    make_user(username="sapin", first_name="Anne", last_name="Sapin")
    make_user(username="consultant", first_name="Zoé", last_name="Zola", job_title="Consultant SAP")
    skilled = make_user(username="skilled", first_name="Yves", last_name="Yon")
    actions.add_skill(actor=skilled, person=skilled, name="SAP FI", level=2)
    page = queries.directory_page(
        viewer, queries.DirectoryFilters(q="sap", sort="relevance"), with_count=True
    )
    if strategy == "dense":  # too many to rank: newest first, and "more than" a count
        assert page.sort == "recent"
        assert page.total_is_floor
        return
    assert page.sort == "relevance"
    assert _names(page) == ["consultant", "skilled", "sapin"]
    assert (page.total, page.total_is_floor) == (3, False)
    # By name when asked.
    assert _search(viewer, "sap", sort="name") == ["sapin", "skilled", "consultant"]


def test_relevance_pages_follow_the_ranking(strategy: str) -> None:
    viewer = make_user()
    for i in range(4):
        make_user(username=f"title{i}", last_name=f"T{i}", job_title="Comptable")
        make_user(username=f"name{i}", first_name="Comptabelle", last_name=f"N{i}")
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = queries.directory_page(
            viewer,
            queries.DirectoryFilters(q="comptable", sort="relevance"),
            cursor=cursor,
            limit=3,
        )
        seen += _names(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == 4
    if strategy == "sparse":
        assert seen == [f"title{i}" for i in range(4)]
    with pytest.raises(InvalidCursor):
        queries.directory_page(
            viewer,
            queries.DirectoryFilters(q="comptable", sort="relevance"),
            cursor=encode_cursor(["x", "y", 1]),
        )


def test_the_number_of_people_found_is_counted_when_asked() -> None:
    viewer = make_user()
    department = make_department("Achats")
    for _ in range(3):
        make_user(department=department)
    page = queries.directory_page(
        viewer, queries.DirectoryFilters(department=department.slug), with_count=True, limit=2
    )
    assert page.total == 3
    assert len(page.items) == 2
    assert queries.directory_page(viewer, queries.DirectoryFilters()).total is None
