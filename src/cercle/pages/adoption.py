"""What the pages count in the adoption figures (`cercle.adoption.registry`): page edits (saved
revisions) and page reads (a person opening a page, once a day), per person and space, one query
each."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cercle.adoption.registry import ActivityMetric, ActivityRow, register_metric
from cercle.pages.models import PageRead, PageRevision


def page_edits(start: datetime, end: datetime) -> Iterable[ActivityRow]:
    rows = (
        PageRevision.objects.filter(created_at__gte=start, created_at__lt=end)
        .values_list("author_id", "page__space_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [ActivityRow(user_id=user, space_id=space, count=n) for user, space, n in rows]


def page_reads(start: datetime, end: datetime) -> Iterable[ActivityRow]:
    rows = (
        PageRead.objects.filter(day__gte=timezone.localdate(start), day__lt=timezone.localdate(end))
        .values_list("user_id", "page__space_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [ActivityRow(user_id=user, space_id=space, count=n) for user, space, n in rows]


def register() -> None:
    register_metric(
        ActivityMetric(key="page_edits", label=_("Page edits"), rows=page_edits, order=50)
    )
    register_metric(
        ActivityMetric(key="page_reads", label=_("Page reads"), rows=page_reads, order=55)
    )
