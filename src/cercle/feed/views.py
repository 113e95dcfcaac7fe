"""Pages of the wall: the home feed, a post and its comments, hashtags, profile walls.

Thin views: they read through `cercle.feed.queries` and write through `cercle.feed.actions`;
htmx requests get the partial that changed, other requests a redirect (pages work without JS).
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from cercle.accounts.models import User
from cercle.core import previews, uploads
from cercle.core.pagination import InvalidCursor, Page
from cercle.core.panels import home_layout
from cercle.core.typing import AuthenticatedRequest
from cercle.feed import actions, queries, registry
from cercle.feed.models import REACTION_EMOJI, Attachment, ReactionKind, ReportReason
from cercle.notifications import queries as notification_queries
from cercle.notifications.views import level_choices
from cercle.spaces import actions as space_actions
from cercle.spaces import queries as space_queries

MAX_PARAM = 200


def param(request: AuthenticatedRequest, name: str, source: str = "GET") -> str:
    data = request.GET if source == "GET" else request.POST
    return (data.get(name) or "")[:MAX_PARAM].strip()


def is_htmx(request: AuthenticatedRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def back(request: AuthenticatedRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default)


def error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return " ".join(str(m) for msgs in error.message_dict.values() for m in msgs)
        return " ".join(str(m) for m in error.messages)
    return str(error)


def reaction_choices() -> list[tuple[str, str, str]]:
    return [(kind, str(label), REACTION_EMOJI[kind]) for kind, label in ReactionKind.choices]


def _page_or_400(
    posts: Any, viewer: queries.Viewer, cursor: str | None
) -> tuple[Page[queries.PostCard], int]:
    try:
        return queries.paginate(posts, viewer, cursor=cursor), 200
    except InvalidCursor:
        return Page(items=[], next_cursor=None), 400


def render_post_list(
    request: AuthenticatedRequest,
    template: str,
    context: dict[str, Any],
    posts: Any,
    pager: Any = None,
) -> HttpResponse:
    """A page of posts; the "more" button asks for the next page as a partial (htmx).
    `pager(viewer, cursor)` gives the page instead of `posts` (the home feed's)."""
    viewer = queries.Viewer.of(request.user)
    cursor = param(request, "cursor") or None
    if pager is not None:
        try:
            page, status = pager(viewer, cursor), 200
        except InvalidCursor:
            page, status = Page(items=[], next_cursor=None), 400
    else:
        page, status = _page_or_400(posts, viewer, cursor)
    actions.record_views(viewer=request.user, posts=[card.post for card in page.items])
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        **context,
        "page": page,
        "base_query": query.urlencode(),
        "reaction_choices": reaction_choices(),
        "now": timezone.now().isoformat(),
    }
    if is_htmx(request) and request.GET.get("cursor"):
        return render(request, "feed/_post_list.html", context, status=status)
    return render(request, template, context, status=status)


@login_required
@require_GET
def space_page(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """A space's page: its wall, with what the person may do there (or why they may not read
    it)."""
    space = space_queries.access_space(request.user, slug)
    view = space_queries.space_view(request.user, space)
    if not view.can_read:
        return render(
            request,
            "spaces/detail.html",
            {"view": view, "space": space, "member_count": space_queries.member_count(space)},
        )
    if view.role and not request.GET.get("cursor"):
        # Its new posts are seen: no longer marked in my side navigation.
        space_actions.mark_space_seen(actor=request.user, space=space)
    viewer = queries.Viewer.of(request.user)
    pinned = [] if request.GET.get("cursor") else queries.pinned_cards(viewer, space)
    members = space_queries.member_count(space)
    return render_post_list(
        request,
        "spaces/detail.html",
        {
            "view": view,
            "space": space,
            "pinned": pinned,
            "member_count": members,
            "notify_level": notification_queries.space_level(request.user, space, members=members)
            if view.role
            else None,
            "level_choices": level_choices(),
            "composer_options": registry.composer_options(request.user, space, viewer.roles)
            if view.can_post
            else [],
        },
        None,
        pager=lambda page_viewer, cursor: queries.space_page(page_viewer, space, cursor=cursor),
    )


@login_required
@require_GET
def home(request: AuthenticatedRequest) -> HttpResponse:
    feed_filter = param(request, "filter") or "all"
    if feed_filter not in queries.FILTERS:
        feed_filter = "all"
    user = request.user
    # The admins' arrangement of the home (`cercle.core.panels.HomeLayout`), read once: the
    # sections it hides are not loaded, and `{% home_panels %}` reads it from the context.
    layout = home_layout(user)
    sections = registry.home_sections(user, feed_filter, layout.hidden)
    context = {
        "home_layout": layout,
        "filter": feed_filter,
        "filters": _filters(get_language()),
        "may_post_on_wall": queries.may_post_on_wall(user),
        # What the modules extending posts add: sections (announcements' banners), composer parts.
        "home_sections": sections,
        "composer_options": registry.composer_options(user, None),
        # Most people have none: asked by a query built once, the invitations read only then.
        "pending_invitations": list(space_queries.pending_invitations_for(user)[:5])
        if space_queries.has_pending_invitations(user)
        else [],
    }
    # A post shown whole above (an announcement's banner) is not repeated below.
    shown_above = list(registry.shown_post_ids(sections))
    return render_post_list(
        request,
        "core/home.html",
        context,
        None,
        pager=lambda viewer, cursor: queries.home_page(
            viewer, feed_filter, cursor=cursor, leave_out=shown_above
        ),
    )


@functools.lru_cache(maxsize=32)
def _filters(language: str | None) -> list[tuple[str, str]]:
    """The home feed's filters and their names, kept per language (asked on every home page)."""
    from django.utils.translation import gettext as _

    return [
        ("all", _("All")),
        ("spaces", _("My spaces")),
        ("following", _("People I follow")),
        ("mentions", _("Mentions of me")),
        ("saved", _("Saved")),
    ]


@login_required
@require_GET
def new_posts(request: AuthenticatedRequest) -> HttpResponse:
    """The "N new posts" notice of a feed: the home feed (`filter`), a space's wall (`space`, its
    id) or a profile wall (`wall`, the person's id). Pages count live over the socket
    (`feed.new`); they ask here after a reconnection, and every 2 minutes while offline."""
    from django.utils.translation import gettext as _

    feed_filter = param(request, "filter") or "all"
    if feed_filter not in queries.FILTERS:
        feed_filter = "all"
    since = parse_datetime(param(request, "since")) or timezone.now()
    if timezone.is_naive(since):
        since = timezone.make_aware(since, datetime.UTC)
    space_id, wall_id = param(request, "space"), param(request, "wall")
    context: dict[str, Any] = {"filter": feed_filter, "since": since.isoformat()}
    if space_id:
        space = space_queries.access_space(request.user, space_id)
        posts = queries.space_posts(request.user, space)
        context.update(feed="space", feed_id=space.pk)
    elif wall_id:
        if not (wall_id.isascii() and wall_id.isdigit()):
            raise queries.NotFound(_("No such person."))
        person = get_object_or_404(User, pk=int(wall_id))
        posts = queries.profile_posts(request.user, person)
        context.update(feed="wall", feed_id=person.pk)
    else:
        context["count"] = queries.new_posts_count(request.user, feed_filter, since)
        return render(request, "feed/_new_posts.html", context)
    context["count"] = (
        posts.filter(created_at__gt=since).exclude(author_id=request.user.pk).order_by().count()
    )
    return render(request, "feed/_new_posts.html", context)


@login_required
@require_POST
def create(request: AuthenticatedRequest) -> HttpResponse:
    """Post from a composer: to a space (`space` = its id) or to one's own wall."""
    space = None
    space_id = param(request, "space", "POST")
    if space_id:
        space = space_queries.access_space(request.user, space_id)
    default = reverse("space", args=[space.slug]) if space else reverse("home")
    try:
        # The composer's options asked for (an announcement): refused before anything is
        # written, or done with the post in its transaction.
        plans = registry.composer_plans(request.user, space, request.POST)
        post = actions.create_post(
            actor=request.user,
            body=request.POST.get("body", ""),
            space=space,
            attachments=[(f, f.name or "file") for f in request.FILES.getlist("attachments")],
            then=plans,
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, error_text(error))
        return back(request, default)
    if plans:
        for plan in plans:
            messages.success(request, plan.message())
        return HttpResponseRedirect(default)  # not `next`: it may ask the option again
    if is_htmx(request):
        viewer = queries.Viewer.of(request.user)
        return render(
            request,
            "feed/_post.html",
            {"card": queries.with_viewer_state([post], viewer)[0], **_choices()},
        )
    return back(request, default)


def _choices() -> dict[str, Any]:
    return {"reaction_choices": reaction_choices()}


@login_required
@require_GET
def detail(request: AuthenticatedRequest, post_id: int) -> HttpResponse:
    post = queries.access_post(request.user, post_id)
    viewer = queries.Viewer.of(request.user)
    actions.record_views(viewer=request.user, posts=[post])
    card = queries.with_viewer_state([post], viewer)[0]
    return render(
        request,
        "feed/post_detail.html",
        {
            "card": card,
            "post": post,
            "threads": queries.comment_threads(post, viewer),
            "detail": True,
            **_choices(),
        },
    )


@login_required
def edit(request: AuthenticatedRequest, post_id: int) -> HttpResponse:
    post = queries.access_post(request.user, post_id)
    if not queries.can(request.user, "edit", post):
        raise PermissionDenied
    error = ""
    body = post.body
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            actions.edit_post(actor=request.user, post=post, body=body)
        except (ValidationError, PermissionDenied) as exc:
            error = error_text(exc)
        else:
            return redirect("post", post.pk)
    return render(
        request,
        "feed/edit.html",
        {"post": post, "body": body, "error": error},
        status=400 if error else 200,
    )


@login_required
@require_GET
def history(request: AuthenticatedRequest, post_id: int) -> HttpResponse:
    post = queries.access_post(request.user, post_id)
    return render(
        request, "feed/history.html", {"post": post, "revisions": post.revisions.all()[:100]}
    )


@login_required
@require_POST
def delete(request: AuthenticatedRequest, post_id: int) -> HttpResponse:
    post = queries.access_post(request.user, post_id)
    default = reverse("space", args=[post.space.slug]) if post.space else reverse("home")
    try:
        actions.delete_post(actor=request.user, post=post)
    except PermissionDenied as error:
        messages.error(request, error_text(error))
        return back(request, reverse("post", args=[post.pk]))
    if is_htmx(request):
        return HttpResponse("")
    messages.success(request, _text("deleted"))
    next_url = request.POST.get("next", "")
    if next_url.startswith(reverse("post", args=[post_id])):
        return HttpResponseRedirect(default)
    return back(request, default)


def _text(key: str) -> str:
    from django.utils.translation import gettext as _

    return {
        "deleted": _("The post was deleted."),
        "shared": _("The post was shared."),
        "reported": _("Thank you: the moderators will look at your report."),
        "pinned": _("The post is pinned at the top of the space."),
        "unpinned": _("The post is no longer pinned."),
        "report_hidden": _("The content is hidden; the report is closed."),
        "report_dismissed": _("The report is dismissed; the content stays visible."),
    }[key]


@login_required
@require_POST
def react(request: AuthenticatedRequest, post_id: int) -> HttpResponse:
    post = queries.access_post(request.user, post_id)
    kind = param(request, "kind", "POST")
    comment = None
    comment_id = param(request, "comment", "POST")
    if comment_id:
        comment = queries.access_comment(request.user, comment_id)
    try:
        if kind:
            actions.react(actor=request.user, post=post, kind=kind, comment=comment)
        else:
            actions.unreact(actor=request.user, post=post, comment=comment)
    except (ValidationError, PermissionDenied) as error:
        if is_htmx(request):
            return HttpResponse(error_text(error), status=400)
        messages.error(request, error_text(error))
    if is_htmx(request):
        return render(
            request,
            "feed/_reactions.html",
            {"post": post, "comment": comment, "mine": kind or None, **_choices()},
        )
    return back(request, reverse("post", args=[post.pk]))


@login_required
@require_GET
def reactions(request: AuthenticatedRequest, post_id: int) -> HttpResponse:
    post = queries.access_post(request.user, post_id)
    comment = None
    if comment_id := param(request, "comment"):
        comment = queries.access_comment(request.user, comment_id)
        if comment.post_id != post.pk:
            raise queries.NotFound("No such comment.")
    kind = param(request, "kind")
    return render(
        request,
        "feed/reactors.html",
        {
            "post": post,
            "comment": comment,
            "kind": kind,
            "reactions": queries.reactors(post, comment=comment, kind=kind)[:200],
            "counts": (comment or post).reaction_counts,
            **_choices(),
        },
    )


@login_required
@require_POST
def comment(request: AuthenticatedRequest, post_id: int) -> HttpResponse:
    post = queries.access_post(request.user, post_id)
    parent = None
    if parent_id := param(request, "parent", "POST"):
        parent = queries.access_comment(request.user, parent_id)
    try:
        added = actions.add_comment(
            actor=request.user, post=post, body=request.POST.get("body", ""), parent=parent
        )
    except (ValidationError, PermissionDenied) as error:
        if is_htmx(request):
            # The feed card's inline field shows this text under itself (plain text).
            status = 403 if isinstance(error, PermissionDenied) else 400
            return HttpResponse(error_text(error), status=status, content_type="text/plain")
        messages.error(request, error_text(error))
    else:
        if is_htmx(request):
            # The feed card's inline field: the new comment, and its post's count out of band.
            viewer = queries.Viewer.of(request.user)
            return render(
                request,
                "feed/_comment_added.html",
                {
                    "card": queries.with_viewer_state([post], viewer)[0],
                    "post": post,
                    "comment_card": queries.written_comment(added, post),
                    **_choices(),
                },
            )
    # Without JavaScript: back where the comment was written (the feed card sends `next`).
    return back(request, reverse("post", args=[post.pk]) + "#comments")


@login_required
def edit_comment(request: AuthenticatedRequest, comment_id: int) -> HttpResponse:
    """The author edits a comment (as `PATCH /api/v1/comments/{id}`); the earlier text is kept."""
    comment = queries.access_comment(request.user, comment_id)
    if not queries.may_edit_comment(request.user, comment):
        raise PermissionDenied
    error = ""
    body = comment.body
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            actions.edit_comment(actor=request.user, comment=comment, body=body)
        except (ValidationError, PermissionDenied) as exc:
            error = error_text(exc)
        else:
            return HttpResponseRedirect(
                reverse("post", args=[comment.post_id]) + f"#comment-{comment.pk}"
            )
    return render(
        request,
        "feed/comment_edit.html",
        {"comment": comment, "body": body, "error": error},
        status=400 if error else 200,
    )


@login_required
@require_POST
def delete_comment(request: AuthenticatedRequest, comment_id: int) -> HttpResponse:
    comment = queries.access_comment(request.user, comment_id)
    try:
        actions.delete_comment(actor=request.user, comment=comment)
    except PermissionDenied as error:
        messages.error(request, error_text(error))
    return HttpResponseRedirect(reverse("post", args=[comment.post_id]) + "#comments")


@login_required
def share(request: AuthenticatedRequest, post_id: int) -> HttpResponse:
    post = queries.access_post(request.user, post_id)
    if not queries.can(request.user, "share", post):
        raise PermissionDenied
    targets = [
        s
        for s in space_queries.browse_spaces(request.user, mine_only=True)
        if space_queries.can_post_in(request.user, s)
    ]
    error = ""
    chosen = ""
    body = ""
    if request.method == "POST":
        chosen = param(request, "target", "POST")
        body = request.POST.get("body", "")
        space = None
        if chosen and chosen != "wall":
            space = space_queries.access_space(request.user, chosen)
        try:
            shared = actions.share_post(actor=request.user, post=post, body=body, space=space)
        except (ValidationError, PermissionDenied) as exc:
            error = error_text(exc)
        else:
            messages.success(request, _text("shared"))
            return redirect("post", shared.pk)
    viewer = queries.Viewer.of(request.user)
    return render(
        request,
        "feed/share.html",
        {
            "card": queries.with_viewer_state([post], viewer)[0],
            "post": post,
            "targets": targets,
            "chosen": chosen,
            "body": body,
            "error": error,
            **_choices(),
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def pin(request: AuthenticatedRequest, post_id: int) -> HttpResponse:
    post = queries.access_post(request.user, post_id)
    pinned = request.POST.get("pinned", "1") == "1"
    try:
        actions.pin_post(actor=request.user, post=post, pinned=pinned)
    except PermissionDenied as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _text("pinned" if pinned else "unpinned"))
    return back(request, reverse("post", args=[post.pk]))


@login_required
@require_POST
def save(request: AuthenticatedRequest, post_id: int) -> HttpResponse:
    post = queries.access_post(request.user, post_id)
    saved = request.POST.get("saved", "1") == "1"
    actions.save_post(actor=request.user, post=post, saved=saved)
    if is_htmx(request):
        return render(request, "feed/_save_button.html", {"post": post, "saved": saved})
    return back(request, reverse("post", args=[post.pk]))


@login_required
@require_GET
def hashtag(request: AuthenticatedRequest, name: str) -> HttpResponse:
    tag = queries.get_hashtag(name)
    return render_post_list(
        request,
        "feed/hashtag.html",
        {"hashtag": tag, "following": queries.follows_hashtag(request.user, tag)},
        queries.hashtag_posts(request.user, tag),
    )


@login_required
@require_POST
def follow_hashtag(request: AuthenticatedRequest, name: str) -> HttpResponse:
    tag = queries.get_hashtag(name)
    actions.follow_hashtag(
        actor=request.user, hashtag=tag, follow=request.POST.get("follow", "1") == "1"
    )
    return redirect("hashtag", tag.normalized_name)


@login_required
@require_GET
def profile_wall(request: AuthenticatedRequest, username: str) -> HttpResponse:
    person = get_object_or_404(User, username=username)
    return render_post_list(
        request,
        "feed/profile_wall.html",
        {
            "person": person,
            "may_post_here": person.pk == request.user.pk
            and queries.may_post_on_wall(request.user),
        },
        queries.profile_posts(request.user, person),
    )


# --- Moderation --------------------------------------------------------------------------------


@login_required
def report(request: AuthenticatedRequest, post_id: int) -> HttpResponse:
    post = queries.access_post(request.user, post_id)
    comment = None
    comment_id = param(request, "comment") or param(request, "comment", "POST")
    if comment_id:
        comment = queries.access_comment(request.user, comment_id)
        if comment.post_id != post.pk:
            raise queries.NotFound("No such comment.")
    error = ""
    if request.method == "POST":
        try:
            actions.report(
                actor=request.user,
                post=post,
                comment=comment,
                reason=param(request, "reason", "POST"),
                details=request.POST.get("details", ""),
            )
        except (ValidationError, PermissionDenied) as exc:
            error = error_text(exc)
        else:
            messages.success(request, _text("reported"))
            return redirect("post", post.pk)
    return render(
        request,
        "feed/report.html",
        {"post": post, "comment": comment, "reasons": ReportReason.choices, "error": error},
        status=400 if error else 200,
    )


@login_required
@require_GET
def moderation(request: AuthenticatedRequest) -> HttpResponse:
    reports = list(queries.moderation_queue(request.user)[:200])
    return render(
        request,
        "feed/moderation.html",
        {
            "reports": reports,
            # About the viewer's own content: shown read-only, another moderator decides.
            "own_ids": {r.pk for r in reports if queries.is_own_reported_content(request.user, r)},
            "decided": queries.recent_decisions(request.user),
        },
    )


@login_required
@require_POST
def decide_report(request: AuthenticatedRequest, report_id: int) -> HttpResponse:
    found = queries.access_report(request.user, report_id)
    hide = request.POST.get("decision") == "hide"
    try:
        actions.decide_report(actor=request.user, report=found, hide=hide)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _text("report_hidden" if hide else "report_dismissed"))
    return redirect("moderation")


@uploads.download_view
def attachment(request: AuthenticatedRequest, attachment_id: int) -> HttpResponseBase:
    """A post's file, only for those who can see the post (by session or API token); served by
    `cercle.core.uploads.serve`, never rendered as a page."""
    found = Attachment.objects.filter(pk=attachment_id).first()
    if found is None:
        raise queries.NotFound("No such file.")
    queries.access_post(request.user, found.post_id)
    # A PDF opens in the browser's viewer (a notice read on a phone), not as a download.
    return uploads.serve(
        found.file, name=found.original_name, content_type=found.content_type, open_pdf=True
    )


@uploads.download_view
def attachment_preview(request: AuthenticatedRequest, attachment_id: int) -> HttpResponseBase:
    """A PDF attachment's first page as a PNG (`cercle.core.previews`), shown on its card; 404
    for any other file, or a PDF that cannot be read."""
    found = Attachment.objects.filter(pk=attachment_id, content_type="application/pdf").first()
    if found is None:
        raise queries.NotFound("No such file.")
    queries.access_post(request.user, found.post_id)
    with found.file.open("rb") as source:
        picture = previews.pdf_first_page_png(source)
    if picture is None:
        raise queries.NotFound("No preview of this file.")
    response = HttpResponse(picture, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = uploads.SANDBOX
    # Attachments never change: the browser keeps the picture (private: only for this viewer).
    response["Cache-Control"] = "private, max-age=86400"
    response["Vary"] = "Cookie, Authorization"
    return response


@login_required
@require_GET
def mention_suggestions(request: AuthenticatedRequest) -> HttpResponse:
    """People to complete an @mention with (active, by username or name), as JSON."""
    from django.http import JsonResponse

    prefix = param(request, "q").lstrip("@")[:50]
    people = queries.mention_candidates(request.user, prefix)
    return JsonResponse(
        {"items": [{"username": p.username, "name": p.display_name} for p in people]}
    )
