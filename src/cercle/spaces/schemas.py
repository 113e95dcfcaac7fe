"""Input and output schemas of the spaces API (separate, so no model field leaks by accident)."""

from __future__ import annotations

import datetime

from ninja import Schema
from pydantic import Field


class PersonRef(Schema):
    id: int
    username: str
    display_name: str


class SpaceOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    kind: str
    modules: list[str]
    is_organisation: bool
    archived: bool
    my_role: str | None


class SpaceDetailOut(SpaceOut):
    member_count: int
    can_read: bool
    can_post: bool
    can_moderate: bool
    can_administer: bool
    can_join: bool
    can_request: bool
    has_pending_request: bool
    pending_invitation_id: int | None
    following: bool


class SpaceListOut(Schema):
    items: list[SpaceOut]


class SpaceIn(Schema):
    name: str = Field(max_length=120)
    description: str = Field("", max_length=5000)
    kind: str = "open"
    modules: list[str] = Field(default_factory=lambda: ["wall", "documents", "agenda", "chat"])


class SpacePatchIn(Schema):
    name: str | None = Field(None, max_length=120)
    description: str | None = Field(None, max_length=5000)
    kind: str | None = None
    modules: list[str] | None = None


class MemberOut(Schema):
    user: PersonRef
    role: str
    joined_at: datetime.datetime


class MemberListOut(Schema):
    items: list[MemberOut]
    count: int


class RoleIn(Schema):
    role: str


class JoinRequestIn(Schema):
    message: str = Field("", max_length=2000)


class JoinRequestOut(Schema):
    id: int
    space_id: int
    user: PersonRef
    message: str
    status: str
    created_at: datetime.datetime


class DecisionIn(Schema):
    accept: bool


class InviteIn(Schema):
    user_ids: list[int] = Field(default_factory=list, max_length=500)
    department_id: int | None = None


class InvitationOut(Schema):
    id: int
    space: SpaceOut
    user: PersonRef
    invited_by: PersonRef | None
    status: str
    created_at: datetime.datetime


class InvitationListOut(Schema):
    items: list[InvitationOut]


class OkOut(Schema):
    ok: bool = True
