"""The pages API's input and output shapes."""

from __future__ import annotations

import datetime

from ninja import Field, Schema

from cercle.core.schemas import Id
from cercle.spaces.schemas import InSchema, PersonRef


class PageNodeOut(Schema):
    id: int
    parent_id: int | None
    position: int
    title: str
    slug: str
    depth: int


class PageTreeOut(Schema):
    space_id: int
    items: list[PageNodeOut]
    may_write: bool


class PageOut(Schema):
    id: int
    space_id: int
    parent_id: int | None
    title: str
    slug: str
    body: str
    html: str
    revision: int
    owner: PersonRef | None
    review_by: datetime.date | None
    review_interval: int | None = Field(description="Months added to the date by each review.")
    reviewed_at: datetime.datetime | None
    updated_at: datetime.datetime
    backlinks: list[int]
    may_write: bool
    watching: bool = Field(description="Whether the caller is notified of its new revisions.")
    comment_count: int
    reaction_counts: dict[str, int]


class PageIn(InSchema):
    title: str = Field(max_length=200)
    body: str = Field("", max_length=200_000)
    parent_id: Id | None = None
    summary: str = Field("", max_length=300)


class PageEditIn(InSchema):
    title: str = Field(max_length=200)
    body: str = Field(max_length=200_000)
    # The revision the edit was based on: the page's `revision` when the editor read it.
    base_revision: int = Field(ge=0, le=2**31)
    summary: str = Field("", max_length=300)


class PageMoveIn(InSchema):
    parent_id: Id | None = None
    position: int = Field(0, ge=0, le=100_000)


class ConflictOut(Schema):
    detail: str
    revision: int
    title: str
    body: str
    author: PersonRef | None


class PageRevisionOut(Schema):
    number: int
    title: str
    summary: str
    author: PersonRef | None
    created_at: datetime.datetime


class PageRevisionListOut(Schema):
    items: list[PageRevisionOut]


class DiffQuery(Schema):
    from_revision: int = Field(alias="from", ge=1, le=2**31)
    to_revision: int = Field(alias="to", ge=1, le=2**31)


class DiffRowOut(Schema):
    kind: str
    left: str | None
    right: str | None
    left_number: int | None
    right_number: int | None


class DiffOut(Schema):
    from_revision: int
    to_revision: int
    rows: list[DiffRowOut]


class PageReviewIn(InSchema):
    """A page's owner (a username; null: none), its "review by" date (null: none) and its review
    interval in months (1, 3, 6, 12 or 24; null: none)."""

    owner: str | None = Field(None, max_length=150)
    review_by: datetime.date | None = None
    review_interval: int | None = None
