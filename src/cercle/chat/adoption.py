"""What chat counts in the adoption figures (`cercle.adoption.registry`): messages sent, per
person (and per space for a space's channel), one query."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from cercle.adoption.registry import ActivityMetric, ActivityRow, register_metric
from cercle.chat.models import Message


def messages(start: datetime, end: datetime) -> Iterable[ActivityRow]:
    rows = (
        Message.objects.filter(created_at__gte=start, created_at__lt=end)
        .values_list("sender_id", "conversation__space_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [ActivityRow(user_id=user, space_id=space, count=n) for user, space, n in rows]


def register() -> None:
    register_metric(ActivityMetric(key="messages", label=_("Messages"), rows=messages, order=40))
