"""Input and output schemas of the wall API (separate, so no model field leaks by accident)."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from cercle.core.schemas import Id
from cercle.feed.text import MAX_BODY
from cercle.spaces.schemas import InSchema, PersonRef


class SpaceRef(Schema):
    id: int
    slug: str
    name: str


class SharedPostOut(Schema):
    id: int
    author: PersonRef
    space: SpaceRef | None
    body_html: str
    created_at: datetime.datetime


class AttachmentOut(Schema):
    id: int
    name: str
    url: str
    content_type: str
    size: int
    is_image: bool
    width: int | None
    height: int | None


class ActivityItemOut(Schema):
    id: int
    title: str
    url: str


class ActivityOut(Schema):
    """What an activity post tells ("Anne added 3 files to Atelier"): its kind, how many things
    in all, and those of them the reader may see (`items`, oldest first)."""

    kind: str
    count: int
    items: list[ActivityItemOut]


class PostOut(Schema):
    id: int
    author: PersonRef
    space: SpaceRef | None
    wall_owner: PersonRef | None
    body: str
    body_html: str
    created_at: datetime.datetime
    edited: bool
    edited_at: datetime.datetime | None
    pinned: bool
    comment_count: int
    share_count: int
    reaction_counts: dict[str, int]
    my_reaction: str | None
    saved: bool
    # None when the post is not a share, or when its original is gone or no longer visible.
    shared_from: SharedPostOut | None
    is_share: bool
    rights: dict[str, bool]
    # For the author only: how many people were shown the post.
    seen_by: int | None = None
    attachments: list[AttachmentOut] = []
    # An activity post's kind, count and items; null for any other post.
    activity: ActivityOut | None = None


class PostPageOut(Schema):
    items: list[PostOut]
    next_cursor: str | None


class PostIn(InSchema):
    body: str = Field(max_length=MAX_BODY)
    space_id: Id | None = None


class PostFormIn(InSchema):
    """The text fields of a post sent as multipart/form-data with its files."""

    body: str = Field("", max_length=MAX_BODY)
    space_id: Id | None = None


class PostPatchIn(InSchema):
    body: str = Field(max_length=MAX_BODY)


class ShareIn(InSchema):
    body: str = Field("", max_length=MAX_BODY)
    space_id: Id | None = None


class CommentIn(InSchema):
    body: str = Field(max_length=MAX_BODY)
    parent_id: Id | None = None


class CommentPatchIn(InSchema):
    body: str = Field(max_length=MAX_BODY)


class RevisionOut(Schema):
    body: str
    edited_by: PersonRef | None
    created_at: datetime.datetime


class RevisionListOut(Schema):
    items: list[RevisionOut]


class CommentOut(Schema):
    id: int
    post_id: int
    parent_id: int | None
    author: PersonRef
    body: str
    body_html: str
    created_at: datetime.datetime
    reaction_counts: dict[str, int]
    my_reaction: str | None
    can_delete: bool
    edited: bool = False
    edited_at: datetime.datetime | None = None


class ThreadOut(Schema):
    comment: CommentOut
    replies: list[CommentOut]


class CommentListOut(Schema):
    items: list[ThreadOut]
    count: int


class ReactionIn(InSchema):
    kind: str
    comment_id: Id | None = None


class ReactorOut(Schema):
    user: PersonRef
    kind: str
    created_at: datetime.datetime


class ReactionsOut(Schema):
    counts: dict[str, int]
    items: list[ReactorOut]


class CountsOut(Schema):
    counts: dict[str, int]
    my_reaction: str | None


class PinIn(InSchema):
    pinned: bool = True


class SaveIn(InSchema):
    saved: bool = True


class StateOut(Schema):
    pinned: bool
    saved: bool


# --- Moderation --------------------------------------------------------------------------------


class ReportIn(InSchema):
    reason: str = Field(max_length=20)
    details: str = Field("", max_length=2000)
    comment_id: Id | None = None


class ReportOut(Schema):
    """A report as its author sees it."""

    id: int
    post_id: int
    comment_id: int | None
    reason: str
    reason_label: str
    details: str
    status: str
    created_at: datetime.datetime
    decided_at: datetime.datetime | None


class QueuedReportOut(ReportOut):
    """A report in the moderation queue, with what was reported."""

    reporter: PersonRef
    content_author: PersonRef
    content_html: str
    space: SpaceRef | None
    # False on a report about the caller's own content: another moderator must decide.
    can_decide: bool


class ReportListOut(Schema):
    items: list[QueuedReportOut]


class ReportDecisionIn(InSchema):
    decision: Literal["hide", "dismiss"]


class HashtagFollowOut(Schema):
    following: bool


class NewCountOut(Schema):
    count: int
