"""How the news notify (`cercle.notifications.registry`): an article published for me (sent when it
goes live, by `manage.py publish_news`), a comment on an article I wrote, a moderator hiding or
deleting my comment (with their reason), and the weekly letter's
switch (its "email" setting is the person's opt-out: no notification is ever stored of it). The
subject type `news.article` follows the article's rule: whoever may not read it (no longer in its
audience, the article ended) no longer sees the notification."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cercle.accounts.models import User
from cercle.news import queries
from cercle.news.models import Article
from cercle.notifications.models import Notification
from cercle.notifications.queries import actor_name
from cercle.notifications.registry import (
    TITLE_LENGTH,
    NotificationKind,
    Subject,
    SubjectType,
    register_kind,
    register_subject_type,
)

NEWS = "news"
NEWS_COMMENT = "news_comment"
NEWS_LETTER = "news_letter"
NEWS_COMMENT_MODERATED = "news_comment_moderated"
ARTICLE = "news.article"


def subject_of(article: Article, detail_id: int | None = None) -> Subject:
    return Subject(
        ARTICLE, article.pk, detail_id=detail_id, loaded=article, title=article.title[:TITLE_LENGTH]
    )


def _link(notification: Notification) -> str:
    if notification.subject_type != ARTICLE or notification.subject_id is None:
        return reverse("notifications")
    url = reverse("news_article", args=[notification.subject_id])
    if notification.detail_id is not None:
        url += f"#comment-{notification.detail_id}"
    return url


def _published(notification: Notification) -> str:
    return _("News: “%(title)s”") % {"title": notification.subject_title}


def _commented(notification: Notification) -> str:
    return _("%(name)s commented on your article “%(title)s”") % {
        "name": actor_name(notification),
        "title": notification.subject_title,
    }


def moderated_group(action: str, comment_id: int) -> str:
    """`action` is "hidden" or "deleted"; the notification's text is chosen by it."""
    return f"news.comment_{action}.{comment_id}"


def _moderated(notification: Notification) -> str:
    """The line, the article's title quoted after it ("… on the news article “Le séminaire”");
    the moderator's reason is the notification's detail text (whole: both hold 500
    characters), said under it as "Reason: …"."""
    if notification.group_key.startswith("news.comment_deleted."):
        return _("A moderator deleted your comment on the news article")
    return _("A moderator hid your comment on the news article")


def _letter(notification: Notification) -> str:
    return _("The week's news")


def _visible_ids(user: User, now: datetime.datetime | None = None) -> QuerySet[Any]:
    return queries.live_articles(user, now).values("pk")


def _may_see(user: User, subject: Subject) -> bool:
    return queries.live_articles(user).filter(pk=subject.id).exists()


def register() -> None:
    register_kind(
        NotificationKind(
            key=NEWS,
            label=gettext_lazy("A news article is published for me"),
            describe=_published,
            link=_link,
        )
    )
    register_kind(
        NotificationKind(
            key=NEWS_COMMENT,
            label=gettext_lazy("Someone comments on my news article"),
            describe=_commented,
            link=_link,
            email=True,
        )
    )
    register_kind(
        NotificationKind(
            key=NEWS_COMMENT_MODERATED,
            label=gettext_lazy("A moderator hides or deletes my comment on a news article"),
            describe=_moderated,
            link=_link,
            email=True,
            detail_label=gettext_lazy("Reason"),
        )
    )
    register_kind(
        NotificationKind(
            key=NEWS_LETTER,
            label=gettext_lazy("The weekly news letter (by email)"),
            describe=_letter,
            link=lambda notification: reverse("news"),
        )
    )
    register_subject_type(SubjectType(key=ARTICLE, visible_ids=_visible_ids, may_see=_may_see))
