"""News: who writes, who reads which article (its audience, its publication window), the list, the
home page's featured articles, read counts by department and site.

The rule, once:
- communication managers (the `staff` role) and admins write every article and see them all,
  drafts and scheduled ones included;
- anyone else active sees an article while it is live (`published_at` passed, `ends_at` not yet)
  and they are in its audience: for the whole organisation (`for_everyone`), every member who is
  not an external guest; otherwise the people (not guests) of one of its departments or sites,
  and the members (guests included) of one of its spaces;
- deactivated people see nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cercle.accounts.models import Department, Role, Site, User
from cercle.adoption.actions import MIN_GROUP
from cercle.core.compiled import InstancesQuery, ShapedQuery
from cercle.feed.models import ReportStatus
from cercle.news.models import (
    Article,
    ArticleComment,
    ArticleReaction,
    ArticleRead,
    Category,
    CommentReport,
)
from cercle.spaces.models import Membership, Space

PAGE_SIZE = 12
FEATURED_SHOWN = 3


class NotFound(Http404):
    """Missing or not visible: one error for both, so nothing leaks."""


def may_write(user: User) -> bool:
    """Communication managers and admins write, schedule and follow the news."""
    return bool(user.is_authenticated and user.is_active and user.is_org_staff)


def may_moderate(user: User, article: Article) -> bool:
    """Who hides or deletes anyone's comment on `article`: the news' writers (communication
    managers and admins) and the article's author while still active."""
    if may_write(user):
        return True
    return bool(
        user.is_authenticated
        and user.is_active
        and article.author_id is not None
        and article.author_id == user.pk
    )


def comment_threads(user: User, article: Article) -> list[dict[str, object]]:
    """The article's comments (500 at most), each with its replies, in one query. A hidden
    comment is kept in its place (its replies stay); its text is for moderators and its author."""
    found = list(
        ArticleComment.objects.filter(article=article).select_related("author").order_by("pk")[:500]
    )
    moderator = may_moderate(user, article)
    for item in found:
        item.text_shown = item.hidden_at is None or moderator or item.author_id == user.pk  # type: ignore[attr-defined]
    replies: dict[int, list[ArticleComment]] = {}
    for item in found:
        if item.parent_id is not None:
            replies.setdefault(item.parent_id, []).append(item)
    return [
        {"comment": item, "replies": replies.get(item.pk, [])}
        for item in found
        if item.parent_id is None
    ]


def open_reports(user: User) -> list[CommentReport]:
    """The reports waiting for a decision, for the news' writers (others: none), oldest first,
    200 at most, with their comment, its article and the reporter (one query)."""
    if not may_write(user):
        return []
    return list(
        CommentReport.objects.filter(status=ReportStatus.OPEN)
        .select_related("comment__article", "comment__author", "reporter")
        .order_by("created_at", "id")[:200]
    )


def open_report_count(user: User) -> int:
    if not may_write(user):
        return 0
    return CommentReport.objects.filter(status=ReportStatus.OPEN).count()


def live(now: datetime.datetime | None = None) -> Q:
    now = now or timezone.now()
    return Q(published_at__isnull=False, published_at__lte=now) & (
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )


def in_audience(user: User) -> Q:
    """Articles whose audience includes `user` (a filter of `Article`s)."""
    profile = getattr(user, "profile", None)
    department_id = profile.department_id if profile else None
    site_id = profile.site_id if profile else None
    return _audience(user.pk, user.role, department_id, site_id)


def _audience(user_id: int, role: str, department_id: int | None, site_id: int | None) -> Q:
    through_s = Article.spaces.through.objects
    by_space = Exists(
        through_s.filter(
            article_id=OuterRef("pk"),
            space_id__in=Membership.objects.filter(user_id=user_id).values("space_id"),
        )
    )
    if role == Role.GUEST:
        return Q(by_space)
    found = Q(for_everyone=True) | Q(by_space)
    if department_id is not None:
        found |= Q(
            Exists(
                Article.departments.through.objects.filter(
                    article_id=OuterRef("pk"), department_id=department_id
                )
            )
        )
    if site_id is not None:
        found |= Q(
            Exists(Article.sites.through.objects.filter(article_id=OuterRef("pk"), site_id=site_id))
        )
    return found


def visible_articles(user: User, now: datetime.datetime | None = None) -> QuerySet[Article]:
    """Every article `user` may open (managers: all of them)."""
    if not user.is_authenticated or not user.is_active:
        return Article.objects.none()
    if may_write(user):
        return Article.objects.all()
    return Article.objects.filter(live(now), in_audience(user))


def live_articles(user: User, now: datetime.datetime | None = None) -> QuerySet[Article]:
    """The live articles of `user`'s audience (what the home page, the letter and the search show
    them, managers included: a manager's home shows what is out, not the drafts)."""
    if not user.is_authenticated or not user.is_active:
        return Article.objects.none()
    found = Article.objects.filter(live(now))
    if may_write(user):
        return found
    return found.filter(in_audience(user))


def access_article(user: User, article_id: int) -> Article:
    found = (
        visible_articles(user)
        .select_related("category", "author", "author__profile")
        .filter(pk=article_id)
        .first()
    )
    if found is None:
        raise NotFound(_("No such article."))
    return found


def access_article_to_edit(user: User, article_id: int) -> Article:
    if not may_write(user):
        raise NotFound(_("No such article."))
    return access_article(user, article_id)


@dataclass(frozen=True)
class ArticleState:
    """Where an article stands in its publication window, for the badges managers see."""

    key: str  # "draft", "scheduled", "live", "ended"
    label: str


def state_of(article: Article, now: datetime.datetime | None = None) -> ArticleState:
    now = now or timezone.now()
    if article.published_at is None:
        return ArticleState("draft", _("Draft"))
    if article.published_at > now:
        return ArticleState("scheduled", _("Scheduled"))
    if article.ends_at is not None and article.ends_at <= now:
        return ArticleState("ended", _("Ended"))
    return ArticleState("live", _("Published"))


def news_list(user: User, *, category: Category | None = None) -> QuerySet[Article]:
    """The list page: for readers the live articles, for managers every article (newest
    publication first, drafts last); two queries a page (the count and the rows)."""
    found = visible_articles(user).select_related("category", "author")
    if category is not None:
        found = found.filter(category=category)
    return found.order_by("-published_at", "-id").defer("body", "body_html")


def featured(user: User) -> list[Article]:
    """The featured articles live for `user`, newest first: their ids by a query built once per
    person shape (`core.compiled.ShapedQuery`: on every home page, building it cost several times
    running it), then, when there are some, their rows (two queries; one when none)."""
    if not user.is_authenticated or not user.is_active:
        return []
    profile = getattr(user, "profile", None)
    department_id = profile.department_id if profile else None
    site_id = profile.site_id if profile else None
    shape = (user.role, department_id is not None, site_id is not None)
    ids = _FEATURED_IDS.values(
        shape, user.pk, department_id or 0, site_id or 0, times=(timezone.now(),)
    )
    if not ids:
        return []
    # The rows by a query built once per number of ids (`core.compiled.InstancesQuery`).
    found = {a.pk: a for a in _FEATURED_ROWS.instances(ids)}
    return [found[pk] for pk in ids if pk in found]


_FEATURED_ROWS = InstancesQuery(
    lambda ids: (
        Article.objects.filter(pk__in=ids).select_related("category").defer("body", "body_html")
    )
)


def _featured_ids(
    shape: tuple[str, bool, bool],
    user_id: int,
    department_id: int,
    site_id: int,
    now: datetime.datetime,
) -> QuerySet[Article, int]:
    """`featured`'s rule (`live_articles`, featured ones) for an active person of this shape."""
    role, has_department, has_site = shape
    found = Article.objects.filter(live(now), featured=True)
    if role not in (Role.ADMIN, Role.STAFF):  # `may_write`: they read every live article
        found = found.filter(
            _audience(
                user_id,
                role,
                department_id if has_department else None,
                site_id if has_site else None,
            )
        )
    return found.order_by("-published_at", "-id").values_list("pk", flat=True)[:FEATURED_SHOWN]


_FEATURED_IDS = ShapedQuery(_featured_ids, ids=3, times=1)


SPACE_ARTICLES = 30


def space_articles(user: User, space: Space) -> list[Article]:
    """The live articles written for `space` (among their audiences) that `user` may read,
    newest first, at most `SPACE_ARTICLES`: one query."""
    return list(
        live_articles(user)
        .filter(spaces=space)
        .select_related("category")
        .defer("body", "body_html")
        .order_by("-published_at", "-id")[:SPACE_ARTICLES]
    )


def has_space_articles(user: User, space: Space) -> bool:
    """Is there a live article written for `space` that `user` may read (one query)? Asked on
    every page of a space (its News tab): by a query built once per person shape, as `featured`."""
    if not user.is_authenticated or not user.is_active:
        return False
    department_id: int | None = None
    site_id: int | None = None
    if not may_write(user):  # their audience: the profile read (managers read every article)
        profile = getattr(user, "profile", None)
        department_id = profile.department_id if profile else None
        site_id = profile.site_id if profile else None
    shape = (user.role, department_id is not None, site_id is not None)
    return bool(
        _SPACE_ARTICLE_IDS.values(
            shape, user.pk, department_id or 0, site_id or 0, space.pk, times=(timezone.now(),)
        )
    )


def _space_article_ids(
    shape: tuple[str, bool, bool],
    user_id: int,
    department_id: int,
    site_id: int,
    space_id: int,
    now: datetime.datetime,
) -> QuerySet[Article, int]:
    """`has_space_articles`' rule (`live_articles`, written for the space) for an active person
    of this shape."""
    role, has_department, has_site = shape
    through = Article.spaces.through.objects.filter(space_id=space_id)
    found = Article.objects.filter(live(now), pk__in=through.values("article_id"))
    if role not in (Role.ADMIN, Role.STAFF):  # `may_write`: they read every live article
        found = found.filter(
            _audience(
                user_id,
                role,
                department_id if has_department else None,
                site_id if has_site else None,
            )
        )
    return found.values_list("pk", flat=True)[:1]


_SPACE_ARTICLE_IDS = ShapedQuery(_space_article_ids, ids=4, times=1)


def categories() -> QuerySet[Category]:
    return Category.objects.order_by("name", "pk")


def my_reaction(user: User, article: Article) -> str | None:
    return (
        ArticleReaction.objects.filter(article=article, user_id=user.pk)
        .values_list("kind", flat=True)
        .first()
    )


def audience_people(article: Article) -> QuerySet[User]:
    """The active people an article is for (its readers, managers aside)."""
    people = User.objects.filter(is_active=True)
    if article.for_everyone:
        return people.exclude(role=Role.GUEST).order_by("pk")
    members = Membership.objects.filter(space__in=article.spaces.all()).values("user_id")
    not_guest = ~Q(role=Role.GUEST)
    return people.filter(
        Q(pk__in=members)
        | (not_guest & Q(profile__department__in=article.departments.all()))
        | (not_guest & Q(profile__site__in=article.sites.all()))
    ).order_by("pk")


@dataclass(frozen=True)
class ReadGroup:
    name: str
    readers: int


@dataclass(frozen=True)
class ReadCounts:
    total: int
    audience: int
    by_department: list[ReadGroup]
    by_site: list[ReadGroup]


def _grouped(rows: Sequence[tuple[int | None, int]], names: dict[int, str]) -> list[ReadGroup]:
    """Groups of at least MIN_GROUP readers by name; smaller ones, and readers with no group,
    summed into "Other" (the adoption figures' rule: a small group's figure tells who read)."""
    shown: list[ReadGroup] = []
    other = 0
    for key, readers in rows:
        if key is None or readers < MIN_GROUP:
            other += readers
        else:
            shown.append(ReadGroup(names.get(key, "?"), readers))
    shown.sort(key=lambda g: (-g.readers, g.name))
    if other:
        shown.append(ReadGroup(_("Other"), other))
    return shown


def may_see_reads(user: User, article: Article) -> bool:
    return bool(user.is_active and (may_write(user) or article.author_id == user.pk))


def read_counts(article: Article) -> ReadCounts:
    """Readers by department and by site; five queries."""
    reads = ArticleRead.objects.filter(article=article)
    by_department = list(
        reads.values_list("user__profile__department_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("user__profile__department_id", "n")
    )
    by_site = list(
        reads.values_list("user__profile__site_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("user__profile__site_id", "n")
    )
    departments = dict(Department.objects.values_list("pk", "name"))
    sites = dict(Site.objects.values_list("pk", "name"))
    return ReadCounts(
        total=sum(n for _key, n in by_department),
        audience=audience_people(article).count(),
        by_department=_grouped(by_department, departments),
        by_site=_grouped(by_site, sites),
    )
