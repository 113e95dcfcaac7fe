"""The news API's input and output shapes (named after the module: OpenAPI names are global)."""

from __future__ import annotations

import datetime

from ninja import Field, Schema

from cercle.core.schemas import Id
from cercle.spaces.schemas import InSchema, PersonRef


class NewsCategoryOut(Schema):
    id: int
    name: str  # in French
    name_en: str  # in English; blank: the French name is shown


class NewsAudienceOut(Schema):
    everyone: bool
    department_ids: list[int]
    site_ids: list[int]
    space_ids: list[int]


class NewsArticleSummaryOut(Schema):
    id: int
    title: str
    summary: str
    category: NewsCategoryOut | None
    featured: bool
    published_at: datetime.datetime | None
    ends_at: datetime.datetime | None
    state: str = Field(description="draft, scheduled, live or ended")
    has_cover: bool
    cover_alt: str
    url: str


class NewsArticleOut(NewsArticleSummaryOut):
    body: str
    html: str
    author: PersonRef | None
    audience: NewsAudienceOut | None = Field(
        None, description="Shown to those who write the news only."
    )
    read_count: int | None = Field(None, description="For the author and managers only.")
    comment_count: int
    reaction_counts: dict[str, int]


class NewsListOut(Schema):
    items: list[NewsArticleSummaryOut]
    page: int
    pages: int
    count: int


class NewsListQuery(Schema):
    category: Id | None = None
    page: int = Field(1, ge=1, le=100_000)


class NewsArticleIn(InSchema):
    title: str = Field(..., min_length=1, max_length=200)
    summary: str = Field("", max_length=400)
    body: str = Field("", max_length=50_000)
    category_id: Id | None = None
    featured: bool = False
    published_at: datetime.datetime | None = Field(
        None, description="None: a draft; in the future: scheduled."
    )
    ends_at: datetime.datetime | None = None
    department_ids: list[Id] = Field(default_factory=list, max_length=500)
    site_ids: list[Id] = Field(default_factory=list, max_length=500)
    space_ids: list[Id] = Field(default_factory=list, max_length=500)
