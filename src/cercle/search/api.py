"""The search part of /api/v1/: results over every kind (filters, cursor) and suggestions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from django.utils import timezone
from ninja import Query, Router
from pydantic import Field

from cercle.core.pagination import decode_cursor, encode_cursor
from cercle.core.schemas import Id
from cercle.core.typing import AuthenticatedRequest
from cercle.search import queries, registry
from cercle.search.queries import Hit
from cercle.search.schemas import (
    SearchHitOut,
    SearchKindCountOut,
    SearchPageOut,
    SearchSuggestionOut,
    SearchSuggestionsOut,
)
from cercle.spaces.schemas import InSchema

router = Router(tags=["search"])


class SearchParams(InSchema):
    q: str = Field(..., max_length=10_000, description='Words, "phrases", -excluded, OR')
    kinds: str | None = Field(
        None, max_length=300, description="Kinds to list, comma-separated (person, post…)"
    )
    space: Id | None = None
    author: Id | None = None
    from_: datetime | None = Field(None, alias="from")
    to: datetime | None = None
    file_type: Literal["pdf", "text", "sheet", "slides", "image"] | None = Field(
        None, description="Files of this type only (by their name's ending)"
    )
    sort: Literal["relevance", "date"] = "relevance"
    limit: int = Field(queries.PAGE, ge=1, le=50)
    cursor: str | None = Field(None, max_length=100)


class SuggestParams(InSchema):
    q: str = Field(..., max_length=10_000)


def _aware(value: datetime | None) -> datetime | None:
    """A time without a zone is read in the server's zone; one at the ends of the calendar (no
    UTC for it) is no limit."""
    if value is None:
        return None
    try:
        aware = value if timezone.is_aware(value) else timezone.make_aware(value)
        return aware.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _hit_out(hit: Hit) -> SearchHitOut:
    document = hit.document
    return SearchHitOut(
        kind=hit.kind.key,
        kind_label=str(hit.kind.label),
        id=document.object_id,
        title=hit.text,
        title_html=str(hit.title),
        excerpt_html=str(hit.excerpt),
        url=hit.url,
        date=document.date,
        space_id=document.space_id,
        author_id=document.author_id,
    )


@router.get("/search", response=SearchPageOut)
def search(request: AuthenticatedRequest, params: Query[SearchParams]) -> SearchPageOut:
    """Everything the caller may see that matches `q`, by relevance (or newest first), with the
    number of results of each kind; `kinds` narrows the list, not the counts. A search checks
    at most the first 1,000 matches: beyond them a count is a lower bound (`capped`)."""
    offset = 0
    if params.cursor:
        (offset,) = decode_cursor(params.cursor, length=1)
        if not isinstance(offset, int) or not 0 <= offset <= queries.MAX_OFFSET:
            offset = 0
    results = queries.search(
        request.auth,
        params.q,
        kinds=queries.parse_kinds(params.kinds) or None,
        space_id=params.space,
        author_id=params.author,
        date_from=_aware(params.from_),
        date_to=_aware(params.to),
        file_type=params.file_type,
        sort=params.sort,
        offset=offset,
        limit=params.limit,
    )
    return SearchPageOut(
        items=[_hit_out(hit) for hit in results.hits],
        counts=[
            SearchKindCountOut(
                kind=kind.key,
                label=str(kind.label),
                count=results.counts.get(kind.key, 0),
                capped=kind.key in results.capped,
            )
            for kind in registry.kinds()
        ],
        total=results.total,
        total_capped=results.total_capped,
        next_cursor=encode_cursor([results.next_offset])
        if results.next_offset is not None
        else None,
    )


@router.get("/search/suggest", response=SearchSuggestionsOut)
def suggest(request: AuthenticatedRequest, params: Query[SuggestParams]) -> SearchSuggestionsOut:
    """People, spaces, pages and files whose title begins with what is typed."""
    return SearchSuggestionsOut(
        items=[
            SearchSuggestionOut(
                kind=hit.kind.key,
                kind_label=str(hit.kind.label),
                id=hit.document.object_id,
                title=hit.document.title,
                title_html=str(hit.title),
                url=hit.url,
            )
            for hit in queries.suggest(request.auth, params.q)
        ]
    )
