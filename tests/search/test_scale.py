"""A search's cost follows its candidate budget, not the number of matches: the page's queries
are the same for 50 or 500 matching posts, and beyond the budget the counts are lower bounds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cercle.search import actions, queries, registry
from cercle.search.models import SearchDocument
from tests.factories import make_space, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    """The assertions quote the English pages and messages (the site's default is French)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _posts(author: Any, space: Any, count: int, word: str) -> list[int]:
    """`count` posts holding `word`, written in bulk and indexed as the rebuild does."""
    from cercle.feed.models import Post

    created = Post.objects.bulk_create(
        [Post(author=author, space=space, body=f"Le {word} numéro {i}") for i in range(count)]
    )
    ids = [post.pk for post in created]
    kind = registry.get("post")
    assert kind is not None
    actions.index_objects(kind, kind.rows().filter(pk__in=ids))
    return ids


def _queries(user: Any, text: str, **kwargs: Any) -> tuple[int, queries.Results]:
    with CaptureQueriesContext(connection) as captured:
        results = queries.search(user, text, **kwargs)
    return len(captured.captured_queries), results


def test_a_page_costs_the_same_queries_for_50_or_500_matches() -> None:
    anne = make_user(first_name="Anne")
    bruno = make_user(first_name="Bruno")
    space = make_space(owner=anne, name="Atelier", kind="open")
    secret = make_space(owner=bruno, name="Coffre", kind="secret")
    _posts(anne, space, 50, "zorglub")
    _posts(bruno, secret, 20, "zorglub")  # matches anne may not see
    _posts(anne, space, 50, "pouldre")
    queries.search(anne, "rien")  # once per connection on PostgreSQL: `SET jit = off`
    few, few_results = _queries(anne, "zorglub")
    _posts(anne, space, 450, "pouldre")
    many, many_results = _queries(anne, "pouldre")
    assert few_results.counts == {"post": 50} and many_results.counts == {"post": 500}
    assert len(few_results.hits) == len(many_results.hits) == queries.PAGE
    assert few == many
    # The engine (ranked matches, names like the word, parts of words), one query per kind
    # present, the page's rows.
    assert many <= 4 + len(registry.kinds())
    # Further pages cost the same.
    assert _queries(anne, "pouldre", offset=200)[0] == many


def test_beyond_the_budget_counts_are_lower_bounds(monkeypatch: Any) -> None:
    from cercle.pages.actions import create_page

    monkeypatch.setattr(queries, "BUDGET", 100)
    anne = make_user(first_name="Anne")
    space = make_space(owner=anne, name="Atelier", kind="open")
    _posts(anne, space, 300, "zorglub")
    page = create_page(actor=anne, space=space, title="Notes", body="Un zorglub ancien.")
    SearchDocument.objects.filter(kind="page", object_id=page.pk).update(
        date="2000-01-01T00:00:00Z"
    )
    results = queries.search(anne, "zorglub", sort="date")
    assert results.total_capped and "post" in results.capped
    assert results.counts["post"] == 101  # the budget and one: "101+"
    assert "page" not in results.counts  # the oldest match, beyond the budget
    # Asked for, the kind is searched on its own: its few matches are all found and counted.
    pages = queries.search(anne, "zorglub", sort="date", kinds=["page"])
    assert [hit.document.object_id for hit in pages.hits] == [page.pk]
    assert pages.counts["page"] == 1 and "page" not in pages.capped
    assert "post" in pages.capped
    # The page and the API say so.
    client = Client()
    client.force_login(anne)
    html = client.get("/search/", {"q": "zorglub"}).content.decode()
    assert "(101+)" in html and "lower bounds" in html
    body = client.get("/api/v1/search", {"q": "zorglub"}).json()
    assert body["total_capped"] is True
    assert {row["kind"]: row["capped"] for row in body["counts"]}["post"] is True


def test_below_the_budget_counts_are_exact() -> None:
    anne = make_user(first_name="Anne")
    space = make_space(owner=anne, name="Atelier", kind="open")
    _posts(anne, space, 30, "zorglub")
    results = queries.search(anne, "zorglub")
    assert results.counts == {"post": 30} and not results.total_capped
    client = Client()
    client.force_login(anne)
    html = client.get("/search/", {"q": "zorglub"}).content.decode()
    assert "(30)" in html and "lower bounds" not in html


def test_a_tab_counts_unranked_then_ranks_its_own_kind(monkeypatch: Any) -> None:
    """Beside a kind's tab, the first pass (every kind) only counts, unranked — ranking a common
    word's newest matches was half of a tab's search — and the tab's own pass ranks: a fixed
    number of queries more than all kinds, whatever the matches, and the same results and
    counts as that kind searched on its own."""
    from cercle.pages.actions import create_page

    anne = make_user(first_name="Anne")
    space = make_space(owner=anne, name="Atelier", kind="open")
    _posts(anne, space, 40, "zorglub")
    for i in range(3):
        create_page(actor=anne, space=space, title=f"Zorglub {i}", body="Un zorglub ancien.")
    every, every_results = _queries(anne, "zorglub")
    assert every_results.counts == {"post": 40, "page": 3} and not every_results.capped
    for key, shown in (("post", 20), ("page", 3), ("event", 0)):
        tab, tab_results = _queries(anne, "zorglub", kinds=[key])
        # (A tab showing one kind reads the shown titles of that kind only.)
        assert tab <= every + 4, key
        assert len(tab_results.hits) == shown and {h.kind.key for h in tab_results.hits} <= {key}
        # The kind searched on its own (a names' miss, forced, changes nothing) finds the same,
        # in order.
        monkeypatch.setattr(queries, "_names_missed", lambda *args: True)
        alone, alone_results = _queries(anne, "zorglub", kinds=[key])
        monkeypatch.undo()
        assert alone == tab
        assert [h.document.pk for h in alone_results.hits] == [
            h.document.pk for h in tab_results.hits
        ]
        assert alone_results.counts == tab_results.counts == every_results.counts
        assert not alone_results.capped and not tab_results.capped
    assert _queries(anne, "zorglub", kinds=["post"], offset=20)[1].hits


def test_a_tab_of_people_still_finds_a_name_with_a_typo_that_many_posts_hold() -> None:
    """The names' typo lookup runs only when the ranked matches are few: fifty posts holding
    the typed word leave it out of the search of every kind, but not out of the people's tab."""
    from cercle.search import engines

    anne = make_user(first_name="Anne")
    lefevre = make_user(first_name="Hélène", last_name="Lefèvre")
    space = make_space(owner=anne, name="Atelier", kind="open")
    _posts(anne, space, engines.NAMES_IF_FEWER, "Lefevbre")
    every = queries.search(anne, "lefevbre")
    assert ("person", lefevre.pk) not in {(h.kind.key, h.document.object_id) for h in every.hits}
    people = queries.search(anne, "lefevbre", kinds=["person"])
    assert [(h.kind.key, h.document.object_id) for h in people.hits] == [("person", lefevre.pk)]


def test_a_colleague_is_found_by_name_however_many_newer_things_name_them(
    monkeypatch: Any,
) -> None:
    """Only the newest matches are scored when nothing narrows a search (`RANK_WINDOW`), but
    people, spaces, pages and news are few and long-lived: an old colleague, space or page
    stays among the results of a word that hundreds of newer posts hold."""
    from cercle.pages.actions import create_page
    from cercle.search import engines

    monkeypatch.setattr(engines, "RANK_WINDOW", 20)
    monkeypatch.setattr(queries, "BUDGET", 30)
    colleague = make_user(first_name="Quentin", last_name="Zorbac")
    anne = make_user(first_name="Anne")
    space = make_space(owner=anne, name="Atelier Zorbac", kind="open")
    page = create_page(actor=anne, space=space, title="Procédure Zorbac", body="Texte.")
    _posts(anne, space, 60, "Zorbac")
    results = queries.search(anne, "zorbac")
    found = {(hit.kind.key, hit.document.object_id) for hit in results.hits}
    assert ("person", colleague.pk) in found
    assert ("space", space.pk) in found
    assert ("page", page.pk) in found
    assert results.counts["post"] >= 20


def test_an_excluded_word_in_the_body_hides_an_old_page_whose_title_matches(
    monkeypatch: Any,
) -> None:
    """The long-lived kinds' title matches are taken from the titles' own table (SQLite), so an
    excluded word is checked against the whole document: `-confidentiel` hides a page whose
    body says so, and keeps the one whose body does not."""
    from cercle.pages.actions import create_page
    from cercle.search import engines

    monkeypatch.setattr(engines, "RANK_WINDOW", 20)
    monkeypatch.setattr(queries, "BUDGET", 30)
    anne = make_user(first_name="Anne")
    space = make_space(owner=anne, name="Atelier", kind="open")
    hidden = create_page(actor=anne, space=space, title="Procédure Zorbac", body="Confidentiel.")
    kept = create_page(actor=anne, space=space, title="Guide Zorbac", body="Pour tous.")
    _posts(anne, space, 60, "Zorbac")
    pages = {
        hit.document.object_id
        for hit in queries.search(anne, "zorbac -confidentiel").hits
        if hit.kind.key == "page"
    }
    assert pages == {kept.pk}
    assert hidden.pk in {hit.document.object_id for hit in queries.search(anne, "zorbac").hits}


def test_the_results_page_adds_few_queries_to_the_search() -> None:
    """Around the search itself the page reads the session and the user, the filter's spaces
    (which the search's relevance then reuses), keeps the recent search (two statements) and
    draws the navigation: a fixed, small number of queries (it was thirteen)."""
    anne = make_user(first_name="Anne")
    space = make_space(owner=anne, name="Atelier", kind="open")
    _posts(anne, space, 30, "zorglub")
    client = Client()
    client.force_login(anne)
    assert client.get("/search/", {"q": "zorglub"}).status_code == 200  # the first recent search
    searched, _results = _queries(anne, "zorglub")
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/search/", {"q": "zorglub"})
    assert page.status_code == 200 and "(30)" in page.content.decode()
    assert len(captured.captured_queries) - searched <= 7
    # Recent searches: the newest ten are kept, the same search once.
    for i in range(12):
        actions.remember(anne, f"mot {i}")
    actions.remember(anne, "mot 11")
    assert queries.recent_searches(anne) == [f"mot {i}" for i in range(11, 1, -1)]


def test_suggestions_come_from_titles_only_however_many_bodies_hold_the_prefix() -> None:
    """Suggestions read the suggested kinds' titles (their own small table), never the bodies
    of every document: a prefix that hundreds of posts and a colleague's job title hold
    suggests only what is named so, in one query beyond visibility."""
    from cercle.pages.actions import create_page

    anne = make_user(first_name="Anne", job_title="Comptable")
    space = make_space(owner=anne, name="Atelier", kind="open")
    create_page(actor=anne, space=space, title="Notes", body="Le comptable est passé.")
    page = create_page(actor=anne, space=space, title="Comptabilité", body="Rien.")
    _posts(anne, space, 200, "comptable")
    with CaptureQueriesContext(connection) as captured:
        hits = queries.suggest(anne, "compt")
    assert [(hit.kind.key, hit.document.object_id) for hit in hits] == [("page", page.pk)]
    # The titles' candidates, the pages' visibility, their rows.
    assert len(captured.captured_queries) == 3


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's rows only (PostgreSQL: TOAST)")
def test_sqlite_reads_the_documents_columns_from_their_index_not_their_long_rows() -> None:
    """The date, space and kind come after `body` in a document's row: a file's long text spills
    onto overflow pages that SQLite would walk for each candidate. Every candidates' query reads
    them from the covering index (migration search/0005) instead, and finds the same."""
    anne = make_user(first_name="Anne")
    space = make_space(owner=anne, name="Atelier", kind="open")
    ids = _posts(anne, space, 30, "zorglub budgétaire")
    with CaptureQueriesContext(connection) as captured:
        ranked = queries.search(anne, "zorglub")  # ranked, then the always-scored kinds' titles
        parts = queries.search(anne, "getaire")  # inside words only: the others' query
        filtered = queries.search(anne, "zorglub", space_id=space.pk)  # the filtered window
    assert {hit.document.object_id for hit in ranked.hits} <= set(ids)
    assert ranked.counts == parts.counts == filtered.counts == {"post": 30}
    reading = [
        query["sql"]
        for query in captured.captured_queries
        if any(f"{word} search_searchdocument" in query["sql"] for word in ("FROM", "JOIN"))
    ]
    assert reading
    with connection.cursor() as cursor:
        for sql in reading:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            plan = " | ".join(str(row[3]) for row in cursor.fetchall())
            if "search_searchdocument" in plan:
                assert "COVERING INDEX search_document_cover" in plan, (sql, plan)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own queries")
def test_postgresql_parts_in_one_scan_are_the_matches_less_the_ranked_ones(
    monkeypatch: Any,
) -> None:
    """`PostgresEngine.parts_only` (one scan: parts and not words) finds what `matches` less
    `ranked` (the `EXCEPT` it replaces) finds, with prefixes, phrases, `OR` and excluded words;
    and the newest matches are the same ids whether walked or read from the index."""
    from cercle.feed.models import Post
    from cercle.search import engines
    from cercle.search.parser import parse

    author = make_user(first_name="Parts")
    space = make_space(owner=author, name="Parts", kind="open")
    bodies = [
        "Le budget budgétaire de l'année",
        "Une budgétisation détaillée et un détail",
        "Le détaillant du budget",
        "Sans rapport avec le reste",
        "Un e-mail du détaillant: budget serré",
        "facilement conspirer contre nous",
        "difficilement conspirerez",
    ]
    created = Post.objects.bulk_create([Post(author=author, space=space, body=b) for b in bodies])
    kind = registry.get("post")
    assert kind is not None
    actions.index_objects(kind, kind.rows().filter(pk__in=[post.pk for post in created]))
    engine = engines.PostgresEngine()
    inside: set[int] = set()  # found inside words only, by any of the queries

    def ids(sql: tuple[str, list[Any]]) -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute(*sql)
            return {row[0] for row in cursor.fetchall()}

    for text in [
        "budg",
        "détail",
        "budget",
        '"facilement conspirer"',
        "détail -budget",
        "taill OR rapport",
        "taill",
        "mail",
    ]:
        query = parse(text)
        only = engine.parts_only(query)
        matches = engine.matches(query)
        assert only is not None and matches is not None, text
        ranked = engine.ranked(query)
        every = f"SELECT {ranked.key} FROM {ranked.source} WHERE {ranked.where}"  # noqa: S608
        words = ids((every, ranked.where_params))
        assert ids(only) == ids(matches) - words, text
        inside |= ids(only)
        found = []
        for walk in (True, False):
            monkeypatch.setattr(
                engines.PostgresEngine, "_walks", staticmethod(lambda *a, w=walk: w)
            )
            newest = engine.newest(query, 3)
            assert ("doc_id + 0" not in newest[0]) is walk
            found.append(ids(newest))
        assert found[0] == found[1], text
    assert inside  # ("détaillée", "détaillant" hold "taill" inside)
