"""Parts of words (`getaire` in `budgétaire`) follow every write, and on PostgreSQL the words'
table (`search_word`, migration search/0006) finds the same items as `LIKE` in the plain text."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from cercle.search import engines, queries
from cercle.search.engines import Filters, PostgresEngine
from cercle.search.parser import parse
from tests.factories import make_post, make_space, make_user

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's words table"
)


def found(user: Any, text: str) -> set[int]:
    hits = queries.search(user, text, limit=50).hits
    return {h.document.object_id for h in hits if h.kind.key == "post"}


def words_table() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT word FROM search_word")
        return {row[0] for row in cursor.fetchall()}


def test_parts_of_words_follow_inserts_edits_and_deletions() -> None:
    from cercle.feed.actions import delete_post, edit_post

    anne = make_user(first_name="Anne")
    space = make_space(owner=anne)
    post = make_post(author=anne, space=space, body="Un exercice budgétaire serré")
    assert post.pk in found(anne, "getaire ")  # (a trailing space: not a prefix)
    assert post.pk in found(anne, "budg")
    edit_post(actor=anne, post=post, body="Un exercice comptable serré")
    assert post.pk not in found(anne, "getaire ")
    assert post.pk in found(anne, "mptab ")
    delete_post(actor=anne, post=post)
    assert post.pk not in found(anne, "mptab ")
    assert post.pk not in found(anne, "ercic ")


@postgres_only
def test_the_words_table_follows_writes_edits_and_deletions() -> None:
    from cercle.feed.actions import delete_post, edit_post

    anne = make_user(first_name="Anne")
    space = make_space(owner=anne)
    post = make_post(author=anne, space=space, body="Le perroquet zinzolin")
    other = make_post(author=anne, space=space, body="Un autre perroquet")
    assert {"perroquet", "zinzolin", "autre"} <= words_table()
    assert "le" not in words_table()  # (shorter than any part of a word)
    # An edit takes out the words it removed, unless another item still holds them.
    edit_post(actor=anne, post=post, body="Le toucan zinzolin")
    assert {"toucan", "zinzolin", "perroquet"} <= words_table()
    edit_post(actor=anne, post=other, body="Un autre oiseau")
    assert "perroquet" not in words_table()
    # A deletion takes out its words that no other item holds.
    delete_post(actor=anne, post=post)
    assert not {"toucan", "zinzolin"} & words_table()
    assert {"autre", "oiseau"} <= words_table()
    assert post.pk not in found(anne, "ouca ")


@postgres_only
def test_the_rebuild_prunes_words_that_no_item_holds() -> None:
    anne = make_user(first_name="Anne")
    make_post(author=anne, space=make_space(owner=anne), body="Le perroquet zinzolin")
    with connection.cursor() as cursor:  # (as a deletion beside a write of the same word leaves)
        cursor.execute("INSERT INTO search_word (word) VALUES ('orphelin')")
    call_command("rebuild_search_index", stdout=io.StringIO())
    assert "orphelin" not in words_table()
    assert {"perroquet", "zinzolin"} <= words_table()


TEXTS = [
    "Un exercice budgétaire serré pour 2026",
    "Jean-Marc écrit un e-mail à propos de SAP/FI",
    "Le rapport2026 et la version x1e10 du logiciel",
    "Une œuvre de cœur, straße et Ærø",
    "Budgets, budgétisation et budgétaires",
    "Les comptables comptent les comptes",
    "Naïve café, déjà vu et garçon",
    "running runners ran a marathon",
]
QUERIES = [
    "getaire ",
    "budg",
    "udge",
    "arc ",
    "mail",
    "email",
    "jean-marc",
    "port2026",
    "026 ",
    "1e10",
    "uvre ",
    "trass",
    "omptab",
    "omptab -comptent",
    "getaire OR omptab",
    "getaire serre",
    "ompt budg",
    "aive ",
    "unner",
    "arath ",
    "cafe deja",
    '"exercice budg"',
    "zzzz ",
]


@postgres_only
def test_the_words_table_finds_what_like_in_the_plain_text_finds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    anne = make_user(first_name="Anne")
    bob = make_user(first_name="Bob")
    bob.language = "en"  # (his posts' stems are English)
    bob.save(update_fields=["language"])
    space = make_space(owner=anne)
    for text in TEXTS:
        make_post(author=anne, space=space, body=text)
        make_post(author=bob, space=space, body=text)

    def ids(text: str, sort: str) -> list[int]:
        rows = engines.candidates(parse(text), Filters(), limit=1000, sort=sort)
        return sorted(row.id for row in rows)

    with_words = {
        (text, sort): ids(text, sort) for text in QUERIES for sort in ("relevance", "date")
    }
    monkeypatch.setattr(engines, "MAX_PART_WORDS", -1)  # every part by `LIKE` on the plain text
    assert PostgresEngine()._parts_tsquery(parse("getaire ").groups[0][0]) is None
    with_like = {
        (text, sort): ids(text, sort) for text in QUERIES for sort in ("relevance", "date")
    }
    assert with_words == with_like
    assert with_words["getaire ", "relevance"]  # (the texts are found at all)
