"""The engines behind one interface: SQLite FTS5 and PostgreSQL full-text search.

An engine writes a document's words to its own tables, keyed by `search_searchdocument.id`, and
turns a parsed query into SQL conditions on that table (`where`) and a relevance (`score`,
higher is better), which `cercle.search.queries` combines with each kind's visibility rule.

A word matches its stem in French or in English, itself, and, for the last word typed, every word
it begins; a word of four letters or more, or the last one, also matches inside words (trigrams:
"budg" finds "budgétaire"). A phrase matches its words in a row.
"""

# ruff: noqa: S608 - SQL here is built from constant names and placeholders only: every typed word is a parameter (FTS5 match strings included, whose words are letters and digits).

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from django.db import connection

from cercle.search.parser import Leaf, Query
from cercle.search.text import LANGUAGES, query_stems, stems, words

DOC = "search_searchdocument"
PARTS_FROM = 4  # a word this long matches inside words too
SQL = tuple[str, list[Any]]


class Indexed(Protocol):
    id: int
    title: str
    body: str
    language: str


def _plain(title: str, body: str) -> str:
    return " ".join(words(f"{title} {body}"))


class Engine(Protocol):
    def write(self, documents: Iterable[Indexed]) -> None: ...
    def delete(self, ids: list[int]) -> None: ...
    def clear(self) -> None: ...
    def where(self, query: Query, *, titles: bool = False) -> SQL: ...
    def score(self, query: Query) -> SQL: ...
    def similar_names(self, word: str, kind: str) -> SQL: ...


def _conjunction(query: Query, leaf_sql: Any) -> SQL:
    parts: list[str] = []
    params: list[Any] = []
    for group in query.groups:
        alternatives = [leaf_sql(leaf) for leaf in group]
        parts.append("(" + " OR ".join(sql for sql, _ in alternatives) + ")")
        for _, p in alternatives:
            params.extend(p)
    for leaf in query.excluded:
        sql, p = leaf_sql(leaf, excluded=True)
        parts.append(f"NOT ({sql})")
        params.extend(p)
    return " AND ".join(parts) or "0=1", params


def _trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity of two words (shared trigrams over all of them)."""
    ta, tb = _trigrams(a), _trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


class SQLiteEngine:
    def write(self, documents: Iterable[Indexed]) -> None:
        rows = [
            (
                doc.id,
                " ".join(words(doc.title)),
                stems(doc.title, doc.language),
                " ".join(words(doc.body)),
                stems(doc.body, doc.language),
                _plain(doc.title, doc.body),
            )
            for doc in documents
        ]
        if not rows:
            return
        with connection.cursor() as cursor:
            # FTS5 replaces a row under the same rowid (the document's id).
            cursor.executemany(
                "INSERT OR REPLACE INTO search_fts"
                " (rowid, title_words, title_stems, body_words, body_stems)"
                " VALUES (%s, %s, %s, %s, %s)",
                [row[:5] for row in rows],
            )
            cursor.executemany(
                "INSERT OR REPLACE INTO search_trigram (rowid, plain) VALUES (%s, %s)",
                [(row[0], row[5]) for row in rows],
            )

    def delete(self, ids: list[int]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany("DELETE FROM search_fts WHERE rowid = %s", [(i,) for i in ids])
            cursor.executemany("DELETE FROM search_trigram WHERE rowid = %s", [(i,) for i in ids])

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fts")
            cursor.execute("DELETE FROM search_trigram")

    @staticmethod
    def _match(leaf: Leaf, *, titles: bool) -> str:
        word_columns = "{title_words}" if titles else "{title_words body_words}"
        stem_columns = "{title_stems}" if titles else "{title_stems body_stems}"
        if leaf.is_phrase:
            return f'{word_columns} : "{" ".join(leaf.words)}"'
        word = leaf.words[0]
        alternatives = [f'{word_columns} : "{word}"' + ("*" if leaf.prefix else "")]
        alternatives += [f'{stem_columns} : "{value}"' for value in query_stems(word)]
        return "(" + " OR ".join(alternatives) + ")"

    def _leaf(self, leaf: Leaf, *, titles: bool = False, excluded: bool = False) -> SQL:
        sql = f"{DOC}.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)"
        params: list[Any] = [self._match(leaf, titles=titles)]
        text = " ".join(leaf.words)
        if (
            not titles
            and not excluded
            and (len(text) >= PARTS_FROM or leaf.prefix)
            and len(text) >= 3
        ):
            sql += (
                f" OR {DOC}.id IN (SELECT rowid FROM search_trigram WHERE search_trigram MATCH %s)"
            )
            params.append(f'"{text}"')
        return f"({sql})", params

    def where(self, query: Query, *, titles: bool = False) -> SQL:
        return _conjunction(
            query, lambda leaf, excluded=False: self._leaf(leaf, titles=titles, excluded=excluded)
        )

    def score(self, query: Query) -> SQL:
        every = " OR ".join(
            self._match(leaf, titles=False) for group in query.groups for leaf in group
        )
        # bm25 is lower for better matches; titles weigh ten times the body. A match only inside
        # words (trigrams) scores 0.
        return (
            "COALESCE((SELECT -bm25(search_fts, 10.0, 10.0, 1.0, 1.0) FROM search_fts"
            f" WHERE search_fts MATCH %s AND rowid = {DOC}.id), 0)",
            [every],
        )

    def similar_names(self, word: str, kind: str) -> SQL:
        # FTS5 has no similarity: candidates share a trigram; Python keeps the close ones.
        grams = [gram for gram in _trigrams(word) if " " not in gram]
        if not grams:
            return "0=1", []
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.id, d.title FROM search_trigram t JOIN {DOC} d ON d.id = t.rowid"
                " WHERE search_trigram MATCH %s AND d.kind = %s LIMIT 500",
                [" OR ".join(f'"{gram}"' for gram in grams), kind],
            )
            rows = cursor.fetchall()
        ids = [
            row[0]
            for row in rows
            if any(similarity(word, candidate) >= 0.4 for candidate in words(row[1]))
        ]
        if not ids:
            return "0=1", []
        return f"{DOC}.id IN ({', '.join(['%s'] * len(ids))})", ids


_CONFIG = {"fr": "french", "en": "english"}


class PostgresEngine:
    def write(self, documents: Iterable[Indexed]) -> None:
        rows = []
        for doc in documents:
            config = _CONFIG.get(doc.language, "french")
            title = " ".join(words(doc.title))
            body = " ".join(words(doc.body))
            rows.append(
                (
                    doc.id,
                    config,
                    title,
                    config,
                    body,
                    title,
                    body,
                    _plain(doc.title, doc.body),
                    title,
                )
            )
        if not rows:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_vector (doc_id, vector, plain, title) VALUES (%s,"
                " setweight(to_tsvector(%s::regconfig, unaccent(%s)), 'A')"
                " || setweight(to_tsvector(%s::regconfig, unaccent(%s)), 'B')"
                " || setweight(to_tsvector('simple', unaccent(%s)), 'A')"
                " || setweight(to_tsvector('simple', unaccent(%s)), 'D'), %s, %s)"
                " ON CONFLICT (doc_id) DO UPDATE SET vector = EXCLUDED.vector,"
                " plain = EXCLUDED.plain, title = EXCLUDED.title",
                rows,
            )

    def delete(self, ids: list[int]) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_vector WHERE doc_id = ANY(%s)", [ids])

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_vector")

    @staticmethod
    def _tsquery(leaf: Leaf, *, titles: bool) -> SQL:
        weight = "A" if titles else ""
        if leaf.is_phrase:
            # Phrases in the language-free words; `:A` is not allowed inside phraseto_tsquery.
            return "phraseto_tsquery('simple', %s)", [" ".join(leaf.words)]
        word = leaf.words[0]
        suffix = ":*" if leaf.prefix else ""
        parts = ["to_tsquery('simple', %s)"]
        params: list[Any] = [f"{word}{suffix}{weight and (':' if not suffix else '') + weight}"]
        for language in LANGUAGES:
            parts.append(f"to_tsquery('{_CONFIG[language]}', %s)")
            params.append(f"{word}{':' + weight if weight else ''}")
        return "(" + " || ".join(parts) + ")", params

    def _leaf(self, leaf: Leaf, *, titles: bool = False, excluded: bool = False) -> SQL:
        tsquery, params = self._tsquery(leaf, titles=titles)
        sql = f"{DOC}.id IN (SELECT doc_id FROM search_vector WHERE vector @@ {tsquery}"
        text = " ".join(leaf.words)
        if (
            not titles
            and not excluded
            and (len(text) >= PARTS_FROM or leaf.prefix)
            and len(text) >= 3
        ):
            sql += " OR plain LIKE %s"
            params = [*params, f"%{text}%"]
        return sql + ")", params

    def where(self, query: Query, *, titles: bool = False) -> SQL:
        return _conjunction(
            query, lambda leaf, excluded=False: self._leaf(leaf, titles=titles, excluded=excluded)
        )

    def score(self, query: Query) -> SQL:
        parts: list[str] = []
        params: list[Any] = []
        for group in query.groups:
            for leaf in group:
                sql, p = self._tsquery(leaf, titles=False)
                parts.append(sql)
                params.extend(p)
        return (
            "COALESCE((SELECT ts_rank(vector, " + " || ".join(parts) + ") FROM search_vector"
            f" WHERE doc_id = {DOC}.id), 0)",
            params,
        )

    def similar_names(self, word: str, kind: str) -> SQL:
        return (
            f"({DOC}.kind = %s AND {DOC}.id IN (SELECT doc_id FROM search_vector"
            " WHERE word_similarity(%s, title) >= 0.45))",
            [kind, word],
        )


def engine() -> Engine:
    return PostgresEngine() if connection.vendor == "postgresql" else SQLiteEngine()
