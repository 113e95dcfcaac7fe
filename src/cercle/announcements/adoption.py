"""What announcements count in the adoption figures (`cercle.adoption.registry`): their reach
and confirmation rates. For each announcement published on a day, each person it targets (its
audience today: `queries.announcement_audience`) counts once as targeted, and as having seen it
when they dismissed its banner or confirmed it (what receipts record; an opening of the post is
not recorded); an announcement asking for confirmation counts them as asked, and as confirmed
when they did. Receipts come days later: the aggregation computes the last 30 days again."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercle.adoption.registry import Rate, ReachMetric, ReachRow, register_reach
from cercle.announcements.models import Announcement, AnnouncementReceipt
from cercle.announcements.queries import announcement_audience

TARGETED, SEEN, ASKED, CONFIRMED = "targeted", "seen", "asked", "confirmed"


def reach(start: datetime, end: datetime) -> Iterable[ReachRow]:
    """Two queries, then three per announcement published in [start, end) (its targets and its
    audience): a few a day."""
    published = list(
        Announcement.objects.filter(created_at__gte=start, created_at__lt=end).select_related(
            "post", "post__space"
        )
    )
    if not published:
        return []
    seen: set[tuple[int, int]] = set()
    confirmed: set[tuple[int, int]] = set()
    for announcement_id, user_id, acknowledged_at in AnnouncementReceipt.objects.filter(
        Q(dismissed_at__isnull=False) | Q(acknowledged_at__isnull=False),
        announcement__in=published,
    ).values_list("announcement_id", "user_id", "acknowledged_at"):
        seen.add((announcement_id, user_id))
        if acknowledged_at is not None:
            confirmed.add((announcement_id, user_id))
    counts: dict[tuple[int, date], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for announcement in published:
        if announcement.post.space is None:
            continue
        day = timezone.localdate(announcement.created_at)
        for user_id in announcement_audience(announcement).order_by().values_list("pk", flat=True):
            person = counts[(user_id, day)]
            person[TARGETED] += 1
            pair = (announcement.pk, user_id)
            person[SEEN] += pair in seen
            if announcement.requires_ack:
                person[ASKED] += 1
                person[CONFIRMED] += pair in confirmed
    return [
        ReachRow(user_id=user_id, day=day, counts=dict(figures))
        for (user_id, day), figures in counts.items()
    ]


def register() -> None:
    register_reach(
        ReachMetric(
            key="announcements",
            label=_("Announcements published in the period"),
            figures=(
                (TARGETED, _("People targeted")),
                (SEEN, _("Seen")),
                (ASKED, _("Asked to confirm")),
                (CONFIRMED, _("Confirmed")),
            ),
            rates=(
                Rate(label=_("Seen"), part=SEEN, whole=TARGETED),
                Rate(label=_("Confirmed"), part=CONFIRMED, whole=ASKED),
            ),
            rows=reach,
            settles_in=30,
            order=10,
        )
    )
