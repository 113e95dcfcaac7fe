"""Every write of the news: articles (write, edit, schedule, delete), categories, reads, comments,
reactions, shares to the wall, and the notification sent when an article goes live.

Each action checks the rule of `cercle.news.queries`, writes in a transaction and records the
audit entry (`news.…`)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cercle.accounts.models import Department, Site, User
from cercle.audit.actions import log_event
from cercle.core import reactions
from cercle.core.markdown import markdown_to_text, render_markdown
from cercle.feed import actions as feed_actions
from cercle.feed.models import Post, ReportReason, ReportStatus
from cercle.news import files, queries
from cercle.news.events import comment_changed_on_commit
from cercle.news.models import (
    MAX_SUMMARY,
    MAX_TITLE,
    Article,
    ArticleComment,
    ArticleReaction,
    ArticleRead,
    ArticleShare,
    Category,
    CommentReport,
)
from cercle.news.notifications import (
    NEWS,
    NEWS_COMMENT,
    NEWS_COMMENT_MODERATED,
    moderated_group,
    subject_of,
)
from cercle.notifications import actions as notifications
from cercle.spaces.models import Space

MAX_BODY = 50_000
MAX_COMMENT = 5_000


def _require_writer(actor: User) -> None:
    if not queries.may_write(actor):
        raise PermissionDenied(_("Only the communication team and admins write the news."))


def _clean(text: str, *, field: str, limit: int, required: bool = False) -> str:
    text = (text or "").strip()
    if "\x00" in text:
        raise ValidationError({field: [_("This text contains a forbidden character.")]})
    if required and not text:
        raise ValidationError({field: [_("This field is required.")]})
    if len(text) > limit:
        raise ValidationError(
            {field: [_("The text is too long (%(max)d characters at most).") % {"max": limit}]}
        )
    return text


@dataclass
class ArticleInput:
    """What a form or the API sends for an article (validated by `_validate`)."""

    title: str
    summary: str = ""
    body: str = ""
    category: Category | None = None
    cover_alt: str = ""
    departments: Sequence[Department] = ()
    sites: Sequence[Site] = ()
    spaces: Sequence[Space] = ()
    featured: bool = False
    published_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None


def _validate(data: ArticleInput, *, has_cover: bool) -> ArticleInput:
    errors: dict[str, list[str]] = {}
    cleaned = ArticleInput(**data.__dict__)
    for field, limit, required in (
        ("title", MAX_TITLE, True),
        ("summary", MAX_SUMMARY, False),
        ("body", MAX_BODY, False),
        ("cover_alt", 250, False),
    ):
        try:
            setattr(
                cleaned,
                field,
                _clean(getattr(data, field), field=field, limit=limit, required=required),
            )
        except ValidationError as error:
            errors.update(error.message_dict)
    if has_cover and not cleaned.cover_alt:
        errors.setdefault("cover_alt", []).append(
            _("Describe the cover image for those who cannot see it.")
        )
    if cleaned.ends_at is not None:
        if cleaned.published_at is None:
            errors.setdefault("ends_at", []).append(_("An end date needs a publication date."))
        elif cleaned.ends_at <= cleaned.published_at:
            errors.setdefault("ends_at", []).append(_("The end must come after the publication."))
    if any(space.is_organisation for space in cleaned.spaces):
        errors.setdefault("spaces", []).append(
            _("Choose the whole organisation instead of its space.")
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


def _set_audience(article: Article, data: ArticleInput) -> None:
    article.departments.set(data.departments)
    article.sites.set(data.sites)
    article.spaces.set(data.spaces)


def _audience_names(data: ArticleInput) -> list[str]:
    return [str(x) for x in (*data.departments, *data.sites)] + [s.name for s in data.spaces]


def create_article(
    *,
    actor: User,
    data: ArticleInput,
    cover: tuple[IO[bytes], str] | None = None,
) -> Article:
    """A new article: a draft (no publication date), published now or scheduled."""
    _require_writer(actor)
    cleaned = _validate(data, has_cover=cover is not None)
    stored, content_type = files.store_cover(*cover) if cover else ("", "")
    try:
        with transaction.atomic():
            article = Article.objects.create(
                title=cleaned.title,
                summary=cleaned.summary,
                body=cleaned.body,
                body_html=render_markdown(cleaned.body),
                category=cleaned.category,
                cover=stored,
                cover_type=content_type,
                cover_alt=cleaned.cover_alt if stored else "",
                author=actor,
                featured=cleaned.featured,
                published_at=cleaned.published_at,
                ends_at=cleaned.ends_at,
                for_everyone=not (cleaned.departments or cleaned.sites or cleaned.spaces),
            )
            _set_audience(article, cleaned)
            log_event(
                actor=actor,
                action="news.created",
                target=article,
                new={
                    "title": article.title,
                    "published_at": str(article.published_at or ""),
                    "audience": _audience_names(cleaned),
                },
            )
    except BaseException:
        files.delete_cover(stored)
        raise
    return article


def edit_article(
    *,
    actor: User,
    article: Article,
    data: ArticleInput,
    cover: tuple[IO[bytes], str] | None = None,
    remove_cover: bool = False,
) -> Article:
    _require_writer(actor)
    keeps_cover = bool(article.cover) and not remove_cover
    cleaned = _validate(data, has_cover=cover is not None or keeps_cover)
    stored, content_type = files.store_cover(*cover) if cover else ("", "")
    old_cover = article.cover
    old = {"title": article.title, "published_at": str(article.published_at or "")}
    try:
        with transaction.atomic():
            article.title = cleaned.title
            article.summary = cleaned.summary
            article.body = cleaned.body
            article.body_html = render_markdown(cleaned.body)
            article.category = cleaned.category
            article.featured = cleaned.featured
            if article.published_at != cleaned.published_at:
                # Rescheduled (or back to a draft): it is announced when it goes live again.
                article.notified_at = None
            article.published_at = cleaned.published_at
            article.ends_at = cleaned.ends_at
            article.for_everyone = not (cleaned.departments or cleaned.sites or cleaned.spaces)
            if stored:
                article.cover, article.cover_type = stored, content_type
            elif remove_cover:
                article.cover, article.cover_type = "", ""
            article.cover_alt = cleaned.cover_alt if article.cover else ""
            article.save()
            _set_audience(article, cleaned)
            log_event(
                actor=actor,
                action="news.edited",
                target=article,
                old=old,
                new={"title": article.title, "published_at": str(article.published_at or "")},
            )
    except BaseException:
        files.delete_cover(stored)
        raise
    if old_cover and old_cover != article.cover:
        transaction.on_commit(lambda: files.delete_cover(old_cover))
    return article


@transaction.atomic
def delete_article(*, actor: User, article: Article) -> None:
    _require_writer(actor)
    cover = article.cover
    log_event(actor=actor, action="news.deleted", target=article, old={"title": article.title})
    article.delete()
    if cover:
        transaction.on_commit(lambda: files.delete_cover(cover))


@transaction.atomic
def create_category(*, actor: User, name: str, name_en: str = "") -> Category:
    """A category, named in French (`name`) and, if given, in English (`name_en`)."""
    _require_writer(actor)
    name = _clean(name, field="name", limit=80, required=True)
    name_en = _clean(name_en, field="name_en", limit=80)
    if Category.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": [_("This category exists already.")]})
    category = Category.objects.create(name=name, name_en=name_en)
    log_event(
        actor=actor,
        action="news.category_created",
        target=category,
        new={"name": name, "name_en": name_en},
    )
    return category


@transaction.atomic
def delete_category(*, actor: User, category: Category) -> None:
    _require_writer(actor)
    log_event(
        actor=actor, action="news.category_deleted", target=category, old={"name": category.name}
    )
    category.delete()


def record_read(*, reader: User, article: Article) -> bool:
    """Count `reader` once per article (the first time they open it, when it is live); True
    when it was their first read. One insert that ignores a repeat, plus the counter."""
    if not reader.is_active or article.published_at is None:
        return False
    if article.published_at > timezone.now():
        return False
    try:
        with transaction.atomic():
            ArticleRead.objects.create(article=article, user=reader)
    except IntegrityError:
        return False
    Article.objects.filter(pk=article.pk).update(read_count=F("read_count") + 1)
    return True


def _require_reader(actor: User, article: Article) -> None:
    """Comments, reactions and shares are for those who may see the article while it is live."""
    if not queries.live_articles(actor).filter(pk=article.pk).exists():
        raise PermissionDenied(_("This article is not published."))


@transaction.atomic
def add_comment(
    *, actor: User, article: Article, body: str, parent: ArticleComment | None = None
) -> ArticleComment:
    """A comment on a live article, or a reply to one of its comments (a reply to a reply
    answers the same comment). The article's author is notified, and a reply's comment author."""
    _require_reader(actor, article)
    body = _clean(body, field="body", limit=MAX_COMMENT, required=True)
    if parent is not None:
        if parent.article_id != article.pk:
            raise ValidationError({"parent": [_("Reply to a comment of this article.")]})
        if parent.parent_id is not None:
            parent = parent.parent
    comment = ArticleComment.objects.create(
        article=article, author=actor, parent=parent, body=body, body_html=render_markdown(body)
    )
    Article.objects.filter(pk=article.pk).update(comment_count=F("comment_count") + 1)
    comment_changed_on_commit(article.pk, comment.pk, "new")
    told: set[int] = set()
    for person in (article.author, parent.author if parent is not None else None):
        if person is None or person.pk == actor.pk or person.pk in told:
            continue
        told.add(person.pk)
        notifications.notify(
            recipient=person,
            kind=NEWS_COMMENT,
            actor=actor,
            group_key=f"news.comments.{article.pk}",
            subject=subject_of(article, detail_id=comment.pk),
        )
    return comment


@transaction.atomic
def edit_comment(*, actor: User, comment: ArticleComment, body: str) -> ArticleComment:
    """Its author changes their comment's text, while the article is live for them."""
    if comment.author_id != actor.pk:
        raise PermissionDenied(_("Only its author edits a comment."))
    _require_reader(actor, comment.article)
    body = _clean(body, field="body", limit=MAX_COMMENT, required=True)
    if body != comment.body:
        comment.body = body
        comment.body_html = render_markdown(body)
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "body_html", "edited_at"])
        comment_changed_on_commit(comment.article_id, comment.pk, "edited")
    return comment


# The author's notification says the reason whole (`Notification.detail_text` holds as much:
# `cercle.notifications.registry.DETAIL_LENGTH`).
MAX_REASON = 500


def _moderation_reason(reason: str) -> str:
    """A moderator says why (kept in the audit log): required, 500 characters at most."""
    return _clean(reason, field="reason", limit=MAX_REASON, required=True)


def _require_moderator(actor: User, article: Article) -> None:
    if not queries.may_moderate(actor, article):
        raise PermissionDenied(
            _("Only the communication team, admins and the article's author moderate its comments.")
        )


def _settle_reports(actor: User, comment: ArticleComment, status: str) -> int:
    """Every open report on `comment` is decided (`status`); how many were."""
    return CommentReport.objects.filter(comment=comment, status=ReportStatus.OPEN).update(
        status=status, decided_at=timezone.now(), decided_by=actor
    )


def _tell_author_moderated(actor: User, comment: ArticleComment, action: str, reason: str) -> None:
    """The comment's author is told that a moderator hid (`action` "hidden") or deleted it, and
    why (kind `news_comment_moderated`: in the app, and mailed or pushed as their preferences
    say); not when they moderate their own comment, nor when they may no longer read the
    article."""
    author = comment.author
    if author is None:
        return
    notifications.notify(
        recipient=author,
        kind=NEWS_COMMENT_MODERATED,
        actor=actor,
        group_key=moderated_group(action, comment.pk),
        subject=subject_of(comment.article, comment.pk),
        detail=reason,
    )


def _audit_comment(actor: User, action: str, comment: ArticleComment, **extra: object) -> None:
    log_event(
        actor=actor,
        action=action,
        target=comment,
        old={"body": markdown_to_text(comment.body, limit=200)},
        extra={"article_id": comment.article_id, "author_id": comment.author_id, **extra},
    )


@transaction.atomic
def delete_comment(*, actor: User, comment: ArticleComment, reason: str = "") -> None:
    """Its author deletes their comment; the article's author and communication managers delete
    anyone's, saying why (moderation: audited with the reason and the beginning of the text). A
    comment's replies go with it; the open reports on it are settled."""
    article = comment.article
    own = comment.author_id is not None and comment.author_id == actor.pk
    if not own:
        if not queries.may_moderate(actor, article):
            raise PermissionDenied(_("You cannot delete this comment."))
        reason = _moderation_reason(reason)
        settled = _settle_reports(actor, comment, ReportStatus.HIDDEN)
        _audit_comment(actor, "news.comment_deleted", comment, reason=reason, reports=settled)
        _tell_author_moderated(actor, comment, "deleted", reason)
    gone = ArticleComment.objects.filter(
        Q(pk=comment.pk) | Q(parent=comment), hidden_at__isnull=True
    ).count()
    Article.objects.filter(pk=comment.article_id).update(comment_count=F("comment_count") - gone)
    comment_changed_on_commit(comment.article_id, comment.pk, "deleted")
    comment.delete()


@transaction.atomic
def hide_comment(*, actor: User, comment: ArticleComment, reason: str) -> ArticleComment:
    """A moderator hides a comment (its replies stay): readers see a notice in its place, its
    author and the moderators still see its text. The reason is kept in the audit log; the open
    reports on it are settled as "hidden"."""
    _require_moderator(actor, comment.article)
    reason = _moderation_reason(reason)
    if comment.hidden_at is not None:
        raise ValidationError(_("This comment is hidden already."))
    comment.hidden_at = timezone.now()
    comment.save(update_fields=["hidden_at"])
    Article.objects.filter(pk=comment.article_id).update(comment_count=F("comment_count") - 1)
    settled = _settle_reports(actor, comment, ReportStatus.HIDDEN)
    _audit_comment(actor, "news.comment_hidden", comment, reason=reason, reports=settled)
    _tell_author_moderated(actor, comment, "hidden", reason)
    comment_changed_on_commit(comment.article_id, comment.pk, "hidden")
    return comment


@transaction.atomic
def unhide_comment(*, actor: User, comment: ArticleComment) -> ArticleComment:
    """A moderator shows a hidden comment again (audited)."""
    _require_moderator(actor, comment.article)
    if comment.hidden_at is None:
        raise ValidationError(_("This comment is not hidden."))
    comment.hidden_at = None
    comment.save(update_fields=["hidden_at"])
    Article.objects.filter(pk=comment.article_id).update(comment_count=F("comment_count") + 1)
    _audit_comment(actor, "news.comment_shown", comment)
    comment_changed_on_commit(comment.article_id, comment.pk, "shown")
    return comment


@transaction.atomic
def report_comment(
    *, actor: User, comment: ArticleComment, reason: str, details: str = ""
) -> CommentReport:
    """A reader of the live article reports someone else's comment to the moderators, with a
    reason (the feed's list) and optional details; once per person while it waits."""
    _require_reader(actor, comment.article)
    if comment.author_id is not None and comment.author_id == actor.pk:
        raise ValidationError(_("You cannot report your own comment."))
    if reason not in ReportReason.values:
        raise ValidationError({"reason": [_("Choose a reason.")]})
    details = _clean(details, field="details", limit=2000)
    if CommentReport.objects.filter(
        comment=comment, reporter=actor, status=ReportStatus.OPEN
    ).exists():
        raise ValidationError(_("You have already reported this; the moderators will decide."))
    report = CommentReport.objects.create(
        comment=comment, reporter=actor, reason=reason, details=details
    )
    log_event(actor=actor, action="news.comment_reported", target=comment, new={"reason": reason})
    return report


@transaction.atomic
def dismiss_reports(*, actor: User, comment: ArticleComment) -> int:
    """A moderator leaves the comment as it is: its open reports are dismissed (audited)."""
    _require_moderator(actor, comment.article)
    settled = _settle_reports(actor, comment, ReportStatus.DISMISSED)
    if not settled:
        raise ValidationError(_("This comment has no report waiting."))
    _audit_comment(actor, "news.reports_dismissed", comment, reports=settled)
    return settled


def _recount(article: Article) -> dict[str, int]:
    return reactions.recount(ArticleReaction.objects.filter(article=article), article)


@transaction.atomic
def react(*, actor: User, article: Article, kind: str) -> dict[str, int]:
    _require_reader(actor, article)
    reactions.check_kind(kind)
    ArticleReaction.objects.update_or_create(article=article, user=actor, defaults={"kind": kind})
    return _recount(article)


@transaction.atomic
def unreact(*, actor: User, article: Article) -> dict[str, int]:
    ArticleReaction.objects.filter(article=article, user=actor).delete()
    return _recount(article)


@dataclass(frozen=True)
class _SharePlan:
    article: Article

    def apply(self, post: Post) -> None:
        ArticleShare.objects.create(post=post, article=self.article)

    def message(self) -> str:
        return _("The article is shared.")


def share_to_wall(*, actor: User, article: Article, body: str = "") -> Post:
    """A post on the actor's wall that links the article. Its card shows the article only to
    those who may read it: sharing never widens the audience."""
    _require_reader(actor, article)
    note = (body or "").strip() or _("I shared a news article.")
    with transaction.atomic():
        post = feed_actions.create_post(actor=actor, body=note, then=[_SharePlan(article)])
        log_event(actor=actor, action="news.shared", target=article, new={"post": post.pk})
    return post


def announce_live(*, now: datetime.datetime | None = None) -> int:
    """Notify the audience of every article that went live and was not announced yet (run by
    `manage.py publish_news`, every minute in `make run`); the number of articles announced."""
    now = now or timezone.now()
    due = list(
        Article.objects.filter(queries.live(now), notified_at__isnull=True).select_related(
            "author"
        )[:50]
    )
    for article in due:
        with transaction.atomic():
            claimed = Article.objects.filter(pk=article.pk, notified_at__isnull=True).update(
                notified_at=now
            )
            if not claimed:
                continue
            people = list(queries.audience_people(article))
            notifications.notify_many(
                recipients=people,
                kind=NEWS,
                actor=article.author,
                group_key=f"news.{article.pk}",
                subject=subject_of(article),
            )
    return len(due)
