"""The realtime events of the news: an article's comments changed, for the tabs showing it.

A tab showing an article subscribes to it (`news.subscribe`, checked against the article's
audience by the socket's news part, `cercle.news.consumers`) and joins the article's group,
`news.article.<id>`. Each change of a comment (written, edited, hidden, shown again, deleted) is
sent once to that group after commit, with ids only: the page then asks the comments again
(`GET /news/<id>/comments/`), which renders them for that reader with the rule of the page (a
hidden comment's text, the moderation buttons). Nothing of a comment travels on the socket.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from cercle.core.realtime import Event, publish_now

COMMENT_CHANGES = ("new", "edited", "hidden", "shown", "deleted")


def article_group(article_id: int) -> str:
    return f"news.article.{article_id}"


@dataclass(frozen=True)
class NewsSubscribed(Event):
    """The tab now receives the changes of this article's comments."""

    type = "news.subscribed"
    article_id: int


@dataclass(frozen=True)
class NewsUnsubscribed(Event):
    type = "news.unsubscribed"


@dataclass(frozen=True)
class NewsComment(Event):
    """A comment of the article was written, edited, hidden, shown again or deleted (`change`)."""

    type = "news.comment"
    article_id: int
    comment_id: int
    change: str


def comment_changed_on_commit(article_id: int, comment_id: int, change: str) -> None:
    """Tell the tabs showing the article, once the transaction commits (nothing on rollback)."""
    event = NewsComment(article_id=article_id, comment_id=comment_id, change=change)
    group = article_group(article_id)
    transaction.on_commit(lambda: publish_now(event, groups=[group]))
