"""Input and output schemas of the announcements API (separate, so no model field leaks by
accident)."""

from __future__ import annotations

import datetime

from ninja import Schema
from pydantic import Field

from cercle.core.schemas import Id
from cercle.feed.schemas import SpaceRef
from cercle.spaces.schemas import InSchema, PersonRef


class AnnounceIn(InSchema):
    department_ids: list[Id] = Field(default_factory=list, max_length=500)
    site_ids: list[Id] = Field(default_factory=list, max_length=500)
    requires_ack: bool = False


class NamedRef(Schema):
    id: int
    name: str


class AnnouncementOut(Schema):
    id: int
    post_id: int
    departments: list[NamedRef]
    sites: list[NamedRef]
    requires_ack: bool
    created_at: datetime.datetime
    last_reminded_at: datetime.datetime | None


class ActiveAnnouncementOut(Schema):
    id: int
    post_id: int
    requires_ack: bool
    body_html: str
    author: PersonRef
    space: SpaceRef | None
    created_at: datetime.datetime


class ActiveAnnouncementListOut(Schema):
    items: list[ActiveAnnouncementOut]


class ReceiptOut(Schema):
    announcement_id: int
    acknowledged_at: datetime.datetime | None
    dismissed_at: datetime.datetime | None


class AcknowledgementOut(Schema):
    user: PersonRef
    department: str | None
    site: str | None
    acknowledged_at: datetime.datetime | None


class AcknowledgementListOut(Schema):
    announcement_id: int
    requires_ack: bool
    done_count: int
    pending_count: int
    last_reminded_at: datetime.datetime | None
    items: list[AcknowledgementOut]
