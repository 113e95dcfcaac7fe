"""What the feed counts in the adoption figures (`cercle.adoption.registry`): posts, comments and
reactions, per person and space, one query each."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from cercle.adoption.registry import ActivityMetric, ActivityRow, register_metric
from cercle.feed.models import Comment, Post, Reaction


def posts(start: datetime, end: datetime) -> Iterable[ActivityRow]:
    rows = (
        Post.objects.filter(created_at__gte=start, created_at__lt=end)
        .values_list("author_id", "space_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [ActivityRow(user_id=user, space_id=space, count=n) for user, space, n in rows]


def comments(start: datetime, end: datetime) -> Iterable[ActivityRow]:
    rows = (
        Comment.objects.filter(created_at__gte=start, created_at__lt=end)
        .values_list("author_id", "post__space_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [ActivityRow(user_id=user, space_id=space, count=n) for user, space, n in rows]


def reactions(start: datetime, end: datetime) -> Iterable[ActivityRow]:
    rows = (
        Reaction.objects.filter(created_at__gte=start, created_at__lt=end)
        .values_list("user_id", "post__space_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [ActivityRow(user_id=user, space_id=space, count=n) for user, space, n in rows]


def register() -> None:
    register_metric(ActivityMetric(key="posts", label=_("Posts"), rows=posts, order=10))
    register_metric(ActivityMetric(key="comments", label=_("Comments"), rows=comments, order=20))
    register_metric(ActivityMetric(key="reactions", label=_("Reactions"), rows=reactions, order=30))
