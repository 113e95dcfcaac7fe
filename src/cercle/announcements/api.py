"""The announcements part of /api/v1/ (paths unchanged since they left the feed's router).

Same rules as the pages: reads through `cercle.announcements.queries`, writes through `actions`.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status

from cercle.accounts.models import Department, Site
from cercle.announcements import actions, queries
from cercle.announcements.models import Announcement
from cercle.announcements.schemas import (
    AcknowledgementListOut,
    AcknowledgementOut,
    ActiveAnnouncementListOut,
    ActiveAnnouncementOut,
    AnnounceIn,
    AnnouncementOut,
    NamedRef,
    ReceiptOut,
)
from cercle.announcements.views import announcement_csv
from cercle.core.schemas import Id
from cercle.core.typing import AuthenticatedRequest
from cercle.feed import queries as feed_queries
from cercle.feed.api import space_ref
from cercle.feed.models import Post
from cercle.spaces.api import person_ref

router = Router(tags=["announcements"])


def _announcement_out(announcement: Announcement) -> AnnouncementOut:
    return AnnouncementOut(
        id=announcement.pk,
        post_id=announcement.post_id,
        departments=[NamedRef(id=d.pk, name=d.name) for d in announcement.departments.all()],
        sites=[NamedRef(id=s.pk, name=s.name) for s in announcement.sites.all()],
        requires_ack=announcement.requires_ack,
        created_at=announcement.created_at,
        last_reminded_at=announcement.last_reminded_at,
    )


_Place = TypeVar("_Place", Department, Site)


def _pick(model: type[_Place], ids: list[int], field: str) -> list[_Place]:
    wanted = set(ids)
    found = list(model.objects.filter(pk__in=[i for i in wanted if 0 < i < 2**63]))
    if len(found) != len(wanted):
        raise ValidationError({field: [_("Unknown department or site.")]})
    return found


@router.put("/posts/{post_id}/announcement", response=AnnouncementOut)
def announce(request: AuthenticatedRequest, post_id: Id, payload: AnnounceIn) -> AnnouncementOut:
    """Make a space post an announcement (or change its targets): everyone who can see it, or
    some departments or sites; optionally asking each person to confirm they read it."""
    post = feed_queries.access_post(request.auth, post_id)
    announcement = actions.announce(
        actor=request.auth,
        post=post,
        departments=_pick(Department, payload.department_ids, "department_ids"),
        sites=_pick(Site, payload.site_ids, "site_ids"),
        requires_ack=payload.requires_ack,
    )
    return _announcement_out(announcement)


@router.delete("/posts/{post_id}/announcement", response={204: None})
def unannounce(request: AuthenticatedRequest, post_id: Id) -> Status[None]:
    post = feed_queries.access_post(request.auth, post_id)
    actions.unannounce(actor=request.auth, post=post)
    return Status(204, None)


@router.get("/announcements", response=ActiveAnnouncementListOut)
def my_announcements(request: AuthenticatedRequest) -> ActiveAnnouncementListOut:
    """The announcements shown at the top of my feed (not yet dismissed or confirmed)."""
    found = queries.active_announcements(request.auth)
    posts = {
        p.pk: p
        for p in feed_queries.with_display(Post.objects.filter(pk__in=[a.post_id for a in found]))
    }
    return ActiveAnnouncementListOut(
        items=[
            ActiveAnnouncementOut(
                id=a.pk,
                post_id=a.post_id,
                requires_ack=a.requires_ack,
                body_html=posts[a.post_id].body_html,
                author=person_ref(posts[a.post_id].author),
                space=space_ref(posts[a.post_id].space),
                created_at=a.created_at,
            )
            for a in found
            if a.post_id in posts
        ]
    )


def _receipt_out(announcement: Announcement, receipt: object) -> ReceiptOut:
    return ReceiptOut(
        announcement_id=announcement.pk,
        acknowledged_at=getattr(receipt, "acknowledged_at", None),
        dismissed_at=getattr(receipt, "dismissed_at", None),
    )


@router.post("/announcements/{announcement_id}/dismiss", response=ReceiptOut)
def dismiss_announcement(request: AuthenticatedRequest, announcement_id: Id) -> ReceiptOut:
    announcement = queries.access_announcement(request.auth, announcement_id)
    actions.dismiss_announcement(actor=request.auth, announcement=announcement)
    receipt = announcement.receipts.filter(user_id=request.auth.pk).first()
    return _receipt_out(announcement, receipt)


@router.post("/announcements/{announcement_id}/acknowledge", response=ReceiptOut)
def acknowledge(request: AuthenticatedRequest, announcement_id: Id) -> ReceiptOut:
    """Confirm "read and understood"."""
    announcement = queries.access_announcement(request.auth, announcement_id)
    receipt = actions.acknowledge(actor=request.auth, announcement=announcement)
    return _receipt_out(announcement, receipt)


def _follow_up(request: AuthenticatedRequest, announcement_id: Id) -> Announcement:
    announcement = queries.access_announcement(request.auth, announcement_id)
    if not queries.can_follow_up(request.auth, announcement):
        raise PermissionDenied(_("Only the author can see who has read this announcement."))
    return announcement


@router.get("/announcements/{announcement_id}/acknowledgements", response=AcknowledgementListOut)
def acknowledgements(request: AuthenticatedRequest, announcement_id: Id) -> AcknowledgementListOut:
    """For its author: everyone targeted, with the date each confirmed (null: not yet)."""
    announcement = _follow_up(request, announcement_id)
    rows = queries.acknowledgements(announcement)
    items = []
    for row in rows:
        profile = getattr(row.user, "profile", None)
        items.append(
            AcknowledgementOut(
                user=person_ref(row.user),
                department=profile.department.name if profile and profile.department else None,
                site=profile.site.name if profile and profile.site else None,
                acknowledged_at=row.acknowledged_at,
            )
        )
    done = sum(1 for r in rows if r.acknowledged_at)
    return AcknowledgementListOut(
        announcement_id=announcement.pk,
        requires_ack=announcement.requires_ack,
        done_count=done,
        pending_count=len(rows) - done,
        last_reminded_at=announcement.last_reminded_at,
        items=items,
    )


@router.post("/announcements/{announcement_id}/remind", response=AnnouncementOut)
def remind(request: AuthenticatedRequest, announcement_id: Id) -> AnnouncementOut:
    """Remind (in the app and by mail, in the background) those who have not confirmed."""
    announcement = _follow_up(request, announcement_id)
    actions.remind(actor=request.auth, announcement=announcement)
    return _announcement_out(announcement)


@router.get(
    "/announcements/{announcement_id}/acknowledgements.csv",
    response={200: None},
    openapi_extra={
        "responses": {200: {"description": "CSV", "content": {"text/csv": {"schema": {}}}}}
    },
)
def acknowledgements_csv(request: AuthenticatedRequest, announcement_id: Id) -> HttpResponse:
    """The same list as a CSV file (the page's export)."""
    _follow_up(request, announcement_id)
    return announcement_csv(request, announcement_id)
