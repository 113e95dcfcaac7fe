"""The accounts part of /api/v1/: token, me, profile, people, endorsements, experts."""

from __future__ import annotations

from ninja import Router, Schema

from cercle.core.typing import AuthenticatedRequest

router = Router(tags=["people"])


class MeOut(Schema):
    id: int
    username: str
    email: str
    display_name: str
    role: str


@router.get("/me", response=MeOut)
def me(request: AuthenticatedRequest) -> MeOut:
    user = request.auth
    return MeOut(
        id=user.pk,
        username=user.username,
        email=user.email,
        display_name=user.display_name,
        role=user.role,
    )
