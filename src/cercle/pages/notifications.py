"""How pages notify (`cercle.notifications.registry`): a page I own reached its "review by" date
(sent once per date by `manage.py remind_page_reviews`, mailed when not seen in time), and a new
revision of a page I watch, and a comment on a page I own or watch. The subject type
`pages.page` follows the pages' reading rule (`queries.may_read`): whoever may no longer read
the page no longer sees the notification."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cercle.accounts.models import User
from cercle.notifications.models import Notification
from cercle.notifications.queries import actor_name, others_count
from cercle.notifications.registry import (
    TITLE_LENGTH,
    NotificationKind,
    Subject,
    SubjectType,
    register_kind,
    register_subject_type,
)
from cercle.pages import queries
from cercle.pages.models import Page

PAGE_REVIEW = "page_review"
PAGE_CHANGED = "page_changed"
PAGE_COMMENT = "page_comment"
PAGE = "pages.page"


def subject_of(page: Page, detail_id: int | None = None) -> Subject:
    return Subject(PAGE, page.pk, detail_id=detail_id, loaded=page, title=page.title[:TITLE_LENGTH])


def _link(notification: Notification) -> str:
    if notification.subject_type != PAGE or notification.subject_id is None:
        return reverse("notifications")
    url = reverse("page_permalink", args=[notification.subject_id])
    if notification.detail_id is not None:
        url += f"#comment-{notification.detail_id}"
    return url


def _review(notification: Notification) -> str:
    return _("Time to review your page “%(title)s”") % {"title": notification.subject_title}


def _changed(notification: Notification) -> str:
    count = others_count(notification)
    values = {"name": actor_name(notification), "count": count, "title": notification.subject_title}
    if not count:
        return _("%(name)s changed the page “%(title)s”") % values
    return (
        ngettext(
            "%(name)s and %(count)d other changed the page “%(title)s”",
            "%(name)s and %(count)d others changed the page “%(title)s”",
            count,
        )
        % values
    )


def _commented(notification: Notification) -> str:
    count = others_count(notification)
    values = {"name": actor_name(notification), "count": count, "title": notification.subject_title}
    if not count:
        return _("%(name)s commented on the page “%(title)s”") % values
    return (
        ngettext(
            "%(name)s and %(count)d other commented on the page “%(title)s”",
            "%(name)s and %(count)d others commented on the page “%(title)s”",
            count,
        )
        % values
    )


def _visible_ids(user: User, now: datetime.datetime | None = None) -> QuerySet[Any]:
    return queries.visible_pages(user).values("pk")


def _may_see(user: User, subject: Subject) -> bool:
    page = subject.loaded
    if not isinstance(page, Page):
        return queries.visible_pages(user).filter(pk=subject.id).exists()
    return queries.may_read(user, page.space)


def register() -> None:
    register_kind(
        NotificationKind(
            key=PAGE_REVIEW,
            label=gettext_lazy("A page I own is due for review"),
            describe=_review,
            link=_link,
            email=True,
        )
    )
    register_kind(
        NotificationKind(
            key=PAGE_CHANGED,
            label=gettext_lazy("A page I watch is changed"),
            describe=_changed,
            link=_link,
        )
    )
    register_kind(
        NotificationKind(
            key=PAGE_COMMENT,
            label=gettext_lazy("Someone comments on a page I own or watch"),
            describe=_commented,
            link=_link,
        )
    )
    register_subject_type(SubjectType(key=PAGE, visible_ids=_visible_ids, may_see=_may_see))
