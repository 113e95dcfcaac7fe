"""Moderation: the report queue and who may decide on a report."""

from __future__ import annotations

from django.db.models import (
    QuerySet,
)
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.feed.models import (
    Report,
)
from cercle.feed.queries.visibility import NotFound
from cercle.spaces import queries as space_queries

# --- Moderation --------------------------------------------------------------------------------


def is_own_reported_content(user: User, report: Report) -> bool:
    """The report is about the person's own post or comment (no query: the ids are loaded)."""
    if report.comment_id is not None:
        assert report.comment is not None
        return report.comment.author_id == user.pk
    return report.post.author_id == user.pk


def can_moderate_report(user: User, report: Report) -> bool:
    """Space moderators (and up) for space posts; organisation admins for everything — never on
    a report about one's own content: another moderator decides (it shows read-only in the
    queue, `is_own_reported_content`)."""
    if not user.is_active or is_own_reported_content(user, report):
        return False
    if user.is_admin:
        return True
    space = report.post.space
    return space is not None and space_queries.can_moderate(user, space)


def moderation_queue(user: User) -> QuerySet[Report]:
    """Open reports the person moderates, oldest first. Those about their own content are
    included, to be shown read-only ("another moderator must decide"): `can_moderate_report`."""
    reports = Report.objects.filter(status="open").select_related(
        "post", "post__author", "post__space", "comment", "comment__author", "reporter"
    )
    if not user.is_active:
        return reports.none()
    if user.is_admin:
        return reports.order_by("created_at", "id")
    return reports.filter(post__space_id__in=space_queries.moderated_space_ids(user)).order_by(
        "created_at", "id"
    )


def recent_decisions(user: User, limit: int = 20) -> list[Report]:
    """The last decisions on reports the person may decide on, newest first: one row per
    decision (the reports on the same content settled at once count as one). One query."""
    reports = Report.objects.exclude(status="open").filter(decided_at__isnull=False)
    if not user.is_active:
        return []
    if not user.is_admin:
        reports = reports.filter(post__space_id__in=space_queries.moderated_space_ids(user))
    found: list[Report] = []
    seen: set[tuple[int, int | None, object]] = set()
    for report in reports.select_related(
        "post", "post__author", "post__space", "comment", "comment__author", "decided_by"
    ).order_by("-decided_at", "-id")[: limit * 5]:
        key = (report.post_id, report.comment_id, report.decided_at)
        if key not in seen:
            seen.add(key)
            found.append(report)
    return found[:limit]


def access_report(user: User, report_id: int) -> Report:
    report = moderation_queue(user).filter(pk=report_id).first()
    if report is None:
        raise NotFound(_("No such report."))
    return report
