"""The notifications part of /api/v1/: list (cursor), unread count, mark one or all read."""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import Field

from cercle.core.typing import AuthenticatedRequest
from cercle.notifications import actions, queries
from cercle.notifications.models import Notification
from cercle.notifications.schemas import NotificationOut, NotificationPageOut, UnreadOut
from cercle.spaces.api import person_ref

router = Router(tags=["notifications"])


def notification_out(n: Notification) -> NotificationOut:
    return NotificationOut(
        id=n.pk,
        kind=n.kind,
        text=queries.describe(n),
        url=queries.target_url(n),
        actor=person_ref(n.actor) if n.actor else None,
        actor_count=n.actor_count,
        post_id=n.post_id,
        comment_id=n.comment_id,
        space_id=n.space_id,
        created_at=n.created_at,
        updated_at=n.updated_at,
        read=n.read_at is not None,
    )


class ListParams(Schema):
    cursor: str | None = Field(None, max_length=1000)
    limit: int = Field(queries.PAGE_SIZE, ge=1, le=100)
    unread: bool = False


@router.get("/notifications", response=NotificationPageOut)
def notification_list(
    request: AuthenticatedRequest, params: Query[ListParams]
) -> NotificationPageOut:
    page = queries.notifications_page(
        request.auth, cursor=params.cursor, limit=params.limit, unread_only=params.unread
    )
    return NotificationPageOut(
        items=[notification_out(n) for n in page.items],
        next_cursor=page.next_cursor,
        unread=queries.unread_count(request.auth),
    )


@router.get("/notifications/unread-count", response=UnreadOut)
def unread(request: AuthenticatedRequest) -> UnreadOut:
    return UnreadOut(unread=queries.unread_count(request.auth))


@router.post("/notifications/read-all", response=UnreadOut)
def read_all(request: AuthenticatedRequest) -> UnreadOut:
    actions.mark_all_read(actor=request.auth)
    return UnreadOut(unread=queries.unread_count(request.auth))


@router.post("/notifications/{notification_id}/read", response=NotificationOut)
def read_one(request: AuthenticatedRequest, notification_id: int) -> NotificationOut:
    notification = queries.access_notification(request.auth, notification_id)
    return notification_out(actions.mark_read(actor=request.auth, notification=notification))
