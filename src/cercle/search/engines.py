"""The engines behind one interface: SQLite FTS5 and PostgreSQL full-text search.

An engine writes a document's words to its own tables, keyed by `search_searchdocument.id`, and
turns a parsed query into SQL over them: the matches it can rank (`ranked`: words and stems, with
a score, higher is better), every match as a set of ids (`matches`: parts of words too), people's
names close to a word (`similar_names`). `candidates` runs them with the filters on
`search_searchdocument` and returns a bounded list of (id, kind, object id), best first, whose
visibility `cercle.search.queries` then checks with each kind's own rule.

A word matches its stem in French or in English, itself, and, for the last word typed, every word
it begins; a word of four letters or more, or the last one, also matches inside words (trigrams:
"budg" finds "budgétaire"). A phrase matches its words in a row.
"""

# ruff: noqa: S608 - SQL here is built from constant names and placeholders only: every typed word is a parameter (FTS5 match strings included, whose words are letters and digits).

from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import math
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple, ParamSpec, Protocol, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BigIntegerField, QuerySet
from django.db.models.expressions import RawSQL

from cercle.search import registry
from cercle.search.parser import Leaf, Query
from cercle.search.text import LANGUAGES, query_stems, stems, words

P = ParamSpec("P")
T = TypeVar("T")

DOC = "search_searchdocument"
PARTS_FROM = 4  # a word this long matches inside words too
NAMES_KIND = "person"  # the kind whose titles are names (SQLite keeps them in `search_names`)
# The names' typo lookup runs only when the ranked matches are fewer than this: a typed name
# with a typo finds (almost) nothing else, and the lookup reads a trigram of every document.
NAMES_IF_FEWER = 50
# Without filters, the engine scores the newest this many matches only (by the index's ids: the
# most recently indexed, taken in the index's own order without scoring), then keeps the best of
# them: a common word's cost no longer grows with the number of its matches. Filters and the date
# sort see every match.
RANK_WINDOW = 2000
# Kinds that are few and long-lived: scored whatever their age when their title matches (the
# suggested kinds' titles table), so that a colleague, a space or a reference page that hundreds
# of newer posts name stays among the results (`RANK_WINDOW`).
ALWAYS_SCORED = ("person", "space", "page", "news")
SQL = tuple[str, list[Any]]


class Indexed(Protocol):
    id: int
    kind: str
    title: str
    body: str
    language: str


def _plain(title: str, body: str) -> str:
    return " ".join(words(f"{title} {body}"))


def suggested(kind: str) -> bool:
    """Whether a kind's titles are offered as one types: those alone are in the titles' table
    (SQLite `search_titles`, PostgreSQL `search_title`), so that a prefix typed never reads the
    titles of posts and comments (their authors' names)."""
    found = registry.get(kind)
    return found is not None and found.suggest


@dataclass(frozen=True)
class Ranked:
    """The matches an engine can rank: `SELECT … FROM source WHERE where ORDER BY score DESC`,
    `key` being the document's id (a column of `source`)."""

    source: str
    key: str
    where: str
    where_params: list[Any]
    score: str  # higher is better
    score_params: list[Any]


@dataclass(frozen=True)
class Filters:
    """Conditions on `search_searchdocument` itself: the kinds (none: every kind), space,
    author, dates."""

    kinds: tuple[str, ...] = ()
    space_id: int | None = None
    author_id: int | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    extensions: tuple[str, ...] = ()  # files whose name ends with one of these ("pdf")

    @property
    def empty(self) -> bool:
        values = (self.space_id, self.author_id, self.date_from, self.date_to)
        return not self.kinds and not self.extensions and all(value is None for value in values)

    def sql(self) -> SQL:
        parts = ["1=1"]
        params: list[Any] = []
        if self.kinds:
            parts.append(f"{DOC}.kind IN ({', '.join(['%s'] * len(self.kinds))})")
            params.extend(self.kinds)
        if self.space_id is not None:
            parts.append(f"{DOC}.space_id = %s")
            params.append(self.space_id)
        if self.author_id is not None:
            parts.append(f"{DOC}.author_id = %s")
            params.append(self.author_id)
        if self.date_from is not None:
            parts.append(f"{DOC}.date >= %s")
            params.append(connection.ops.adapt_datetimefield_value(self.date_from))
        if self.date_to is not None:
            parts.append(f"{DOC}.date < %s")
            params.append(connection.ops.adapt_datetimefield_value(self.date_to))
        if self.extensions:
            # A file's title is its name: its type is its name's ending (case ignored).
            endings = " OR ".join([f"LOWER({DOC}.title) LIKE %s"] * len(self.extensions))
            parts.append(f"{DOC}.kind = 'document' AND ({endings})")
            params.extend(f"%.{extension.lower()}" for extension in self.extensions)
        return " AND ".join(parts), params


class Candidate(NamedTuple):
    id: int  # the document's
    kind: str
    object_id: int
    score: float | None = None  # the engine's (higher is better); None: matched inside words
    # Its date as seconds since 1970 (UTC): a number read for each of up to a thousand
    # candidates per pass, where a timestamp through the driver's time zone loader cost a
    # tenth of a search's time on PostgreSQL.
    date: float | None = None
    space_id: int | None = None


def id_list(ids: list[int]) -> RawSQL:
    """These ids as one parameter, for `pk__in=`: a search checks up to a thousand candidates'
    visibility at a time, and Django prepares a list's values one by one (as long as the SQL)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [ids])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])


# A kind's visibility rule as `visible_ids` asks it: PostgreSQL's SQL for one candidate and its
# parameters, or None (nothing visible); elsewhere the rows.
VisibilityRule = tuple[str, tuple[Any, ...]] | QuerySet[Any] | None


def visibility_rule(rows: QuerySet[Any]) -> VisibilityRule:
    """What `visible_ids` asks of a kind's rows (its visibility rule): on PostgreSQL the rule for
    one candidate as SQL (`candidate.id`), compiled once for all a search's candidates, or None
    when the rule lets the viewer see nothing; elsewhere the rows themselves."""
    if connection.vendor != "postgresql":
        return rows
    one = rows.filter(pk=RawSQL("candidate.id", [], output_field=BigIntegerField())).values("pk")
    try:
        return one.query.sql_with_params()
    except EmptyResultSet:  # a rule that lets the viewer see nothing (`.none()`)
        return None


def visible_ids(rule: VisibilityRule, ids: list[int]) -> list[int]:
    """The ids among `ids` of the rows a kind's rule (`visibility_rule`) lets the viewer see.

    PostgreSQL: the rule is asked once per candidate (`EXISTS (… AND pk = candidate OFFSET 0)`,
    a correlated subplan: each candidate's row is found by its key), where `pk IN (…)` let the
    planner join the rule's own subqueries to every row of their tables first — a comment's
    `EXISTS` of its post's rule became a hash of every visible post (50,000 rows read, 75-130 ms
    at a tenth of the issue's scale, for 40 candidate comments; 1 ms asked per candidate).
    `OFFSET 0` keeps PostgreSQL from turning the `EXISTS` into such a join."""
    if not ids or rule is None:
        return []
    if isinstance(rule, QuerySet):
        return list(rule.filter(pk__in=id_list(ids)).values_list("pk", flat=True))
    sql, params = rule
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT candidate.id FROM unnest(%s::bigint[]) AS candidate(id)"
            f" WHERE EXISTS ({sql} OFFSET 0)",
            [ids, *params],
        )
        return [row[0] for row in cursor.fetchall()]


COVER = "search_document_cover"  # SQLite: the columns read by id (migration search/0005)


def _by_id() -> str:
    """The documents' table, read by id: on SQLite through the index holding the columns a
    search reads (`COVER`), never the rows, whose long bodies (a file's text) spill onto
    overflow pages that SQLite walks to reach the columns after them (the date, the space)."""
    return f"{DOC} INDEXED BY {COVER}" if connection.vendor == "sqlite" else DOC


def _date_column() -> str:
    # SQLite: the text as stored (`fromisoformat` below), not through the driver's converter;
    # PostgreSQL: the seconds since 1970 (double precision, microseconds kept).
    if connection.vendor == "sqlite":
        return f"{DOC}.date || ''"
    return f"date_part('epoch', {DOC}.date)"


def _candidate(row: tuple[Any, ...]) -> Candidate:
    # SQLite's raw rows hold dates as text (UTC, as Django stores them, without a zone).
    date = row[4]
    if isinstance(date, str):
        moment = datetime.fromisoformat(date)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        date = moment.timestamp()
    return Candidate(row[0], row[1], row[2], row[3], date, row[5])


class Engine(Protocol):
    def write(self, documents: Iterable[Indexed]) -> None: ...
    def delete(self, ids: list[int]) -> None: ...
    def clear(self) -> None: ...
    def prune(self) -> int: ...
    def ranked(self, query: Query, *, titles: bool = False) -> Ranked: ...
    def matches(self, query: Query, *, titles: bool = False) -> SQL | None: ...
    def similar_names(self, word: str, kind: str) -> SQL | None: ...
    def titled(self, query: Query, kinds: tuple[str, ...], where: SQL, limit: int) -> SQL: ...
    def newest(
        self,
        query: Query,
        window: int,
        where: SQL = ("1=1", []),
        *,
        titles: bool = False,
        scored: bool = True,
    ) -> SQL: ...


def leaf_has_parts(leaf: Leaf, *, titles: bool) -> bool:
    """Whether a leaf also matches inside words (trigrams; never in titles-only suggestions)."""
    text = " ".join(leaf.words)
    return not titles and (len(text) >= PARTS_FROM or leaf.prefix) and len(text) >= 3


def has_parts(query: Query, *, titles: bool) -> bool:
    return any(leaf_has_parts(leaf, titles=titles) for group in query.groups for leaf in group)


def candidates(
    query: Query,
    filters: Filters,
    *,
    titles: bool = False,
    sort: str = "relevance",
    limit: int,
    names: tuple[str, str] | None = None,
    scored: bool = True,
) -> list[Candidate]:
    """The first `limit` matching documents, best first: the engine's ranked matches (words and
    stems) by score, then those matching only inside words (or by a name's typo) newest first;
    or every match newest first (`sort="date"`). `names`: (word, kind) for the typo tolerance.
    `scored=False`: the same matches, the ranked ones the newest `limit` and unscored (the
    engine's score is most of a common word's cost): which documents match, not their order
    (the search's counts per kind beside one kind's tab)."""
    if query.empty or limit <= 0:
        return []
    current = engine()
    ranked = current.ranked(query, titles=titles)
    others = current.matches(query, titles=titles)
    where, where_params = filters.sql()
    columns = f"{DOC}.id, {DOC}.kind, {DOC}.object_id"
    tail = f"{_date_column()}, {DOC}.space_id"
    order = f"{DOC}.date DESC, {DOC}.id DESC"
    rows: list[Candidate] = []
    with connection.cursor() as cursor:
        if isinstance(current, PostgresEngine):
            current.without_jit(cursor)
        if sort != "date":
            # The engine's best `limit` alone, then their rows: the documents' table is read for
            # those only, not for every match. Only the newest `RANK_WINDOW` matches (of those
            # the filters keep) are scored, taken in the index's own order (the newest ids
            # first) without scoring the others: a common word's cost no longer grows with the
            # number of its matches, a tab of one kind included.
            window = max(RANK_WINDOW, limit) if scored else limit
            newest, newest_params = current.newest(
                query,
                window,
                (where, where_params) if not filters.empty else ("1=1", []),
                titles=titles,  # suggestions: the titles' small table, not every document
                scored=scored,
            )
            cursor.execute(
                f"SELECT {columns}, best.score, {tail}"
                f" FROM (SELECT id, score FROM ({newest}) AS newest"
                " ORDER BY score DESC, id DESC LIMIT %s) AS best"
                f" JOIN {_by_id()} ON {DOC}.id = best.id ORDER BY best.score DESC, {order}",
                [*newest_params, limit],
            )
            rows = [_candidate(row) for row in cursor.fetchall()]
            # The few, long-lived kinds whose title matches (the titles' small table says which),
            # scored whatever their age, with the same score as the others.
            always = tuple(k for k in ALWAYS_SCORED if not filters.kinds or k in filters.kinds)
            if always and not titles:  # (suggestions: every candidate is a title already)
                cursor.execute(*current.titled(query, always, (where, where_params), limit))
                seen = {row.id for row in rows}
                rows += [c for c in map(_candidate, cursor.fetchall()) if c.id not in seen]
            oldest = -math.inf
            rows.sort(
                key=lambda c: (c.score or 0.0, c.date if c.date is not None else oldest, c.id),
                reverse=True,
            )
            del rows[limit:]
            if len(rows) >= limit or (others is None and names is None):
                return rows
        similar = None
        if names is not None and (sort == "date" or len(rows) < NAMES_IF_FEWER):
            similar = current.similar_names(*names)
        # The rest (or everything, by date): a set of ids, filtered and ordered on the table.
        found: list[SQL] = []
        if others is not None:  # every match (the ranked ones included)
            found.append(others)
        elif sort == "date":
            every = f"SELECT {ranked.key} FROM {ranked.source} WHERE {ranked.where}"
            found.append((every, ranked.where_params))
        if similar is not None:
            found.append(similar)
        if not found:
            return rows
        postgres = connection.vendor == "postgresql"
        only = (
            current.parts_only(query, titles=titles)
            if sort != "date" and isinstance(current, PostgresEngine) and others is not None
            else None
        )
        if only is not None:
            found[0] = only  # (not the ranked matches already)
            found[1:] = [
                (f"{sql} AND NOT ({ranked.where})", [*sql_params, *ranked.where_params])
                for sql, sql_params in found[1:]
            ]
        elif sort != "date" and postgres:
            # Each set's rows that the ranked ones are not, tested on the same row (`AND NOT`;
            # PostgreSQL's sets are `SELECT … WHERE` on `search_vector`): an `EXCEPT` of the
            # ranked matches found them all again (a phrase's: every row holding its words read
            # back and checked, ~100 ms at a tenth of the scale).
            found = [
                (f"{sql} AND NOT ({ranked.where})", [*sql_params, *ranked.where_params])
                for sql, sql_params in found
            ]
        sets = [sql for sql, _params in found]
        params: list[Any] = [param for _sql, sql_params in found for param in sql_params]
        union = " UNION ".join(f"SELECT * FROM ({sql}) AS s{i}" for i, sql in enumerate(sets))
        if sort != "date" and not postgres:
            union += f" EXCEPT SELECT {ranked.key} FROM {ranked.source} WHERE {ranked.where}"
            params.extend(ranked.where_params)
        # PostgreSQL: the set as an array, whose rows are then read by their key; `IN (…)`, whose
        # size the planner overestimates (thousands), read every document's row to hash them.
        among = f"= ANY(ARRAY({union}))" if postgres else f"IN ({union})"
        cursor.execute(
            f"SELECT {columns}, NULL, {tail} FROM {_by_id()} WHERE {DOC}.id {among}"
            f" AND {where}"
            f" ORDER BY {order} LIMIT %s",
            [*params, *where_params, limit - len(rows)],
        )
        rows += [_candidate(row) for row in cursor.fetchall()]
    return rows


def titled_by_documents(
    current: Engine, query: Query, kinds: tuple[str, ...], where: SQL, limit: int
) -> SQL:
    """The best `limit` documents of these kinds whose title matches, scored as every document
    is (`ranked`): the query's matches kept if their id is among the titles' matches."""
    ranked = current.ranked(query)
    titled = current.ranked(query, titles=True)
    return (
        f"SELECT {DOC}.id, {DOC}.kind, {DOC}.object_id, {ranked.score} AS score,"
        f" {_date_column()}, {DOC}.space_id"
        f" FROM {ranked.source} JOIN {_by_id()} ON {DOC}.id = {ranked.key}"
        f" WHERE {ranked.where} AND {DOC}.kind IN ({', '.join(['%s'] * len(kinds))})"
        f" AND {where[0]} AND {ranked.key} IN"
        f" (SELECT {titled.key} FROM {titled.source} WHERE {titled.where})"
        f" ORDER BY score DESC, {DOC}.date DESC, {DOC}.id DESC LIMIT %s",
        [
            *ranked.score_params,
            *ranked.where_params,
            *kinds,
            *where[1],
            *titled.where_params,
            limit,
        ],
    )


def _trigrams(word: str) -> set[str]:
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity of two words (shared trigrams over all of them)."""
    ta, tb = _trigrams(a), _trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


class SQLiteEngine:
    def write(self, documents: Iterable[Indexed]) -> None:
        documents = list(documents)
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
            titles = [
                row[:3] for row, doc in zip(rows, documents, strict=True) if suggested(doc.kind)
            ]
            if titles:
                cursor.executemany(
                    "INSERT OR REPLACE INTO search_titles (rowid, title_words, title_stems)"
                    " VALUES (%s, %s, %s)",
                    titles,
                )
            names = [(doc.id, doc.title) for doc in documents if doc.kind == NAMES_KIND]
            if names:
                cursor.executemany(
                    "INSERT OR REPLACE INTO search_names (rowid, title) VALUES (%s, %s)", names
                )

    def delete(self, ids: list[int]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany("DELETE FROM search_fts WHERE rowid = %s", [(i,) for i in ids])
            cursor.executemany("DELETE FROM search_trigram WHERE rowid = %s", [(i,) for i in ids])
            cursor.executemany("DELETE FROM search_names WHERE rowid = %s", [(i,) for i in ids])
            cursor.executemany("DELETE FROM search_titles WHERE rowid = %s", [(i,) for i in ids])

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fts")
            cursor.execute("DELETE FROM search_trigram")
            cursor.execute("DELETE FROM search_names")
            cursor.execute("DELETE FROM search_titles")

    def prune(self) -> int:
        return 0  # (FTS5's trigram table follows each write)

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

    def _expression(self, query: Query, *, titles: bool) -> str:
        """The whole query as one FTS5 expression (words and stems only, no parts of words)."""
        groups = [
            "(" + " OR ".join(self._match(leaf, titles=titles) for leaf in group) + ")"
            for group in query.groups
        ]
        expression = " AND ".join(groups)
        if query.excluded:
            excluded = " OR ".join(self._match(leaf, titles=titles) for leaf in query.excluded)
            expression = f"({expression}) NOT ({excluded})"
        return expression

    def ranked(self, query: Query, *, titles: bool = False) -> Ranked:
        if titles:  # suggestions: the suggested kinds' titles only, in their own small table
            return Ranked(
                source="search_titles",
                key="search_titles.rowid",
                where="search_titles MATCH %s",
                where_params=[self._expression(query, titles=True)],
                score="-bm25(search_titles)",
                score_params=[],
            )
        # bm25 is lower for better matches; titles weigh ten times the body.
        return Ranked(
            source="search_fts",
            key="search_fts.rowid",
            where="search_fts MATCH %s",
            where_params=[self._expression(query, titles=titles)],
            score="-bm25(search_fts, 10.0, 10.0, 1.0, 1.0)",
            score_params=[],
        )

    def matches(self, query: Query, *, titles: bool = False) -> SQL | None:
        if not has_parts(query, titles=titles):
            return None
        # Sets of ids: a group is the union of its leaves' words and parts, the query the
        # intersection of its groups less the excluded words (SQLite: left to right).
        fts = "SELECT rowid AS id FROM search_fts WHERE search_fts MATCH %s"
        trigram = "SELECT rowid AS id FROM search_trigram WHERE search_trigram MATCH %s"
        sets: list[str] = []
        params: list[Any] = []
        for group in query.groups:
            parts = [fts]
            params.append(" OR ".join(self._match(leaf, titles=titles) for leaf in group))
            for leaf in group:
                if leaf_has_parts(leaf, titles=titles):
                    parts.append(trigram)
                    params.append(f'"{" ".join(leaf.words)}"')
            sets.append("SELECT * FROM (" + " UNION ".join(parts) + ")")
        sql = " INTERSECT ".join(sets)
        if query.excluded:
            sql += f" EXCEPT {fts}"
            params.append(" OR ".join(self._match(leaf, titles=titles) for leaf in query.excluded))
        return sql, params

    def titled(self, query: Query, kinds: tuple[str, ...], where: SQL, limit: int) -> SQL:
        """The always-scored kinds' title matches, driven by the titles' own small table and
        scored by it (`-bm25(search_titles)` ten times, as titles weigh ten times the body in
        `search_fts`): FTS5 would otherwise walk and score every match of the word in every
        document's body first (8-24 s for a middling word at 464,000 documents). An excluded
        word must not be in the body either: that query takes the documents' table."""
        if query.excluded:
            return titled_by_documents(self, query, kinds, where, limit)
        titled = self.ranked(query, titles=True)
        return (
            f"SELECT {DOC}.id, {DOC}.kind, {DOC}.object_id, 10.0 * {titled.score} AS score,"
            f" {_date_column()}, {DOC}.space_id"
            f" FROM {titled.source} JOIN {_by_id()} ON {DOC}.id = {titled.key}"
            f" WHERE {titled.where} AND {DOC}.kind IN ({', '.join(['%s'] * len(kinds))})"
            f" AND {where[0]} ORDER BY score DESC, {DOC}.date DESC, {DOC}.id DESC LIMIT %s",
            [*titled.score_params, *titled.where_params, *kinds, *where[1], limit],
        )

    def newest(
        self,
        query: Query,
        window: int,
        where: SQL = ("1=1", []),
        *,
        titles: bool = False,
        scored: bool = True,
    ) -> SQL:
        # FTS5 walks its matches in rowid order and scores the rows it returns only (those the
        # filters keep: the documents' row is read by its id for each match walked).
        # Without filters the documents' table is not read at all. `titles`: the suggested
        # kinds' titles' own table.
        ranked = self.ranked(query, titles=titles)
        joined = f" JOIN {_by_id()} ON {DOC}.id = {ranked.key}" if where[0] != "1=1" else ""
        score, score_params = (ranked.score, ranked.score_params) if scored else ("0", [])
        return (
            f"SELECT {ranked.key} AS id, {score} AS score FROM {ranked.source}{joined}"
            f" WHERE {ranked.where} AND {where[0]} ORDER BY {ranked.key} DESC LIMIT %s",
            [*score_params, *ranked.where_params, *where[1], window],
        )

    def similar_names(self, word: str, kind: str) -> SQL | None:
        # FTS5 has no similarity: candidates share a trigram (in the names' own small table,
        # `search_names`: people only); Python keeps the close ones.
        grams = [gram for gram in _trigrams(word) if " " not in gram]
        if not grams or kind != NAMES_KIND:
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid, title FROM search_names WHERE search_names MATCH %s LIMIT 500",
                [" OR ".join(f'"{gram}"' for gram in grams)],
            )
            rows = cursor.fetchall()
        ids = [
            row[0]
            for row in rows
            if any(similarity(word, candidate) >= 0.4 for candidate in words(row[1]))
        ]
        if not ids:
            return None
        return f"SELECT id FROM {DOC} WHERE id IN ({', '.join(['%s'] * len(ids))})", ids


_CONFIG = {"fr": "french", "en": "english"}
# PostgreSQL's newest matches (`PostgresEngine._walks`): what a match read from the words' index
# costs against a document read walking the ids backwards, and how many times the planner's
# count of a word's matches may exceed theirs.
WALK_COST = 5.0
OVERESTIMATE = 2.0
_NO_JIT: weakref.WeakSet[Any] = weakref.WeakSet()  # the connections told `SET jit = off`
_INDEXED: list[float] = []  # (the planner's count of the indexed documents, when read)


def _documents_indexed() -> float:
    """How many documents `search_vector` holds, as the planner counts them (`reltuples`),
    read again once a minute."""
    now = time.monotonic()
    if not _INDEXED or now - _INDEXED[1] > 60:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'search_vector'::regclass")
            row = cursor.fetchone()
        _INDEXED[:] = [max(float(row[0] if row else 0), 1.0), now]
    return _INDEXED[0]


NAME_SIMILARITY = 0.45  # pg_trgm's word similarity of a typed name to a person's name
PART_WORD = 3  # the shortest word kept in `search_word` (a part of a word is 3 letters or more)
# A part held by more words than this (a common ending: `ment`, `eur`) is looked up with `LIKE`
# in the documents' plain text, as before the words' table: at a tenth of the scale a
# `tsquery` of 89 words (`ille`, 19,679 documents) took 0.42 s against `LIKE`'s 0.74 s, but one
# of 123 (`ure`, 35,054 documents) 7 s against 0.79 s — the planner reads every vector then.
MAX_PART_WORDS = 100


def _part_words_of(plain: str) -> set[str]:
    """The words of a document's plain text kept in `search_word`."""
    return {word for word in plain.split(" ") if len(word) >= PART_WORD}


class PostgresEngine:
    def write(self, documents: Iterable[Indexed]) -> None:
        rows: dict[int, tuple[str, str, str, str]] = {}
        titles = []
        vocabulary: set[str] = set()
        for doc in documents:
            config = _CONFIG.get(doc.language, "french")
            title = " ".join(words(doc.title))
            body = " ".join(words(doc.body))
            if suggested(doc.kind):
                titles.append((doc.id, config, title, title))
            plain = _plain(doc.title, doc.body)
            vocabulary.update(_part_words_of(plain))
            rows[doc.id] = (config, title, body, plain)  # (an id twice: its last version)
        if not rows:
            return
        ids = sorted(rows)  # (one order: two writers of the same items wait, never deadlock)
        columns = [[rows[doc_id][n] for doc_id in ids] for n in range(4)]
        with connection.cursor() as cursor:
            # One statement for the batch; RETURNING's subquery reads the row as it was before
            # this statement (a statement does not see its own changes): the words an edit took
            # out, for `_forget`.
            cursor.execute(
                "INSERT INTO search_vector (doc_id, vector, plain, title)"
                " SELECT d.doc_id,"
                " setweight(to_tsvector(d.config::regconfig, unaccent(d.title)), 'A')"
                " || setweight(to_tsvector(d.config::regconfig, unaccent(d.body)), 'B')"
                " || setweight(to_tsvector('simple', unaccent(d.title)), 'A')"
                " || setweight(to_tsvector('simple', unaccent(d.body)), 'D'), d.plain, d.title"
                " FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[])"
                " AS d(doc_id, config, title, body, plain)"
                " ON CONFLICT (doc_id) DO UPDATE SET vector = EXCLUDED.vector,"
                " plain = EXCLUDED.plain, title = EXCLUDED.title"
                " RETURNING (SELECT previous.plain FROM search_vector AS previous"
                " WHERE previous.doc_id = search_vector.doc_id)",
                [ids, *columns],
            )
            before = {
                word for (plain,) in cursor.fetchall() if plain for word in _part_words_of(plain)
            }
            # The words of the parts of words' lookup (`_part_words`), in one order: two writers
            # adding the same new words wait for each other instead of deadlocking.
            cursor.execute(
                "INSERT INTO search_word (word) SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING",
                [sorted(vocabulary)],
            )
            self._forget(cursor, before - vocabulary)
            if titles:
                cursor.executemany(
                    "INSERT INTO search_title (doc_id, vector) VALUES (%s,"
                    " to_tsvector(%s::regconfig, unaccent(%s))"
                    " || to_tsvector('simple', unaccent(%s)))"
                    " ON CONFLICT (doc_id) DO UPDATE SET vector = EXCLUDED.vector",
                    titles,
                )

    def delete(self, ids: list[int]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM search_vector WHERE doc_id = ANY(%s) RETURNING plain", [ids]
            )
            gone = {word for (plain,) in cursor.fetchall() for word in _part_words_of(plain)}
            cursor.execute("DELETE FROM search_title WHERE doc_id = ANY(%s)", [ids])
            self._forget(cursor, gone)

    @staticmethod
    def _forget(cursor: Any, candidates: set[str]) -> None:
        """Remove from `search_word` those of `candidates` (words a deletion or an edit took out)
        that no document holds any more: a deleted or erased text leaves none of its words behind
        (the parts of words' table is personal data too). The check is the `simple` lexeme in
        the GIN index, as the words are matched. A document written at the same moment by
        another transaction, still uncommitted and holding the same word, is not seen: that
        word then misses from its parts of words until `rebuild_search_index` (rare: the only
        other holder of a word deleted in the same instant)."""
        if not candidates:
            return
        cursor.execute(
            "DELETE FROM search_word WHERE word = ANY(%s) AND NOT EXISTS (SELECT 1 FROM"
            " search_vector WHERE search_vector.vector @@"
            " to_tsquery('simple', quote_literal(search_word.word)))",
            [sorted(candidates)],
        )

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_vector")
            cursor.execute("DELETE FROM search_title")
            cursor.execute("DELETE FROM search_word")

    def prune(self) -> int:
        """Remove the words no document holds any more (`rebuild_search_index`, at its end):
        what deletions and edits left when they ran beside writes of the same words, and the
        words of documents removed other than through `delete`."""
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM search_word USING (SELECT word FROM search_word EXCEPT"
                " SELECT unnest(string_to_array(plain, ' ')) FROM search_vector) AS gone"
                " WHERE search_word.word = gone.word"
            )
            return int(cursor.rowcount)

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

    def _part_words(self, text: str) -> list[str] | None:
        """The index's words holding `text` (a word of the query: no space), from the words'
        small table and its trigram index; None when they are more than `MAX_PART_WORDS`."""
        cache: dict[str, list[str] | None] = self.__dict__.setdefault("_parts_cache", {})
        if text not in cache:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT word FROM search_word WHERE word LIKE %s LIMIT %s",
                    [f"%{text}%", MAX_PART_WORDS + 1],
                )
                found = [row[0] for row in cursor.fetchall()]
            cache[text] = found if len(found) <= MAX_PART_WORDS else None
        return cache[text]

    def _parts_tsquery(self, leaf: Leaf) -> SQL | None:
        """A leaf's parts of words as a `tsquery` of the words holding them (the `simple`
        lexemes, the documents' own words: their stems are other lexemes), or None: a phrase,
        or too many words (then `LIKE` on the plain text)."""
        if leaf.is_phrase:
            return None
        found = self._part_words(leaf.words[0])
        if found is None:
            return None
        if not found:
            return "", []  # (held by no word: matches nothing)
        return "to_tsquery('simple', %s)", [" | ".join(f"'{word}'" for word in found)]

    def _parts(self, leaf: Leaf) -> SQL:
        """A leaf's parts of words as a condition on a `search_vector` row."""
        tsquery = self._parts_tsquery(leaf)
        if tsquery is None:
            return "search_vector.plain LIKE %s", [f"%{' '.join(leaf.words)}%"]
        return (f"search_vector.vector @@ {tsquery[0]}" if tsquery[0] else "false"), tsquery[1]

    def _condition(
        self, query: Query, *, titles: bool, parts: bool, vector: str = "search_vector.vector"
    ) -> SQL:
        """The query as a condition on a `search_vector` row (with parts of words: `LIKE`), or
        on another `vector` column (the titles' table)."""
        sql: list[str] = []
        params: list[Any] = []
        for group in query.groups:
            alternatives = []
            for leaf in group:
                tsquery, leaf_params = self._tsquery(leaf, titles=titles)
                alternatives.append(f"{vector} @@ {tsquery}")
                params.extend(leaf_params)
                if parts and leaf_has_parts(leaf, titles=titles):
                    part, part_params = self._parts(leaf)
                    alternatives.append(part)
                    params.extend(part_params)
            sql.append("(" + " OR ".join(alternatives) + ")")
        for leaf in query.excluded:
            tsquery, leaf_params = self._tsquery(leaf, titles=titles)
            sql.append(f"NOT ({vector} @@ {tsquery})")
            params.extend(leaf_params)
        return " AND ".join(sql) or "1=0", params

    def ranked(self, query: Query, *, titles: bool = False) -> Ranked:
        vector = "search_title.vector" if titles else "search_vector.vector"
        # Suggestions read the suggested kinds' titles only (`search_title`: titles alone, so
        # no weight is needed to tell them from bodies).
        where, where_params = self._condition(query, titles=False, parts=False, vector=vector)
        every: list[str] = []
        score_params: list[Any] = []
        for group in query.groups:
            for leaf in group:
                sql, p = self._tsquery(leaf, titles=False)
                every.append(sql)
                score_params.extend(p)
        return Ranked(
            source="search_title" if titles else "search_vector",
            key="search_title.doc_id" if titles else "search_vector.doc_id",
            where=where,
            where_params=where_params,
            score=f"ts_rank({vector}, " + " || ".join(every) + ")",
            score_params=score_params,
        )

    def matches(self, query: Query, *, titles: bool = False) -> SQL | None:
        if not has_parts(query, titles=titles):
            return None
        where, params = self._condition(query, titles=titles, parts=True)
        return f"SELECT search_vector.doc_id FROM search_vector WHERE {where}", params

    def parts_only(self, query: Query, *, titles: bool = False) -> SQL | None:
        """The matches inside words that are not ranked matches, for a query of one group:
        its parts (`LIKE`) and not its words — the same rows as `matches` less `ranked`, but
        each row the trigram index proposes is rejected by its text alone; `(words OR parts)`
        read every proposed row's vector first (a file's vector is larger than its text)."""
        if len(query.groups) != 1 or not has_parts(query, titles=titles):
            return None
        leaves = [leaf for leaf in query.groups[0] if leaf_has_parts(leaf, titles=titles)]
        found = [self._parts_tsquery(leaf) for leaf in leaves]
        words: list[str] = []
        params: list[Any] = []
        if all(tsquery is not None for tsquery in found):
            # Every part as the words holding it: one `tsquery`, the words' own rows excluded
            # inside it (`&& !!`), answered by the GIN index alone, no row read back.
            parts = [tsquery for tsquery in found if tsquery is not None and tsquery[0]]
            if not parts:
                return "SELECT search_vector.doc_id FROM search_vector WHERE false", []
            for _sql, sql_params in parts:
                params.extend(sql_params)
            for leaf in [*query.groups[0], *query.excluded]:
                tsquery, leaf_params = self._tsquery(leaf, titles=titles)
                words.append(tsquery)
                params.extend(leaf_params)
            return (
                "SELECT search_vector.doc_id FROM search_vector WHERE search_vector.vector @@"
                f" (({' || '.join(sql for sql, _ in parts)}) && !!({' || '.join(words)}))",
                params,
            )
        likes: list[str] = []
        for leaf in leaves:
            part, part_params = self._parts(leaf)
            likes.append(part)
            params.extend(part_params)
        for leaf in [*query.groups[0], *query.excluded]:
            tsquery, leaf_params = self._tsquery(leaf, titles=titles)
            words.append(f"search_vector.vector @@ {tsquery}")
            params.extend(leaf_params)
        return (
            "SELECT search_vector.doc_id FROM search_vector"
            f" WHERE ({' OR '.join(likes)}) AND NOT ({' OR '.join(words)})",
            params,
        )

    def titled(self, query: Query, kinds: tuple[str, ...], where: SQL, limit: int) -> SQL:
        # PostgreSQL's planner drives this by the titles' index itself.
        return titled_by_documents(self, query, kinds, where, limit)

    def newest(
        self,
        query: Query,
        window: int,
        where: SQL = ("1=1", []),
        *,
        titles: bool = False,
        scored: bool = True,
    ) -> SQL:
        # The newest ids first, their vectors carried through the limit: `ts_rank` is computed
        # for the window's rows only (in the same query PostgreSQL would compute it for every
        # match before sorting). `titles`: the suggested kinds' titles' own table.
        ranked = self.ranked(query, titles=titles)
        table = ranked.source
        score = ranked.score.replace(f"{table}.vector", "w.vector") if scored else "0"
        score_params = ranked.score_params if scored else []
        joined = f" JOIN {DOC} ON {DOC}.id = {table}.doc_id" if where[1] else ""
        # Without filters, how the newest matches are found is chosen here (`_walks`): walking
        # the ids backwards, or every match from the words' index then sorted (`doc_id + 0`
        # cannot be read in the primary key's order).
        key = f"{table}.doc_id"
        if not titles and not where[1] and not self._walks(ranked, window):
            key = f"{table}.doc_id + 0"
        return (
            f"SELECT w.doc_id AS id, {score} AS score FROM (SELECT {table}.doc_id,"
            f" {table}.vector FROM {table}{joined} WHERE {ranked.where}"
            f" AND {where[0]} ORDER BY {key} DESC LIMIT %s) AS w",
            [*score_params, *ranked.where_params, *where[1], window],
        )

    @staticmethod
    def without_jit(cursor: Any) -> None:
        """JIT compilation off for this database session, once per connection (a pool's
        connections live on). A search's statements are planned at costs that grow with the
        index: the parts-of-words query's is ~29,000 at a tenth of the issue's scale, past
        `jit_above_cost` (100,000) at its full scale, and compiling it cost 19 ms there (258 ms
        with inlining and optimisation, past 500,000; thresholds set to 0 to measure it) to
        save nothing: its time is spent reading texts.
        Set in a transaction that is rolled back, the setting goes back to the server's:
        slower, never wrong."""
        raw = connection.connection
        if raw is None or raw in _NO_JIT:
            return
        cursor.execute("SET jit = off")
        _NO_JIT.add(raw)

    @staticmethod
    def _walks(ranked: Ranked, window: int) -> bool:
        """Whether the newest `window` matches are best found by walking the ids backwards
        (reading window / d rows, d the share of documents that match) rather than from the
        words' index (every match read, d × N rows, each dearer: `WALK_COST` times): when
        d² > window / (WALK_COST × N), that is when the matches are more than
        √(window × N / WALK_COST) (9,400 of 222,000 documents). The planner, left to itself,
        walks when it expects a few thousand matches, as if a row cost the same read either
        way, when a walk reads each row's whole vector: a word with 1,983 matches walked all
        222,000 documents at a tenth of the issue's scale (240 ms; 15 ms from the index).
        Its count of the matches is its own estimate (`EXPLAIN`, no row read), which
        overestimates by up to three times (a word's plain, French and English forms are
        counted as three), hence `OVERESTIMATE`."""

        def estimate() -> float:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"EXPLAIN (FORMAT JSON) SELECT 1 FROM search_vector WHERE {ranked.where}",
                    ranked.where_params,
                )
                plan = cursor.fetchone()[0]
                if isinstance(plan, str):
                    plan = json.loads(plan)
                return float(plan[0]["Plan"]["Plan Rows"])

        expected = memoised(("walks", ranked.where, tuple(ranked.where_params)), estimate)
        documents = _documents_indexed()
        return expected > OVERESTIMATE * math.sqrt(window * documents / WALK_COST)

    def similar_names(self, word: str, kind: str) -> SQL | None:
        # `<%` (word similarity above the threshold) is answered by the titles' trigram index;
        # `word_similarity(…) >= x` as a function read every title (1.5 s at 200,000 documents).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
                [str(NAME_SIMILARITY)],
            )
        return (
            f"SELECT {DOC}.id FROM {DOC} JOIN search_vector ON search_vector.doc_id = {DOC}.id"
            f" WHERE {DOC}.kind = %s AND %s <%% search_vector.title",
            [kind, word],
        )


def planned_for_their_words(function: Callable[P, T]) -> Callable[P, T]:
    """PostgreSQL: a search's statements are never prepared while `function` runs — each is
    planned for its own words. A prepared statement is planned once for any words after a few
    uses (PostgreSQL's generic plan), when a search's best plan depends on how many documents
    hold them (a rare word from its index, a common one by walking the newest): with statements
    prepared, 100,000 files' content search went from a median of 68 ms to 148 and a p99 of
    108 ms to 826 (`bench/documents_search_bench.py`)."""

    @functools.wraps(function)
    def unprepared(*args: P.args, **kwargs: P.kwargs) -> T:
        if connection.vendor != "postgresql":
            return function(*args, **kwargs)
        connection.ensure_connection()
        raw = connection.connection
        before = raw.prepare_threshold
        raw.prepare_threshold = None
        try:
            return function(*args, **kwargs)
        finally:
            raw.prepare_threshold = before

    return unprepared


# What one search (its passes: the counts, then a tab's ranking) finds once and uses again: the
# engine (its words' lookups), the planner's estimates, each kind's visibility rule as SQL.
_memo: contextvars.ContextVar[dict[Any, Any] | None] = contextvars.ContextVar(
    "search_memo", default=None
)


@contextlib.contextmanager
def one_search() -> Iterator[None]:
    """Within it, what `memoised` keeps is kept (a search's own statements, read once): nothing
    outlives the search, so no write is ever missed."""
    if _memo.get() is not None:  # (nested: the outer search's)
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memoised(key: Any, compute: Callable[[], T]) -> T:
    """`compute()`, once per `key` inside `one_search` (every time outside it)."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]  # type: ignore[no-any-return]


def engine() -> Engine:
    return memoised(
        ("engine", connection.vendor),
        lambda: PostgresEngine() if connection.vendor == "postgresql" else SQLiteEngine(),
    )
