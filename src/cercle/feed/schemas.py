"""Input and output schemas of the wall API (separate, so no model field leaks by accident)."""

from __future__ import annotations

import datetime

from ninja import Schema
from pydantic import Field

from cercle.feed.text import MAX_BODY
from cercle.spaces.schemas import PersonRef


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


class PostPageOut(Schema):
    items: list[PostOut]
    next_cursor: str | None


class PostIn(Schema):
    body: str = Field(max_length=MAX_BODY)
    space_id: int | None = None


class PostPatchIn(Schema):
    body: str = Field(max_length=MAX_BODY)


class ShareIn(Schema):
    body: str = Field("", max_length=MAX_BODY)
    space_id: int | None = None


class CommentIn(Schema):
    body: str = Field(max_length=MAX_BODY)
    parent_id: int | None = None


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


class ThreadOut(Schema):
    comment: CommentOut
    replies: list[CommentOut]


class CommentListOut(Schema):
    items: list[ThreadOut]
    count: int


class ReactionIn(Schema):
    kind: str
    comment_id: int | None = None


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


class PinIn(Schema):
    pinned: bool = True


class SaveIn(Schema):
    saved: bool = True


class StateOut(Schema):
    pinned: bool
    saved: bool
