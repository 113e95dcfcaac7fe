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


class BacklinkOut(Schema):
    id: int
    space_id: int
    title: str
    url: str


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
    backlinks: list[int] = Field(
        description="The pages the caller may read whose text links to this one (ids)."
    )
    backlink_pages: list[BacklinkOut]
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
    next_cursor: str | None = Field(
        None, description="Pass it as `cursor` for the 50 older revisions; null: no more."
    )


class CursorQuery(Schema):
    cursor: str | None = Field(None, max_length=200)


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
    truncated: bool = Field(description="More rows than `max_rows`: the rest are left out.")
    max_rows: int


class PageReviewIn(InSchema):
    """A page's owner (a username; null: none), its "review by" date (null: none) and its review
    interval in months (1, 3, 6, 12 or 24; null: none)."""

    owner: str | None = Field(None, max_length=150)
    review_by: datetime.date | None = None
    review_interval: int | None = None


class PageCommentIn(InSchema):
    """A comment's text, in Markdown (5,000 characters at most)."""

    body: str = Field(min_length=1, max_length=5000)


class PageCommentOut(Schema):
    id: int
    author: PersonRef | None
    body: str
    body_html: str
    created_at: datetime.datetime
    edited_at: datetime.datetime | None
    can_edit: bool
    can_delete: bool


class PageCommentListOut(Schema):
    items: list[PageCommentOut]
    next_cursor: str | None = Field(
        None, description="Pass it as `cursor` for the next 50 comments; null: no more."
    )


class PageReactionIn(InSchema):
    kind: str = Field(max_length=16)


class PageReactionsOut(Schema):
    counts: dict[str, int]
    my_reaction: str | None


class ReviewQuery(Schema):
    sort: str = Field(
        "overdue",
        max_length=20,
        pattern=r"^-?(overdue|title|space|owner|edited)$",
        description="overdue, title, space, owner or edited; a leading `-` reverses it.",
    )


class ReviewRowOut(Schema):
    id: int
    title: str
    space_id: int
    space_name: str
    url: str
    owner: PersonRef | None
    owner_left: bool
    review_by: datetime.date | None
    days_overdue: int
    updated_at: datetime.datetime
    updated_by: PersonRef | None


class ReviewReportOut(Schema):
    overdue: list[ReviewRowOut]
    owner_left: list[ReviewRowOut]
    sort: str
