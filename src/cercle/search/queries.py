"""Searching: candidates first, visibility second.

The engine returns the matching documents best first (`engines.candidates`: the filters on the
index's table, at most `BUDGET` of them); each kind then keeps, among its candidates, the rows its
module's own rule lets the viewer see now (`kind.visible(user).filter(pk__in=…)`, one bounded
query per kind present), so results, counts, suggestions and excerpts come only from what the
viewer may see, and a search's cost follows the budget, not the size of the tables. Beyond the
budget the counts are lower bounds (`Results.capped`: "N+").
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from cercle.core.text import normalize
from cercle.search import engines, registry
from cercle.search.engines import Candidate, Filters, candidates
from cercle.search.models import RecentSearch, SearchDocument
from cercle.search.parser import Query, parse
from cercle.search.registry import SearchKind
from cercle.search.text import WORD, query_stems
from cercle.spaces import queries as space_queries

if TYPE_CHECKING:
    from cercle.accounts.models import User

Sort = Literal["relevance", "date"]
PAGE = 20
MAX_OFFSET = 1000
EXCERPT = 200
SUGGESTIONS = 8
NAMES_KIND = engines.NAMES_KIND  # typo tolerance: people's names
BUDGET = 1000  # candidates checked per search: the counts beyond it are lower bounds
SUGGEST_BUDGET = 200  # candidates checked per suggestion
# Relevance: the engine's score times (1 + RECENT_WEIGHT × freshness + OWN_SPACE_WEIGHT if the
# item is in one of the searcher's spaces), freshness halving every RECENT_HALF_LIFE_DAYS.
RECENT_WEIGHT = 0.5
RECENT_HALF_LIFE_DAYS = 30.0
OWN_SPACE_WEIGHT = 0.5
# The file-type filter: a file's type is its name's ending.
FILE_TYPES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "pdf": (_("PDF"), ("pdf",)),
    "text": (_("Text documents"), ("doc", "docx", "odt", "rtf", "txt", "md")),
    "sheet": (_("Spreadsheets"), ("xls", "xlsx", "ods", "csv")),
    "slides": (_("Presentations"), ("ppt", "pptx", "odp", "key")),
    "image": (_("Images"), ("png", "jpg", "jpeg", "gif", "webp", "svg", "heic")),
}


@dataclass(frozen=True)
class Hit:
    document: SearchDocument
    kind: SearchKind
    title: SafeString  # escaped, words marked
    excerpt: SafeString  # escaped, words marked
    url: str = ""  # where it opens: the document's address and, if its kind says, the place
    text: str = ""  # the title, plain (read now if the kind says so, else as indexed)

    def __post_init__(self) -> None:
        if not self.url:
            object.__setattr__(self, "url", self.document.url)
        if not self.text:
            object.__setattr__(self, "text", self.document.title)


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
    kind present. Within one search (`engines.one_search`), its rule is made once and each
    candidate asked once: a tab's ranking pass asks only those the counts' pass did not."""
    by_kind: dict[str, list[int]] = {}
    for candidate in found:
        by_kind.setdefault(candidate.kind, []).append(candidate.object_id)
    allowed: set[tuple[str, int]] = set()
    for key, object_ids in by_kind.items():
        kind = registry.get(key)
        if kind is None:
            continue
        rule = engines.memoised(
            ("visible", key, user.pk),
            functools.partial(_visibility_rule, kind, user),
        )
        # {object id: whether visible} of the candidates asked so far in this search.
        asked: dict[int, bool] = engines.memoised(("asked", key, user.pk), dict)
        unknown = [pk for pk in object_ids if pk not in asked]
        if unknown:
            seen = set(engines.visible_ids(rule, unknown))
            asked.update((pk, pk in seen) for pk in unknown)
        allowed.update((key, pk) for pk in object_ids if asked[pk])
    return [c for c in found if (c.kind, c.object_id) in allowed]


def _visibility_rule(kind: SearchKind, user: User) -> engines.VisibilityRule:
    return engines.visibility_rule(kind.visible(user).order_by())


def _names(query: Query, kinds: list[SearchKind]) -> tuple[str, str] | None:
    """Names typed with a typo ("Lefevbre") still find the person: one word of 4 letters+."""
    if not any(kind.key == NAMES_KIND for kind in kinds) or len(query.groups) != 1:
        return None
    single = [leaf.words[0] for leaf in query.groups[0][:1] if len(leaf.words) == 1]
    if single and len(single[0]) >= 4:
        return single[0], NAMES_KIND
    return None


def _names_missed(query: Query, chosen: list[SearchKind], found: list[Candidate]) -> bool:
    """Whether a search of the `chosen` kinds alone would look up names typed with a typo that
    the search of every kind (`found`, its candidates) did not: that lookup runs only when the
    ranked matches are few (`engines.NAMES_IF_FEWER`), and the chosen kinds have fewer."""
    if _names(query, chosen) is None:
        return False
    ranked = [candidate for candidate in found if candidate.score is not None]
    if len(ranked) < engines.NAMES_IF_FEWER:
        return False  # the lookup ran
    keys = {kind.key for kind in chosen}
    return sum(1 for candidate in ranked if candidate.kind in keys) < engines.NAMES_IF_FEWER


def rerank(found: list[Candidate], own_spaces: Collection[int], now: datetime) -> list[Candidate]:
    """The engine's ranked candidates ordered again with recent activity and the searcher's own
    spaces weighing in; those matched only inside words (no score) stay after them, newest first."""
    moment = now.timestamp()

    def weight(candidate: Candidate) -> float:
        boost = 1.0
        if candidate.date is not None:
            age = max(0.0, (moment - candidate.date) / 86400)
            boost += RECENT_WEIGHT * math.pow(0.5, age / RECENT_HALF_LIFE_DAYS)
        if candidate.space_id is not None and candidate.space_id in own_spaces:
            boost += OWN_SPACE_WEIGHT
        return (candidate.score or 0.0) * boost

    scored = [c for c in found if c.score is not None]
    scored.sort(key=weight, reverse=True)  # stable: ties keep the engine's order
    return scored + [c for c in found if c.score is None]


def place_of(kind: SearchKind, document: SearchDocument, words: list[str]) -> str:
    """The document's address, at the place of its first matching word if its kind knows how
    to point there (a page's heading)."""
    if kind.place is None or not document.body:
        return document.url
    marked = _marker(words)
    for match in WORD.finditer(document.body):
        if marked(match.group()):
            fragment = kind.place(document.body, match.start())
            return f"{document.url}#{fragment}" if fragment else document.url
    return document.url


def live_titles(documents: list[SearchDocument]) -> dict[tuple[str, int], str]:
    """The titles their kinds read at display time (one query per such kind shown)."""
    by_kind: dict[str, list[int]] = {}
    for document in documents:
        by_kind.setdefault(document.kind, []).append(document.object_id)
    found: dict[tuple[str, int], str] = {}
    for key, object_ids in by_kind.items():
        kind = registry.get(key)
        if kind is not None and kind.titles is not None:
            found.update(((key, pk), title) for pk, title in kind.titles(object_ids).items())
    return found


def _documents(chosen: list[Candidate]) -> list[SearchDocument]:
    by_id = SearchDocument.objects.in_bulk([c.id for c in chosen])
    return [by_id[c.id] for c in chosen if c.id in by_id]


@engines.planned_for_their_words
@engines.one_search()
def search(
    user: User,
    text: str,
    *,
    kinds: list[str] | None = None,
    space_id: int | None = None,
    author_id: int | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
    file_type: str | None = None,
    sort: Sort = "relevance",
    offset: int = 0,
    limit: int = PAGE,
    own_spaces: Collection[int] | None = None,
) -> Results:
    """The page of results at `offset`, and the counts per kind (before the kind filter).
    `file_type` (a key of `FILE_TYPES`) keeps files of that type only. `own_spaces`: the ids of
    the spaces `user` is a member of, if the caller has them (read here otherwise)."""
    query = parse(text)
    results = Results(query=query)
    if query.empty or not _can_search(user):
        return results
    every_kind = searchable_kinds()
    extensions = FILE_TYPES[file_type][1] if file_type in FILE_TYPES else ()
    offset = max(0, min(offset, MAX_OFFSET))
    limit = max(1, min(limit, 50))

    def visible(
        keys: list[SearchKind], *, scored: bool = True
    ) -> tuple[list[Candidate], bool, list[Candidate]]:
        filters = Filters(
            # Every kind: no condition (a kind no longer registered is dropped by visibility).
            kinds=tuple(kind.key for kind in keys) if len(keys) < len(every_kind) else (),
            space_id=space_id,
            author_id=author_id,
            date_from=date_from,
            date_to=date_to,
            extensions=extensions,
        )
        found = candidates(
            query, filters, sort=sort, limit=BUDGET + 1, names=_names(query, keys), scored=scored
        )
        shown = visible_candidates(user, found)
        if sort == "relevance" and shown and scored:
            nonlocal own_spaces
            if own_spaces is None:
                own_spaces = set(space_queries.member_space_ids(user))
            elif not isinstance(own_spaces, set):
                own_spaces = set(own_spaces)
            shown = rerank(shown, own_spaces, timezone.now())
        return shown, len(found) > BUDGET, found

    chosen = searchable_kinds(kinds)
    tab = bool(kinds) and len(chosen) < len(every_kind)
    # Beside one kind's tab, the first pass only counts each kind's matches: unscored (ranking
    # the newest matches was half of a common word's search), the tab's own pass ranks.
    scored = not tab or sort != "relevance"
    shown, capped, found = visible(every_kind, scored=scored)
    for candidate in shown:
        results.counts[candidate.kind] = results.counts.get(candidate.kind, 0) + 1
    if capped:
        results.capped = {kind.key for kind in every_kind}
    if tab:
        if scored and not capped and not _names_missed(query, chosen, found):
            # Every match is among the first pass's candidates: the chosen kinds' results are
            # theirs, in the same order (the engine's order and the relevance's weights are
            # the candidates' own), and their counts are exact.
            keys = {each.key for each in chosen}
            shown = [candidate for candidate in shown if candidate.kind in keys]
        else:
            # The chosen kinds' own candidates: beyond the budget of everything, they may be
            # many.
            shown, capped, _found = visible(chosen) if chosen else ([], False, [])
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
    documents = _documents(page[:limit])
    titles = live_titles(documents)
    for document in documents:
        kind = registry.get(document.kind)
        if kind is None:
            continue
        title = titles.get((document.kind, document.object_id)) or document.title
        results.hits.append(
            Hit(
                document=document,
                kind=kind,
                title=highlight(title, words, whole=True),
                text=title,
                excerpt=highlight(document.body, words),
                url=place_of(kind, document, words),
            )
        )
    return results


@engines.planned_for_their_words
@engines.one_search()
def suggest(user: User, text: str, *, limit: int = SUGGESTIONS) -> list[Hit]:
    """The titles of people, spaces, pages and files that begin with what is typed."""
    query = parse(text)
    if query.empty or not _can_search(user):
        return []
    # The titles' table holds the suggested kinds alone: no filter on the documents' table (on
    # PostgreSQL its kind filter read every suggested document to join them, two thirds of a
    # common word's suggestions); a row left there of a kind no longer suggested (until the
    # next `rebuild_search_index`) is dropped here.
    found = [
        candidate
        for candidate in candidates(query, Filters(), titles=True, limit=SUGGEST_BUDGET)
        if engines.suggested(candidate.kind)
    ]
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


def _marker(words: list[str]) -> Callable[[str], bool]:
    """Whether a word of the text is marked (it begins with a query word or one of its
    stems of 3 letters or more), as one test per word: the normalised word against the
    beginnings, `str.startswith` with a tuple."""
    stems = [s for word in words for s in query_stems(word)]
    beginnings = tuple(dict.fromkeys([*words, *(s for s in stems if len(s) >= 3)]))

    def marked(word: str) -> bool:
        return bool(beginnings) and normalize(word).startswith(beginnings)

    return marked


def highlight(text: str, words: list[str], *, whole: bool = False) -> SafeString:
    """`text` (or an excerpt around its first match) HTML-escaped, with matching words in <mark>.

    Only the words of the part shown are tested (and the words before the first match, to find
    it): a file's text runs to 200,000 characters, of which an excerpt shows 200."""
    text = " ".join((text or "").split())
    marked = _marker(words)
    start, end = 0, len(text)
    if not whole and len(text) > EXCERPT:
        first = next((m.start() for m in WORD.finditer(text) if marked(m.group())), 0)
        start = max(0, first - EXCERPT // 3)
        # Start at a word's beginning.
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        end = min(len(text), start + EXCERPT)
        while end < len(text) and not text[end - 1].isspace():
            end += 1
    out = ["…" if start > 0 else ""]
    position = start
    for match in WORD.finditer(text, start, end):
        if not marked(match.group()):
            continue
        a, b = match.span()
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
