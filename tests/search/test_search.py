"""Search over one seeded organisation (module-scoped, `conftest.world`): the visibility matrix,
the words and operators that find things, relevance, excerpts, the pages and the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cercle.search import queries
from cercle.search.parser import parse

pytestmark = pytest.mark.django_db


def found(user: Any, text: str, **kwargs: Any) -> set[tuple[str, int]]:
    results = queries.search(user, text, limit=50, **kwargs)
    return {(hit.kind.key, hit.document.object_id) for hit in results.hits}


def first_five(user: Any, text: str) -> list[tuple[str, int]]:
    return [
        (hit.kind.key, hit.document.object_id) for hit in queries.search(user, text, limit=5).hits
    ]


# --- Visibility: each kind × each rule ------------------------------------------------------------


def _matrix(w: Any) -> list[tuple[str, str, tuple[str, int], set[str]]]:
    """(query, what, item, who finds it) — the others do not. Organisation admins see every
    post, page and file (the modules' rules) but a secret space's name only if they belong."""
    everyone = {"anne", "bruno", "admin", "lefevre"}  # not the guest, not the deactivated
    return [
        ("licorne", "secret space's post", ("post", w.secret_post.pk), {"anne", "admin"}),
        ("licorne", "secret space's page", ("page", w.secret_page.pk), {"anne", "admin"}),
        ("licorne", "secret space's file", ("document", w.secret_document.pk), {"anne", "admin"}),
        ("licorne", "secret space itself", ("space", w.secret_space.pk), {"anne"}),
        ("réunions budgétaires", "open space's post", ("post", w.open_post.pk), everyone),
        ("congés", "comment", ("comment", w.comment.pk), everyone),
        ("confidentielle", "direct message", ("message", w.direct_message.pk), {"anne", "lefevre"}),
        ("médecin", "another's private event", ("event", w.private_event.pk), {"anne"}),
        ("sortie parc", "open space's event", ("event", w.event.pk), everyone),
        ("parcours jeudi", "open space's page", ("page", w.page.pk), everyone),
        ("course", "open space", ("space", w.open_space.pk), everyone),
        ("paule partie", "deactivated person", ("person", w.gone.pk), set()),
        ("anne martin", "a person", ("person", w.anne.pk), everyone | {"guest"}),
    ]


def test_the_visibility_matrix(world: Any) -> None:
    people = {
        "anne": world.anne,
        "bruno": world.bruno,
        "guest": world.guest,
        "admin": world.admin,
        "lefevre": world.lefevre,
        "gone": world.gone,
    }
    wrong = []
    for text, what, item, finders in _matrix(world):
        for name, person in people.items():
            expected = name in finders
            if (item in found(person, text)) != expected:
                wrong.append((what, name, expected))
            # The item's own tab (the kind filter) finds it for the same people.
            if (item in found(person, text, kinds=[item[0]])) != expected:
                wrong.append((f"{what}, its tab", name, expected))
    assert wrong == [], "\n".join(map(str, wrong))


def test_counts_and_suggestions_come_from_what_one_may_see(world: Any) -> None:
    counts = queries.search(world.bruno, "licorne").counts
    assert counts == {}
    assert queries.search(world.anne, "licorne").counts["post"] == 1
    assert [hit.document.object_id for hit in queries.suggest(world.bruno, "proj")] == []
    assert ("space", world.secret_space.pk) in {
        (hit.kind.key, hit.document.object_id) for hit in queries.suggest(world.anne, "proj")
    }


def test_a_removed_member_stops_finding_the_space_s_content_at_once(world: Any) -> None:
    from cercle.spaces.actions import remove_member
    from tests.factories import add_member

    add_member(world.secret_space, world.bruno)
    assert ("post", world.secret_post.pk) in found(world.bruno, "licorne")
    remove_member(actor=world.anne, space=world.secret_space, user=world.bruno)
    assert ("post", world.secret_post.pk) not in found(world.bruno, "licorne")


def test_a_hidden_post_is_found_by_its_author_and_moderators_only(world: Any) -> None:
    from cercle.feed.models import Post

    Post.objects.filter(pk=world.open_post.pk).update(hidden_at=world.open_post.created_at)
    assert ("post", world.open_post.pk) in found(world.bruno, "budgétaires")  # author and owner
    assert ("post", world.open_post.pk) not in found(world.anne, "budgétaires")


# --- Words and operators --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "attribute"),
    [
        ("conge", "comment", "comment"),  # stem: congés
        ("réunion budgétaire", "post", "open_post"),  # stems, accents
        ("REUNIONS", "post", "open_post"),  # case
        ("budg", "post", "open_post"),  # the last word, a prefix
        ("getaires", "post", "open_post"),  # part of a word (trigrams)
        ("run", "post", "english_post"),  # English stem: running
        ("meeting", "post", "english_post"),
        ('"réunions budgétaires"', "post", "open_post"),  # a phrase
        ("sap/fi", "document", "document"),  # compound words split
        ("sap-fi", "document", "document"),
        ("lefevbre", "person", "lefevre"),  # a typo in a name
        ("helene lefevre", "person", "lefevre"),
        ("comptable", "person", "anne"),  # the job title
    ],
)
def test_words_that_find(world: Any, text: str, kind: str, attribute: str) -> None:
    item = getattr(world, attribute)
    assert (kind, item.pk) in found(world.anne, text)


def test_operators(world: Any) -> None:
    reunion = found(world.anne, "réunion")
    assert {("post", world.open_post.pk), ("post", world.secret_post.pk)} <= reunion
    assert ("post", world.secret_post.pk) not in found(world.anne, "réunion -licorne")
    assert ("post", world.open_post.pk) in found(world.anne, "réunion -licorne")
    either = found(world.anne, "médecin OR congés")
    assert {("event", world.private_event.pk), ("comment", world.comment.pk)} <= either
    both = found(world.anne, "médecin congés")
    assert ("event", world.private_event.pk) not in both
    # A phrase's words in a row only.
    assert ("post", world.open_post.pk) not in found(world.anne, '"budgétaires réunions"')


@pytest.mark.parametrize(
    "text",
    [
        '"unbalanced',
        "OR",
        "- - OR",
        '""',
        "x" * 10_000,
        "nul\x00byte",
        "***",
        "(",
        "NEAR(a b)",
        ":",
        "-",
    ],
)
def test_odd_input_gives_results_or_nothing_never_an_error(world: Any, text: str) -> None:
    queries.search(world.anne, text)
    queries.suggest(world.anne, text)


def test_the_parser() -> None:
    query = parse('jean-marc "exact phrase" -pas a OR b budg')
    assert [leaf.words for leaf in query.groups[0]] == [("jean", "marc"), ("jeanmarc",)]
    assert [leaf.words for leaf in query.groups[1]] == [("exact", "phrase")]
    assert [leaf.words for leaf in query.excluded] == [("pas",)]
    assert [leaf.words for leaf in query.groups[2]] == [("a",), ("b",)]
    assert query.groups[3][0].prefix and not query.groups[2][0].prefix
    assert parse("OR -x").empty
    assert not parse("budg ").groups[0][0].prefix


# --- Relevance: a small judged set ---------------------------------------------------------------


def test_judged_relevance(world: Any) -> None:
    judged = {
        "licorne": [("space", world.secret_space.pk), ("page", world.secret_page.pk)],
        "parcours": [("page", world.page.pk)],
        "course": [("space", world.open_space.pk), ("event", world.event.pk)],
        "running meetings": [("post", world.english_post.pk)],
        "budget": [("document", world.document.pk)],
    }
    for text, wanted in judged.items():
        top = first_five(world.anne, text)
        assert all(item in top for item in wanted), (text, top)
    # A title match comes before a body match.
    assert first_five(world.anne, "licorne")[0][0] in {"space", "page", "document"}


# --- Excerpts ------------------------------------------------------------------------------------


def test_excerpts_are_escaped_and_marked() -> None:
    text = "<b>Réunion</b> " + "mot " * 100 + "réunions & budget"
    html = str(queries.highlight(text, ["reunion"]))
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert "<mark>Réunion</mark>" in html
    tail = str(queries.highlight("x " * 200 + "budget final", ["budget"]))
    assert tail.startswith("…") and "<mark>budget</mark>" in tail


# --- Pages and API -------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_results_page(world: Any) -> None:
    client = _client(world.anne)
    page = client.get("/search/", {"q": "licorne"})
    html = page.content.decode()
    assert page.status_code == 200
    assert world.secret_page.title in html.replace("<mark>", "").replace("</mark>", "")
    assert 'aria-current="page"' in html
    filtered = client.get("/search/", {"q": "licorne", "kind": "page"}).content.decode()
    assert "Plan" in filtered and "Réunion secrète" not in filtered
    assert client.get("/search/", {"q": "x", "start": "not a date"}).status_code == 400
    assert client.get("/search/", {"q": "x", "space": "99999999999999999999999"}).status_code == 400
    # Recent searches, and clearing them.
    assert "licorne" in client.get("/search/").content.decode()
    client.post("/search/recent/clear/")
    assert "Recent searches" not in client.get("/search/").content.decode()
    assert "Recherches récentes" not in client.get("/search/").content.decode()


def test_suggestions_fragment(world: Any) -> None:
    client = _client(world.bruno)
    html = client.get("/search/suggest/", {"q": "club"}).content.decode()
    assert (
        world.open_space.get_absolute_url() in html
        if hasattr(world.open_space, "get_absolute_url")
        else "Club" in html
    )
    assert "Licorne" not in client.get("/search/suggest/", {"q": "proj"}).content.decode()


def test_the_api(world: Any) -> None:
    client = _client(world.anne)
    body = client.get("/api/v1/search", {"q": "licorne", "limit": 1}).json()
    assert body["total"] >= 4 and len(body["items"]) == 1 and body["next_cursor"]
    more = client.get(
        "/api/v1/search", {"q": "licorne", "limit": 1, "cursor": body["next_cursor"]}
    ).json()
    assert more["items"][0] != body["items"][0]
    pages = client.get("/api/v1/search", {"q": "licorne", "kinds": "page"}).json()
    assert {item["kind"] for item in pages["items"]} == {"page"}
    assert client.get("/api/v1/search", {"q": "a\x00b"}).status_code == 422
    assert client.get("/api/v1/search", {"q": "x", "cursor": "!!"}).status_code == 400
    assert client.get("/api/v1/search", {"q": "x", "space": str(2**63)}).status_code == 422
    assert client.get("/api/v1/search", {"q": '"' * 5000}).status_code == 200
    suggestions = client.get("/api/v1/search/suggest", {"q": "plan lic"}).json()
    assert [item["id"] for item in suggestions["items"]] == [world.secret_page.pk]
    assert _client(world.bruno).get("/api/v1/search", {"q": "licorne"}).json()["total"] == 0


def test_a_page_of_results_costs_a_fixed_number_of_queries(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    from cercle.search import registry

    # The engine (ranked matches, names, parts of words), one visibility query per kind, the
    # searcher's spaces (relevance), the rows, one query per kind whose titles are read when shown.
    every = registry.kinds()
    titled = sum(1 for kind in every if kind.titles is not None)
    with django_assert_max_num_queries(5 + len(every) + titled):
        queries.search(world.anne, "réunion parcours OR licorne", limit=20)
