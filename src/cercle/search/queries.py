"""Searching: one query over every kind, each filtered by its module's visibility rule.

The engine's conditions select the matching documents; each kind adds
`kind = k AND object_id IN (the rows the viewer may see)`, its module's own rule, so results,
counts, suggestions and excerpts come only from what the viewer may see now.
"""

# ruff: noqa: S610 - `extra` takes the engines' SQL, whose typed words are all parameters.

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from django.db.models import Count, Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cercle.core.text import normalize
from cercle.search import registry
from cercle.search.engines import engine
from cercle.search.models import RecentSearch, SearchDocument
from cercle.search.parser import Query, parse
from cercle.search.registry import SearchKind
from cercle.search.text import WORD, query_stems

if TYPE_CHECKING:
    from cercle.accounts.models import User

Sort = Literal["relevance", "date"]
PAGE = 20
MAX_OFFSET = 1000
EXCERPT = 200
SUGGESTIONS = 8
NAMES_KIND = "person"  # typo tolerance: people's names


@dataclass(frozen=True)
class Hit:
    document: SearchDocument
    kind: SearchKind
    title: SafeString  # escaped, words marked
    excerpt: SafeString  # escaped, words marked


@dataclass
class Results:
    query: Query
    hits: list[Hit] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    next_offset: int | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def searchable_kinds(keys: list[str] | None = None) -> list[SearchKind]:
    every = registry.kinds()
    if not keys:
        return every
    return [kind for kind in every if kind.key in keys]


def visible_documents(user: User, kinds: list[SearchKind]) -> QuerySet[SearchDocument]:
    """The index's documents of `kinds` that `user` may see now (each kind's own rule)."""
    if not user.is_authenticated or not user.is_active or not kinds:
        return SearchDocument.objects.none()
    allowed = Q()
    for kind in kinds:
        allowed |= Q(kind=kind.key, object_id__in=kind.visible(user).values("pk"))
    return SearchDocument.objects.filter(allowed)


def _matching(
    user: User, query: Query, kinds: list[SearchKind], *, titles: bool = False
) -> QuerySet[SearchDocument]:
    documents = visible_documents(user, kinds)
    if query.empty:
        return documents.none()
    where, params = engine().where(query, titles=titles)
    if not titles and any(kind.key == NAMES_KIND for kind in kinds):
        # Names typed with a typo ("Lefevbre") still find the person.
        single = [group[0].words[0] for group in query.groups if len(group[0].words) == 1]
        if len(query.groups) == 1 and single and len(single[0]) >= 4:
            similar, similar_params = engine().similar_names(single[0], NAMES_KIND)
            where = f"(({where}) OR ({similar}))"
            params = [*params, *similar_params]
    return documents.extra(where=[where], params=params)


def search(
    user: User,
    text: str,
    *,
    kinds: list[str] | None = None,
    space_id: int | None = None,
    author_id: int | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    sort: Sort = "relevance",
    offset: int = 0,
    limit: int = PAGE,
) -> Results:
    """The page of results at `offset`, and the counts per kind (before the kind filter)."""
    query = parse(text)
    results = Results(query=query)
    every_kind = searchable_kinds()
    documents = _matching(user, query, every_kind)
    if space_id is not None:
        documents = documents.filter(space_id=space_id)
    if author_id is not None:
        documents = documents.filter(author_id=author_id)
    if date_from is not None:
        documents = documents.filter(date__gte=date_from)
    if date_to is not None:
        documents = documents.filter(date__lt=date_to)
    if query.empty:
        return results
    results.counts = {
        row["kind"]: row["n"] for row in documents.order_by().values("kind").annotate(n=Count("id"))
    }
    chosen = searchable_kinds(kinds)
    if kinds:
        documents = documents.filter(kind__in=[kind.key for kind in chosen])
    offset = max(0, min(offset, MAX_OFFSET))
    limit = max(1, min(limit, 50))
    if sort == "date":
        ordered = documents.order_by("-date", "-id")
    else:
        score, score_params = engine().score(query)
        ordered = documents.extra(select={"score": score}, select_params=score_params).order_by(
            "-score", "-date", "-id"
        )
    page = list(ordered[offset : offset + limit + 1])
    if len(page) > limit:
        results.next_offset = offset + limit
    words = query.highlight_words()
    for document in page[:limit]:
        kind = registry.get(document.kind)
        if kind is None:
            continue
        results.hits.append(
            Hit(
                document=document,
                kind=kind,
                title=highlight(document.title, words, whole=True),
                excerpt=highlight(document.body, words),
            )
        )
    return results


def suggest(user: User, text: str, *, limit: int = SUGGESTIONS) -> list[Hit]:
    """The titles of people, spaces, pages and files that begin with what is typed."""
    query = parse(text)
    if query.empty:
        return []
    kinds = [kind for kind in registry.kinds() if kind.suggest]
    documents = _matching(user, query, kinds, titles=True)
    score, params = engine().score(query)
    rows = documents.extra(select={"score": score}, select_params=params).order_by(
        "-score", "-date", "-id"
    )[:limit]
    words = query.highlight_words()
    hits = []
    for document in rows:
        kind = registry.get(document.kind)
        if kind is not None:
            hits.append(
                Hit(document, kind, highlight(document.title, words, whole=True), mark_safe(""))
            )
    return hits


def recent_searches(user: User) -> list[str]:
    if not user.is_authenticated:
        return []
    return list(
        RecentSearch.objects.filter(user=user)
        .order_by("-searched_at", "-id")
        .values_list("query", flat=True)[:10]
    )


# --- Excerpts ----------------------------------------------------------------------------------


def _marks(word: str, wanted: list[str], stems: list[str]) -> bool:
    return any(word.startswith(w) for w in wanted) or any(
        len(s) >= 3 and word.startswith(s) for s in stems
    )


def highlight(text: str, words: list[str], *, whole: bool = False) -> SafeString:
    """`text` (or an excerpt around its first match) HTML-escaped, with matching words in <mark>."""
    text = " ".join((text or "").split())
    stems = [s for word in words for s in query_stems(word)]
    spans = [
        (m.start(), m.end())
        for m in WORD.finditer(text)
        if _marks(normalize(m.group()), words, stems)
    ]
    start, end = 0, len(text)
    if not whole and len(text) > EXCERPT:
        first = spans[0][0] if spans else 0
        start = max(0, first - EXCERPT // 3)
        # Start at a word's beginning.
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        end = min(len(text), start + EXCERPT)
        while end < len(text) and not text[end - 1].isspace():
            end += 1
    out = ["…" if start > 0 else ""]
    position = start
    for a, b in spans:
        if a < start or b > end:
            continue
        out.append(escape(text[position:a]))
        out.append(f"<mark>{escape(text[a:b])}</mark>")
        position = b
    out.append(escape(text[position:end]))
    if end < len(text):
        out.append("…")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


def parse_kinds(value: str | list[str] | None) -> list[str]:
    if not value:
        return []
    items = value if isinstance(value, list) else re.split(r"[,\s]+", value)
    known = {kind.key for kind in registry.kinds()}
    return [item for item in items if item in known]


def describe(results: Results) -> dict[str, Any]:  # for the templates' tabs
    return {kind.key: results.counts.get(kind.key, 0) for kind in registry.kinds()}
