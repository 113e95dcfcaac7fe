"""Input and output schemas of the spaces API (separate, so no model field leaks by accident)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, field_validator

from cercle.core.schemas import Id


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class InSchema(Schema):
    """Input: no text may hold a NUL character (PostgreSQL cannot store one) — a 422, not a 500."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError(_("This text contains a forbidden character."))
        return value


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
    image_url: str | None = None


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
    favourite: bool


class SpaceModuleOut(Schema):
    key: str
    label: str
    default: bool


class SpaceModuleListOut(Schema):
    items: list[SpaceModuleOut]


class SpaceListOut(Schema):
    items: list[SpaceOut]


class SpaceIn(InSchema):
    name: str = Field(max_length=120)
    description: str = Field("", max_length=5000)
    kind: str = "open"
    # None: the installed modules that are on by default (`GET /space-modules` lists them).
    modules: list[str] | None = None


class SpacePatchIn(InSchema):
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


class RoleIn(InSchema):
    role: str


class JoinRequestIn(InSchema):
    message: str = Field("", max_length=2000)


class JoinRequestOut(Schema):
    id: int
    space_id: int
    user: PersonRef
    message: str
    status: str
    created_at: datetime.datetime


class DecisionIn(InSchema):
    accept: bool


class InviteIn(InSchema):
    user_ids: list[Id] = Field(default_factory=list, max_length=500)
    department_id: Id | None = None


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
