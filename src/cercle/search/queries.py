"""Searching: candidates first, visibility second.

The engine returns the matching documents best first (`engines.candidates`: the filters on the
index's table, at most `BUDGET` of them); each kind then keeps, among its candidates, the rows its
module's own rule lets the viewer see now (`kind.visible(user).filter(pk__in=…)`, one bounded
query per kind present), so results, counts, suggestions and excerpts come only from what the
viewer may see, and a search's cost follows the budget, not the size of the tables. Beyond the
budget the counts are lower bounds (`Results.capped`: "N+").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cercle.core.text import normalize
from cercle.search import registry
from cercle.search.engines import Candidate, Filters, candidates
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
BUDGET = 5000  # candidates checked per search: the counts beyond it are lower bounds
SUGGEST_BUDGET = 200  # candidates checked per suggestion


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
    capped: set[str] = field(default_factory=set)  # kinds whose count is a lower bound ("N+")

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def total_capped(self) -> bool:
        return bool(self.capped)


def searchable_kinds(keys: list[str] | None = None) -> list[SearchKind]:
    every = registry.kinds()
    if not keys:
        return every
    return [kind for kind in every if kind.key in keys]


def _can_search(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def visible_candidates(user: User, found: list[Candidate]) -> list[Candidate]:
    """The candidates `user` may see now, in their order: each kind's own rule, one query per
    kind present."""
    by_kind: dict[str, list[int]] = {}
    for candidate in found:
        by_kind.setdefault(candidate.kind, []).append(candidate.object_id)
    allowed: set[tuple[str, int]] = set()
    for key, object_ids in by_kind.items():
        kind = registry.get(key)
        if kind is None:
            continue
        rows = kind.visible(user).order_by().filter(pk__in=object_ids)
        allowed.update((key, pk) for pk in rows.values_list("pk", flat=True))
    return [c for c in found if (c.kind, c.object_id) in allowed]


def _names(query: Query, kinds: list[SearchKind]) -> tuple[str, str] | None:
    """Names typed with a typo ("Lefevbre") still find the person: one word of 4 letters+."""
    if not any(kind.key == NAMES_KIND for kind in kinds) or len(query.groups) != 1:
        return None
    single = [leaf.words[0] for leaf in query.groups[0][:1] if len(leaf.words) == 1]
    if single and len(single[0]) >= 4:
        return single[0], NAMES_KIND
    return None


def _documents(chosen: list[Candidate]) -> list[SearchDocument]:
    by_id = SearchDocument.objects.in_bulk([c.id for c in chosen])
    return [by_id[c.id] for c in chosen if c.id in by_id]


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
    if query.empty or not _can_search(user):
        return results
    every_kind = searchable_kinds()
    offset = max(0, min(offset, MAX_OFFSET))
    limit = max(1, min(limit, 50))

    def visible(keys: list[SearchKind]) -> tuple[list[Candidate], bool]:
        filters = Filters(
            # Every kind: no condition (a kind no longer registered is dropped by visibility).
            kinds=tuple(kind.key for kind in keys) if len(keys) < len(every_kind) else (),
            space_id=space_id,
            author_id=author_id,
            date_from=date_from,
            date_to=date_to,
        )
        found = candidates(query, filters, sort=sort, limit=BUDGET + 1, names=_names(query, keys))
        return visible_candidates(user, found), len(found) > BUDGET

    shown, capped = visible(every_kind)
    for candidate in shown:
        results.counts[candidate.kind] = results.counts.get(candidate.kind, 0) + 1
    if capped:
        results.capped = {kind.key for kind in every_kind}
    chosen = searchable_kinds(kinds)
    if kinds and len(chosen) < len(every_kind):
        # The chosen kinds' own candidates: beyond the budget of everything, they may be many.
        shown, capped = visible(chosen) if chosen else ([], False)
        for key in (each.key for each in chosen):
            count = sum(1 for candidate in shown if candidate.kind == key)
            if count:
                results.counts[key] = count
            else:
                results.counts.pop(key, None)
            if capped:
                results.capped.add(key)
            else:
                results.capped.discard(key)
    page = shown[offset : offset + limit + 1]
    if len(page) > limit:
        results.next_offset = offset + limit
    words = query.highlight_words()
    for document in _documents(page[:limit]):
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
    if query.empty or not _can_search(user):
        return []
    kinds = [kind for kind in registry.kinds() if kind.suggest]
    found = candidates(
        query, Filters(kinds=tuple(kind.key for kind in kinds)), titles=True, limit=SUGGEST_BUDGET
    )
    words = query.highlight_words()
    hits = []
    for document in _documents(visible_candidates(user, found)[:limit]):
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
