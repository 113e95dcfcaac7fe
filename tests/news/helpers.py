"""Articles and people for the news tests, written through the real actions."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from cercle.accounts.models import Role
from cercle.news import actions
from cercle.news.actions import ArticleInput
from cercle.news.models import Article
from tests.factories import make_user


def manager(**kwargs: Any) -> Any:
    return make_user(role=Role.STAFF, first_name="Comm", **kwargs)


def article(
    *,
    author: Any = None,
    title: str = "Une nouvelle",
    published_at: datetime.datetime | str | None = "now",
    **fields: Any,
) -> Article:
    when = timezone.now() - datetime.timedelta(minutes=1) if published_at == "now" else published_at
    assert not isinstance(when, str)
    return actions.create_article(
        actor=author or manager(),
        data=ArticleInput(title=title, published_at=when, **fields),
    )
