"""What the news count in the adoption figures (`cercle.adoption.registry`): news reads (the first
opening of an article by a person), per person, one query. Articles belong to no space."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from cercle.adoption.registry import ActivityMetric, ActivityRow, register_metric
from cercle.news.models import ArticleRead


def news_reads(start: datetime, end: datetime) -> Iterable[ActivityRow]:
    rows = (
        ArticleRead.objects.filter(read_at__gte=start, read_at__lt=end)
        .values_list("user_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("user_id", "n")
    )
    return [ActivityRow(user_id=user, space_id=None, count=n) for user, n in rows]


def register() -> None:
    register_metric(
        ActivityMetric(key="news_reads", label=_("News reads"), rows=news_reads, order=60)
    )
