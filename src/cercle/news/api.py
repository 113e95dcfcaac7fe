"""The news API: the list (by category, paginated), an article, and, for communication managers
and admins, writing and editing one (no cover through the API: the form takes it)."""

from __future__ import annotations

import datetime
import math

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from cercle.accounts.models import Department, Site, User
from cercle.core.schemas import Id
from cercle.core.typing import AuthenticatedRequest
from cercle.news import actions, queries
from cercle.news.actions import ArticleInput
from cercle.news.models import Article, Category
from cercle.news.schemas import (
    NewsArticleIn,
    NewsArticleOut,
    NewsArticleSummaryOut,
    NewsAudienceOut,
    NewsCategoryOut,
    NewsListOut,
    NewsListQuery,
)
from cercle.spaces.models import Space
from cercle.spaces.schemas import PersonRef

router = Router(tags=["news"])


def _summary(article: Article, now: datetime.datetime) -> NewsArticleSummaryOut:
    return NewsArticleSummaryOut(
        id=article.pk,
        title=article.title,
        summary=article.summary,
        category=NewsCategoryOut(
            id=article.category.pk, name=article.category.name, name_en=article.category.name_en
        )
        if article.category
        else None,
        featured=article.featured,
        published_at=article.published_at,
        ends_at=article.ends_at,
        state=queries.state_of(article, now).key,
        has_cover=bool(article.cover),
        cover_alt=article.cover_alt,
        url=reverse("news_article", args=[article.pk]),
    )


def _detail(user: User, article: Article) -> NewsArticleOut:
    writer = queries.may_write(user)
    author = article.author
    return NewsArticleOut(
        **_summary(article, timezone.now()).dict(),
        body=article.body,
        html=article.body_html,
        author=PersonRef(id=author.pk, username=author.username, display_name=author.display_name)
        if author
        else None,
        audience=NewsAudienceOut(
            everyone=article.for_everyone,
            department_ids=list(article.departments.values_list("pk", flat=True)),
            site_ids=list(article.sites.values_list("pk", flat=True)),
            space_ids=list(article.spaces.values_list("pk", flat=True)),
        )
        if writer
        else None,
        read_count=article.read_count if queries.may_see_reads(user, article) else None,
        comment_count=article.comment_count,
        reaction_counts={k: int(v) for k, v in article.reaction_counts.items()},
    )


@router.get("/news", response=NewsListOut)
def news_list(request: AuthenticatedRequest, filters: Query[NewsListQuery]) -> NewsListOut:
    """The articles the caller may read, newest first (managers: drafts and scheduled ones too),
    12 a page."""
    category = None
    if filters.category is not None:
        category = Category.objects.filter(pk=filters.category).first()
        if category is None:
            raise queries.NotFound(_("No such category."))
    found = queries.news_list(request.auth, category=category)
    count = found.count()
    size = queries.PAGE_SIZE
    start = (filters.page - 1) * size
    now = timezone.now()
    return NewsListOut(
        items=[_summary(a, now) for a in found[start : start + size]],
        page=filters.page,
        pages=max(1, math.ceil(count / size)),
        count=count,
    )


@router.get("/news/{article_id}", response=NewsArticleOut)
def news_detail(request: AuthenticatedRequest, article_id: Id) -> NewsArticleOut:
    article = queries.access_article(request.auth, article_id)
    actions.record_read(reader=request.auth, article=article)
    return _detail(request.auth, article)


def _when(value: datetime.datetime | None, field: str) -> datetime.datetime | None:
    if value is None:
        return None
    try:
        aware = value if timezone.is_aware(value) else value.replace(tzinfo=datetime.UTC)
        utc = aware.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        raise ValidationError({field: [_("Enter a valid date and time.")]}) from None
    if not 1970 <= utc.year <= 9000:
        raise ValidationError({field: [_("Enter a valid date and time.")]})
    return utc


def _all(model: type[Department] | type[Site] | type[Space], ids: list[int], field: str) -> list:  # type: ignore[type-arg]
    wanted = set(ids)
    found = list(model.objects.filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise ValidationError({field: [_("Some of these do not exist.")]})
    return found


def _input(payload: NewsArticleIn) -> ArticleInput:
    category = None
    if payload.category_id is not None:
        category = Category.objects.filter(pk=payload.category_id).first()
        if category is None:
            raise ValidationError({"category_id": [_("Choose one of the categories offered.")]})
    return ArticleInput(
        title=payload.title,
        summary=payload.summary,
        body=payload.body,
        category=category,
        featured=payload.featured,
        published_at=_when(payload.published_at, "published_at"),
        ends_at=_when(payload.ends_at, "ends_at"),
        departments=_all(Department, payload.department_ids, "department_ids"),
        sites=_all(Site, payload.site_ids, "site_ids"),
        spaces=_all(Space, payload.space_ids, "space_ids"),
    )


@router.post("/news", response={201: NewsArticleOut})
def news_create(request: AuthenticatedRequest, payload: NewsArticleIn) -> Status[NewsArticleOut]:
    """Write an article (communication managers and admins): published at `published_at`
    (in the future: scheduled; none: a draft), for everyone or the chosen audience."""
    article = actions.create_article(actor=request.auth, data=_input(payload))
    return Status(201, _detail(request.auth, article))


@router.put("/news/{article_id}", response=NewsArticleOut)
def news_edit(
    request: AuthenticatedRequest, article_id: Id, payload: NewsArticleIn
) -> NewsArticleOut:
    """Replace an article's text, category, audience and dates (its cover stays)."""
    article = queries.access_article_to_edit(request.auth, article_id)
    edited = actions.edit_article(
        actor=request.auth,
        article=article,
        data=ArticleInput(**{**_input(payload).__dict__, "cover_alt": article.cover_alt}),
    )
    return _detail(request.auth, edited)
