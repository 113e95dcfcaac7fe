"""Input and output schemas of the notifications API."""

from __future__ import annotations

import datetime

from ninja import Schema

from cercle.spaces.schemas import PersonRef


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    url: str
    actor: PersonRef | None
    actor_count: int
    post_id: int | None
    comment_id: int | None
    space_id: int | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    read: bool


class NotificationPageOut(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class UnreadOut(Schema):
    unread: int
