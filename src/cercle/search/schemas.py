from __future__ import annotations

from datetime import datetime

from ninja import Schema


class SearchHitOut(Schema):
    kind: str
    kind_label: str
    id: int  # the object's id in its module (a post's, a person's…)
    title: str  # plain text
    title_html: str  # HTML-escaped, the matching words in <mark>
    excerpt_html: str  # HTML-escaped, the matching words in <mark>
    url: str
    date: datetime
    space_id: int | None
    author_id: int | None


class SearchKindCountOut(Schema):
    kind: str
    label: str
    count: int
    capped: bool  # true: a lower bound (more matches than the search checks)


class SearchPageOut(Schema):
    items: list[SearchHitOut]
    counts: list[SearchKindCountOut]
    total: int
    total_capped: bool  # true: `total` is a lower bound
    next_cursor: str | None


class SearchSuggestionOut(Schema):
    kind: str
    kind_label: str
    id: int
    title: str
    title_html: str
    url: str


class SearchSuggestionsOut(Schema):
    items: list[SearchSuggestionOut]
