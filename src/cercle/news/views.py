"""The news pages: the list (by category, paginated), an article (read counted once, comments,
reactions, share to the wall), the form to write or edit one (with a preview), read counts, the
cover, and the categories' page. Thin: rules in `queries`, writes in `actions`."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cercle.accounts.models import Department, Site
from cercle.core import uploads
from cercle.core.markdown import render_markdown
from cercle.core.typing import AuthenticatedRequest
from cercle.feed.models import REACTION_EMOJI, ReactionKind, ReportReason
from cercle.news import actions, queries
from cercle.news.actions import ArticleInput
from cercle.news.models import Article, ArticleComment, Category
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Space

MAX_ID = 2**62


def _id(value: str | None) -> int | None:
    if value and value.isdigit() and len(value) <= 18 and int(value) < MAX_ID:
        return int(value)
    return None


def _errors(error: ValidationError) -> dict[str, list[str]]:
    found = dict(error.message_dict) if hasattr(error, "message_dict") else {}
    general = found.pop("__all__", []) if found else list(error.messages)
    return {**found, "general": general} if general else found


@login_required
def news_list(request: AuthenticatedRequest) -> HttpResponse:
    categories = list(queries.categories())
    chosen_id = _id(request.GET.get("category"))
    chosen = next((c for c in categories if c.pk == chosen_id), None)
    found = queries.news_list(request.user, category=chosen)
    page = Paginator(found, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    may_write = queries.may_write(request.user)
    return render(
        request,
        "news/list.html",
        {
            "page": page,
            "rows": [(a, queries.state_of(a, now) if may_write else None) for a in page],
            "categories": categories,
            "chosen": chosen,
            "may_write": may_write,
            "open_reports": queries.open_report_count(request.user) if may_write else 0,
        },
    )


def _comment_id(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 12 else 0


def _reactions(article: Article) -> list[dict[str, Any]]:
    return [
        {"kind": kind, "label": label, "emoji": REACTION_EMOJI.get(kind, ""), "count": n}
        for kind, label in ReactionKind.choices
        for n in [int(article.reaction_counts.get(kind, 0))]
    ]


def _comments_context(request: AuthenticatedRequest, article: Article) -> dict[str, Any]:
    """What the comments' list needs (the article page and its fragment)."""
    return {
        "article": article,
        "live": queries.state_of(article).key == "live",
        "comments": queries.comment_threads(request.user, article),
        "may_moderate": queries.may_moderate(request.user, article),
        "report_reasons": ReportReason.choices,
        "editing_comment": _comment_id(request.GET.get("edit_comment")),
    }


@login_required
def news_comments(request: AuthenticatedRequest, article_id: int) -> HttpResponse:
    """The article's comments alone (asked by the page when the socket says they changed),
    rendered for this reader with the rule of the article page; nothing is counted."""
    article = queries.access_article(request.user, article_id)
    return render(request, "news/_comments.html", _comments_context(request, article))


@login_required
def news_article(request: AuthenticatedRequest, article_id: int) -> HttpResponse:
    article = queries.access_article(request.user, article_id)
    actions.record_read(reader=request.user, article=article)
    state = queries.state_of(article)
    comments = queries.comment_threads(request.user, article)
    return render(
        request,
        "news/article.html",
        {
            "article": article,
            "state": state,
            "live": state.key == "live",
            "comments": comments,
            "reactions": _reactions(article),
            "mine": queries.my_reaction(request.user, article),
            "may_write": queries.may_write(request.user),
            "may_moderate": queries.may_moderate(request.user, article),
            "report_reasons": ReportReason.choices,
            "open_reports": queries.open_report_count(request.user),
            "editing_comment": _comment_id(request.GET.get("edit_comment")),
            "may_see_reads": queries.may_see_reads(request.user, article),
            "audience": _audience_names(article),
        },
    )


def _audience_names(article: Article) -> list[str]:
    if article.for_everyone:
        return []
    return [
        *(d.name for d in article.departments.all()),
        *(s.name for s in article.sites.all()),
        *(s.name for s in article.spaces.all()),
    ]


@uploads.download_view
def news_cover(request: AuthenticatedRequest, article_id: int) -> HttpResponseBase:
    article = queries.access_article(request.user, article_id)
    if not article.cover:
        raise queries.NotFound(_("No such article."))
    opened = storages["news"].open(article.cover)
    return uploads.serve(cast(Any, opened), name=article.cover, content_type=article.cover_type)


def _local_datetime(value: str, field: str) -> datetime.datetime:
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError({field: [_("Enter a valid date and time.")]}) from None
    if not 1970 <= parsed.year <= 9000:
        raise ValidationError({field: [_("Enter a valid date and time.")]})
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_current_timezone())
    return parsed


def _chosen(model: type[Any], values: list[str]) -> list[Any]:
    ids = [i for i in (_id(v) for v in values) if i is not None]
    return list(model.objects.filter(pk__in=ids)) if ids else []


def _form(article: Article | None) -> dict[str, Any]:
    if article is None:
        return {
            "title": "",
            "summary": "",
            "body": "",
            "category": "",
            "cover_alt": "",
            "featured": False,
            "when": "now",
            "published_at": "",
            "ends_at": "",
            "departments": [],
            "sites": [],
            "spaces": [],
        }
    zone = timezone.get_current_timezone()

    def local(value: datetime.datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y-%m-%dT%H:%M") if value else ""

    return {
        "title": article.title,
        "summary": article.summary,
        "body": article.body,
        "category": str(article.category_id or ""),
        "cover_alt": article.cover_alt,
        "featured": article.featured,
        "when": "draft"
        if article.published_at is None
        else ("schedule" if article.published_at > timezone.now() else "now"),
        "published_at": local(article.published_at),
        "ends_at": local(article.ends_at),
        "departments": [str(pk) for pk in article.departments.values_list("pk", flat=True)],
        "sites": [str(pk) for pk in article.sites.values_list("pk", flat=True)],
        "spaces": [str(pk) for pk in article.spaces.values_list("pk", flat=True)],
    }


def _posted(request: AuthenticatedRequest) -> dict[str, Any]:
    data = request.POST
    return {
        "title": data.get("title", ""),
        "summary": data.get("summary", ""),
        "body": data.get("body", ""),
        "category": data.get("category", ""),
        "cover_alt": data.get("cover_alt", ""),
        "featured": data.get("featured") == "1",
        "when": data.get("when", "now"),
        "published_at": data.get("published_at", ""),
        "ends_at": data.get("ends_at", ""),
        "departments": data.getlist("departments"),
        "sites": data.getlist("sites"),
        "spaces": data.getlist("spaces"),
    }


def _input(form: dict[str, Any], article: Article | None) -> ArticleInput:
    errors: dict[str, list[str]] = {}
    published: datetime.datetime | None = None
    when = form["when"]
    if when == "schedule":
        if not form["published_at"]:
            errors["published_at"] = [_("Choose when the article is published.")]
        else:
            try:
                published = _local_datetime(form["published_at"], "published_at")
            except ValidationError as error:
                errors.update(error.message_dict)
    elif when == "now":
        keep = article is not None and article.published_at is not None
        published = (
            article.published_at
            if keep and article is not None and article.published_at <= timezone.now()  # type: ignore[operator]
            else timezone.now()
        )
    elif when != "draft":
        errors["when"] = [_("Choose when the article is published.")]
    ends: datetime.datetime | None = None
    if form["ends_at"]:
        try:
            ends = _local_datetime(form["ends_at"], "ends_at")
        except ValidationError as error:
            errors.update(error.message_dict)
    category = None
    if form["category"]:
        category = Category.objects.filter(pk=_id(form["category"]) or 0).first()
        if category is None:
            errors["category"] = [_("Choose one of the categories offered.")]
    if errors:
        raise ValidationError(errors)
    return ArticleInput(
        title=form["title"],
        summary=form["summary"],
        body=form["body"],
        category=category,
        cover_alt=form["cover_alt"],
        featured=form["featured"],
        published_at=published,
        ends_at=ends,
        departments=_chosen(Department, form["departments"]),
        sites=_chosen(Site, form["sites"]),
        spaces=_chosen(Space, form["spaces"]),
    )


def _editor(request: AuthenticatedRequest, article: Article | None) -> HttpResponse:
    if not queries.may_write(request.user):
        raise PermissionDenied
    form = _form(article)
    errors: dict[str, list[str]] = {}
    preview = None
    if request.method == "POST":
        form = _posted(request)
        upload = request.FILES.get("cover")
        cover = (upload, upload.name or "cover") if upload is not None else None
        if "preview" in request.POST:
            preview = render_markdown(form["body"])
        else:
            try:
                data = _input(form, article)
                if article is None:
                    article = actions.create_article(actor=request.user, data=data, cover=cover)
                    flash.success(request, _("The article is saved."))
                else:
                    article = actions.edit_article(
                        actor=request.user,
                        article=article,
                        data=data,
                        cover=cover,
                        remove_cover=request.POST.get("remove_cover") == "1",
                    )
                    flash.success(request, _("The article is saved."))
                return redirect("news_article", article.pk)
            except ValidationError as error:
                errors = _errors(error)
    return render(
        request,
        "news/form.html",
        {
            "article": article,
            "form": form,
            "errors": errors,
            "preview": preview,
            "categories": queries.categories(),
            "departments": Department.objects.order_by("name"),
            "sites": Site.objects.order_by("name"),
            "spaces": Space.objects.filter(
                is_organisation=False, archived_at__isnull=True
            ).order_by("name")[:200],
        },
        status=400 if errors else 200,
    )


@login_required
def news_write(request: AuthenticatedRequest) -> HttpResponse:
    return _editor(request, None)


@login_required
def news_edit(request: AuthenticatedRequest, article_id: int) -> HttpResponse:
    return _editor(request, queries.access_article_to_edit(request.user, article_id))


@login_required
@require_POST
def news_delete(request: AuthenticatedRequest, article_id: int) -> HttpResponse:
    article = queries.access_article_to_edit(request.user, article_id)
    actions.delete_article(actor=request.user, article=article)
    flash.success(request, _("The article is deleted."))
    return redirect("news")


@login_required
def news_reads(request: AuthenticatedRequest, article_id: int) -> HttpResponse:
    article = queries.access_article(request.user, article_id)
    if not queries.may_see_reads(request.user, article):
        raise queries.NotFound(_("No such article."))
    return render(
        request,
        "news/reads.html",
        {"article": article, "counts": queries.read_counts(article)},
    )


def _back(article: Article, anchor: str = "") -> HttpResponse:
    return redirect(reverse("news_article", args=[article.pk]) + anchor)


@login_required
@require_POST
def news_comment(request: AuthenticatedRequest, article_id: int) -> HttpResponse:
    article = queries.access_article(request.user, article_id)
    parent = None
    parent_id = request.POST.get("parent", "")
    if parent_id:
        parent = ArticleComment.objects.filter(pk=_comment_id(parent_id), article=article).first()
        if parent is None:
            return HttpResponse(_("Reply to a comment of this article."), status=400)
    try:
        comment = actions.add_comment(
            actor=request.user, article=article, body=request.POST.get("body", ""), parent=parent
        )
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
        return _back(article, "#comments")
    return _back(article, f"#comment-{comment.pk}")


@login_required
def news_comment_edit(request: AuthenticatedRequest, comment_id: int) -> HttpResponse:
    """GET: the article with this comment's text in a form; POST: save it (its author only)."""
    comment = ArticleComment.objects.filter(pk=comment_id).first()
    if comment is None:
        raise queries.NotFound(_("No such comment."))
    article = queries.access_article(request.user, comment.article_id)
    if request.method != "POST":
        url = reverse("news_article", args=[article.pk])
        return redirect(f"{url}?edit_comment={comment.pk}#comment-{comment.pk}")
    try:
        actions.edit_comment(actor=request.user, comment=comment, body=request.POST.get("body", ""))
    except PermissionDenied as error:
        return HttpResponse(str(error), status=403)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400)
    flash.success(request, _("Your comment is saved."))
    return _back(article, f"#comment-{comment.pk}")


def _comment_of(request: AuthenticatedRequest, comment_id: int) -> ArticleComment:
    """The comment, when its article is visible to the person (else the same 404)."""
    comment = ArticleComment.objects.filter(pk=comment_id).select_related("article").first()
    if comment is None:
        raise queries.NotFound(_("No such comment."))
    comment.article = queries.access_article(request.user, comment.article_id)
    return comment


def _moderated(request: AuthenticatedRequest, comment: ArticleComment, do: Any) -> HttpResponse:
    """Run a moderation action: a refusal is a 403, bad input a 400 (nothing changed); then back
    to the comments (or to the reports' list when the form came from there)."""
    try:
        done = do()
    except PermissionDenied as error:
        return HttpResponse(str(error), status=403)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400)
    if isinstance(done, str):
        flash.success(request, done)
    if request.POST.get("next") == "reports":
        return redirect("news_reports")
    return _back(comment.article, f"#comment-{comment.pk}" if comment.pk else "#comments")


@login_required
@require_POST
def news_comment_delete(request: AuthenticatedRequest, comment_id: int) -> HttpResponse:
    """Its author deletes a comment; a moderator deletes anyone's, with a reason (`reason`)."""
    comment = _comment_of(request, comment_id)
    reason = request.POST.get("reason", "")

    def do() -> str:
        actions.delete_comment(actor=request.user, comment=comment, reason=reason)
        return _("The comment is deleted.")

    return _moderated(request, comment, do)


@login_required
@require_POST
def news_comment_hide(request: AuthenticatedRequest, comment_id: int) -> HttpResponse:
    comment = _comment_of(request, comment_id)
    reason = request.POST.get("reason", "")

    def do() -> str:
        actions.hide_comment(actor=request.user, comment=comment, reason=reason)
        return _("The comment is hidden.")

    return _moderated(request, comment, do)


@login_required
@require_POST
def news_comment_unhide(request: AuthenticatedRequest, comment_id: int) -> HttpResponse:
    comment = _comment_of(request, comment_id)

    def do() -> str:
        actions.unhide_comment(actor=request.user, comment=comment)
        return _("The comment is shown again.")

    return _moderated(request, comment, do)


@login_required
@require_POST
def news_comment_report(request: AuthenticatedRequest, comment_id: int) -> HttpResponse:
    comment = _comment_of(request, comment_id)

    def do() -> str:
        actions.report_comment(
            actor=request.user,
            comment=comment,
            reason=request.POST.get("reason", ""),
            details=request.POST.get("details", ""),
        )
        return _("Thank you: the moderators will look at this comment.")

    return _moderated(request, comment, do)


@login_required
@require_POST
def news_comment_dismiss(request: AuthenticatedRequest, comment_id: int) -> HttpResponse:
    comment = _comment_of(request, comment_id)

    def do() -> str:
        actions.dismiss_reports(actor=request.user, comment=comment)
        return _("The reports are dismissed.")

    return _moderated(request, comment, do)


@login_required
def news_reports(request: AuthenticatedRequest) -> HttpResponse:
    """The comments reported and waiting for a decision (the news' writers only)."""
    if not queries.may_write(request.user):
        raise PermissionDenied(_("Only the communication team and admins moderate the news."))
    return render(request, "news/reports.html", {"reports": queries.open_reports(request.user)})


@login_required
@require_POST
def news_react(request: AuthenticatedRequest, article_id: int) -> HttpResponse:
    article = queries.access_article(request.user, article_id)
    kind = request.POST.get("kind", "")
    try:
        if kind == queries.my_reaction(request.user, article):
            actions.unreact(actor=request.user, article=article)
        else:
            actions.react(actor=request.user, article=article, kind=kind)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400)
    return _back(article, "#reactions")


@login_required
def news_share(request: AuthenticatedRequest, article_id: int) -> HttpResponse:
    article = queries.access_article(request.user, article_id)
    error = ""
    if request.method == "POST":
        try:
            post = actions.share_to_wall(
                actor=request.user, article=article, body=request.POST.get("body", "")
            )
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            flash.success(request, _("The article is shared on your wall."))
            return redirect("post", post.pk)
    return render(
        request,
        "news/share.html",
        {"article": article, "error": error, "body": request.POST.get("body", "")},
        status=400 if error else 200,
    )


@login_required
def news_categories(request: AuthenticatedRequest) -> HttpResponse:
    if not queries.may_write(request.user):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            actions.create_category(
                actor=request.user,
                name=request.POST.get("name", ""),
                name_en=request.POST.get("name_en", ""),
            )
        except ValidationError as error:
            errors = _errors(error)
        else:
            flash.success(request, _("The category is added."))
            return redirect("news_categories")
    return render(
        request,
        "news/categories.html",
        {
            "categories": queries.categories(),
            "errors": errors,
            "name": request.POST.get("name", ""),
            "name_en": request.POST.get("name_en", ""),
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def news_category_delete(request: AuthenticatedRequest, category_id: int) -> HttpResponse:
    category = Category.objects.filter(pk=category_id).first()
    if category is None or not queries.may_write(request.user):
        raise queries.NotFound(_("No such category."))
    actions.delete_category(actor=request.user, category=category)
    return redirect("news_categories")


@login_required
def space_news(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """A space's News tab: the live articles written for the space that the viewer may read."""
    space = space_queries.access_space(request.user, slug)
    view = space_queries.space_view(request.user, space)
    if not view.can_read or space.is_organisation:
        raise queries.NotFound(_("No such page."))
    return render(
        request,
        "news/space.html",
        {
            "space": space,
            "view": view,
            "member_count": space_queries.member_count(space),
            "articles": queries.space_articles(request.user, space),
        },
    )
