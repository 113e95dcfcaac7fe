"""The home API's bodies (`GET /api/v1/home`). Names carry the module's: OpenAPI schema names
are global."""

from __future__ import annotations

import datetime

from ninja import Schema
from pydantic import Field

from cercle.spaces.schemas import PersonRef


class HomeIconOut(Schema):
    key: str
    emoji: str
    label: str = Field(description="The icon's text alternative, in the person's language.")


class HomeLinkOut(Schema):
    id: int
    label: str = Field(description="In the person's language, else in the other one.")
    label_fr: str
    label_en: str
    url: str = Field(description="An http(s) address, or a path of Cercle starting with “/”.")
    icon: HomeIconOut


class HomePartOut(Schema):
    key: str = Field(
        description="quick_links, news, announcements, agenda, new_arrivals; feed is always last"
    )
    label: str


class HomeNewsOut(Schema):
    id: int
    title: str
    summary: str
    url: str


class HomeAnnouncementOut(Schema):
    post_id: int
    author: PersonRef | None
    excerpt: str = Field(description="The post's first 200 characters, as written (Markdown).")
    requires_ack: bool
    created_at: datetime.datetime
    url: str


class HomeEventOut(Schema):
    event_id: int
    title: str
    all_day: bool
    start: datetime.datetime | None = Field(description="A timed event's start.")
    end: datetime.datetime | None
    start_date: datetime.date | None = Field(description="An all-day event's first day.")
    url: str


class HomeOut(Schema):
    parts: list[HomePartOut] = Field(description="The parts shown to me, in order.")
    quick_links: list[HomeLinkOut]
    menu_links: list[HomeLinkOut] = Field(description="The admins' links of the header's menu.")
    featured_news: list[HomeNewsOut]
    announcements: list[HomeAnnouncementOut]
    upcoming_events: list[HomeEventOut]
    new_arrivals: list[PersonRef]
