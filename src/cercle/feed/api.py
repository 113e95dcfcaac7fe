"""The wall part of /api/v1/: the feed, posts, comments, reactions, shares, pins, bookmarks.

Same rules as the pages: reads through `cercle.feed.queries`, writes through `actions`.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from cercle.accounts import queries as people_queries
from cercle.accounts.models import User
from cercle.core.schemas import Id
from cercle.core.typing import AuthenticatedRequest
from cercle.feed import actions, queries
from cercle.feed.models import Bookmark, Comment, Post, Report
from cercle.feed.schemas import (
    ActivityItemOut,
    ActivityOut,
    AttachmentOut,
    CommentIn,
    CommentListOut,
    CommentOut,
    CommentPatchIn,
    CountsOut,
    HashtagFollowOut,
    NewCountOut,
    PinIn,
    PostFormIn,
    PostIn,
    PostOut,
    PostPageOut,
    PostPatchIn,
    QueuedReportOut,
    ReactionIn,
    ReactionsOut,
    ReactorOut,
    ReportDecisionIn,
    ReportIn,
    ReportListOut,
    ReportOut,
    RevisionListOut,
    RevisionOut,
    SaveIn,
    SharedPostOut,
    ShareIn,
    SpaceRef,
    StateOut,
    ThreadOut,
)
from cercle.spaces import queries as space_queries
from cercle.spaces.api import person_ref
from cercle.spaces.models import Space
from cercle.spaces.schemas import InSchema, PersonRef

router = Router(tags=["wall"])


def space_ref(space: Space | None) -> SpaceRef | None:
    if space is None:
        return None
    return SpaceRef(id=space.pk, slug=space.slug, name=space.name)


def posts_out(viewer: User, cards: list[queries.PostCard]) -> list[PostOut]:
    """Posts as their viewer sees them, an activity post's items read once for them all."""
    activity = queries.visible_activity_items(viewer, [card.post for card in cards])
    return [post_out(card, activity.get(card.post.pk)) for card in cards]


def post_out(
    card: queries.PostCard, activity_items: list[dict[str, object]] | None = None
) -> PostOut:
    """A post as its viewer sees it (`queries.with_viewer_state`); `activity_items`: an activity
    post's items the viewer may see (`queries.visible_activity_items`)."""
    post = card.post
    original = post.shared_from
    shared = None
    if original is not None and card.original_visible:
        shared = SharedPostOut(
            id=original.pk,
            author=person_ref(original.author),
            space=space_ref(original.space),
            body_html=original.body_html,
            created_at=original.created_at,
        )
    return PostOut(
        id=post.pk,
        author=person_ref(post.author),
        space=space_ref(post.space),
        wall_owner=person_ref(post.wall_owner) if post.wall_owner else None,
        body=post.body,
        body_html=post.body_html,
        created_at=post.created_at,
        edited=post.edited_at is not None,
        edited_at=post.edited_at,
        pinned=post.pinned_at is not None,
        comment_count=post.comment_count,
        share_count=post.share_count,
        reaction_counts=post.reaction_counts or {},
        my_reaction=card.my_reaction,
        saved=card.is_saved,
        shared_from=shared,
        is_share=post.shared_from_id is not None,
        rights=card.rights.as_dict(),
        seen_by=card.seen_by,
        attachments=[
            AttachmentOut(
                id=a.pk,
                name=a.original_name,
                url=reverse("attachment", args=[a.pk]),
                content_type=a.content_type,
                size=a.size,
                is_image=a.is_image,
                width=a.width,
                height=a.height,
            )
            for a in post.attachments.all()
        ],
        activity=ActivityOut(
            kind=post.activity_kind,
            count=post.activity_count,
            items=[
                ActivityItemOut(id=int(str(i["id"])), title=str(i["title"]), url=str(i["url"]))
                for i in activity_items or []
            ],
        )
        if post.activity_kind
        else None,
    )


def _one(request: AuthenticatedRequest, post_id: Id) -> PostOut:
    post = queries.access_post(request.auth, post_id)
    viewer = queries.Viewer.of(request.auth)
    return posts_out(request.auth, queries.with_viewer_state([post], viewer))[0]


def _created(request: AuthenticatedRequest, post: Post) -> PostOut:
    """The post the request has just created, as `_one` would give it, without reading it back:
    its author may see it (the action checked they may post there) and nothing is attached to it
    yet but its files (half the time of a post creation went into re-reading it)."""
    viewer = queries.Viewer.of(request.auth)
    return post_out(queries.with_viewer_state([post], viewer, new=True)[0])


class FeedParams(InSchema):
    filter: str = "all"
    cursor: str | None = Field(None, max_length=1000)
    limit: int = Field(queries.PAGE_SIZE, ge=1, le=queries.MAX_PAGE_SIZE)


class WallParams(InSchema):
    cursor: str | None = Field(None, max_length=1000)
    limit: int = Field(queries.PAGE_SIZE, ge=1, le=queries.MAX_PAGE_SIZE)


def _page(
    request: AuthenticatedRequest, posts: object, cursor: str | None, limit: int
) -> PostPageOut:
    viewer = queries.Viewer.of(request.auth)
    page = queries.paginate(posts, viewer, cursor=cursor, limit=limit)  # type: ignore[arg-type]
    actions.record_views(viewer=request.auth, posts=[card.post for card in page.items])
    return PostPageOut(items=posts_out(request.auth, page.items), next_cursor=page.next_cursor)


@router.get("/feed", response=PostPageOut)
def feed(request: AuthenticatedRequest, params: Query[FeedParams]) -> PostPageOut:
    if params.filter not in queries.FILTERS:
        raise ValidationError(
            {"filter": [_("Choose one of: %(filters)s.") % {"filters": ", ".join(queries.FILTERS)}]}
        )
    return _page(
        request, queries.home_posts(request.auth, params.filter), params.cursor, params.limit
    )


@router.get("/spaces/{space_key}/posts", response=PostPageOut)
def space_wall(
    request: AuthenticatedRequest, space_key: str, params: Query[WallParams]
) -> PostPageOut:
    space = space_queries.access_space(request.auth, space_key)
    if not space_queries.can_read_wall(request.auth, space):
        raise space_queries.NotFound(_("No such space."))
    viewer = queries.Viewer.of(request.auth)
    # The first page's ids from a query built once per wall shape (issue 15).
    page = queries.space_wall_page(viewer, space, cursor=params.cursor, limit=params.limit)
    actions.record_views(viewer=request.auth, posts=[card.post for card in page.items])
    return PostPageOut(items=posts_out(request.auth, page.items), next_cursor=page.next_cursor)


@router.get("/hashtags/{name}/posts", response=PostPageOut)
def hashtag_wall(
    request: AuthenticatedRequest, name: str, params: Query[WallParams]
) -> PostPageOut:
    tag = queries.get_hashtag(name)
    return _page(request, queries.hashtag_posts(request.auth, tag), params.cursor, params.limit)


@router.post("/posts", response={201: PostOut})
def create_post(request: AuthenticatedRequest, payload: PostIn) -> Status[PostOut]:
    space = None
    if payload.space_id is not None:
        space = space_queries.access_space(request.auth, payload.space_id)
    post = actions.create_post(actor=request.auth, body=payload.body, space=space)
    return Status(201, _created(request, post))


@router.post("/posts/with-attachments", response={201: PostOut})
def create_post_with_attachments(
    request: AuthenticatedRequest,
    payload: Form[PostFormIn],
    attachments: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[PostOut]:
    """A post with files (multipart/form-data: `body`, `space_id`, one `attachments` per file);
    the same checks and size limits as the pages."""
    space = None
    if payload.space_id is not None:
        space = space_queries.access_space(request.auth, payload.space_id)
    post = actions.create_post(
        actor=request.auth,
        body=payload.body,
        space=space,
        attachments=[(f, f.name or "file") for f in attachments or []],
    )
    return Status(201, _created(request, post))


@router.get("/posts/{post_id}", response=PostOut)
def post_detail(request: AuthenticatedRequest, post_id: Id) -> PostOut:
    return _one(request, post_id)


@router.patch("/posts/{post_id}", response=PostOut)
def edit_post(request: AuthenticatedRequest, post_id: Id, payload: PostPatchIn) -> PostOut:
    post = queries.access_post(request.auth, post_id)
    actions.edit_post(actor=request.auth, post=post, body=payload.body)
    return _one(request, post_id)


@router.delete("/posts/{post_id}", response={204: None})
def delete_post(request: AuthenticatedRequest, post_id: Id) -> Status[None]:
    post = queries.access_post(request.auth, post_id)
    actions.delete_post(actor=request.auth, post=post)
    return Status(204, None)


def _comment_out(card: queries.CommentCard) -> CommentOut:
    comment = card.comment
    return CommentOut(
        id=comment.pk,
        post_id=comment.post_id,
        parent_id=comment.parent_id,
        author=person_ref(comment.author),
        body=comment.body,
        body_html=comment.body_html,
        created_at=comment.created_at,
        reaction_counts=comment.reaction_counts or {},
        my_reaction=card.my_reaction,
        can_delete=card.can_delete,
        edited=comment.edited_at is not None,
        edited_at=comment.edited_at,
    )


@router.get("/posts/{post_id}/comments", response=CommentListOut)
def comments(request: AuthenticatedRequest, post_id: Id) -> CommentListOut:
    post = queries.access_post(request.auth, post_id)
    viewer = queries.Viewer.of(request.auth)
    threads = queries.comment_threads(post, viewer)
    return CommentListOut(
        items=[
            ThreadOut(
                comment=_comment_out(t.comment),
                replies=[_comment_out(r) for r in t.replies],
            )
            for t in threads
        ],
        count=post.comment_count,
    )


@router.post("/posts/{post_id}/comments", response={201: CommentOut})
def add_comment(
    request: AuthenticatedRequest, post_id: Id, payload: CommentIn
) -> Status[CommentOut]:
    post = queries.access_post(request.auth, post_id)
    parent = None
    if payload.parent_id is not None:
        parent = queries.access_comment(request.auth, payload.parent_id)
    comment = actions.add_comment(actor=request.auth, post=post, body=payload.body, parent=parent)
    return Status(201, _comment_out(queries.written_comment(comment, post)))


@router.delete("/comments/{comment_id}", response={204: None})
def delete_comment(request: AuthenticatedRequest, comment_id: Id) -> Status[None]:
    comment = queries.access_comment(request.auth, comment_id)
    actions.delete_comment(actor=request.auth, comment=comment)
    return Status(204, None)


class ReactorParams(InSchema):
    kind: str = ""
    comment_id: Id | None = None


def _target_comment(
    request: AuthenticatedRequest, post: Post, comment_id: Id | None
) -> Comment | None:
    if comment_id is None:
        return None
    comment = queries.access_comment(request.auth, comment_id)
    if comment.post_id != post.pk:
        raise queries.NotFound(_("No such comment."))
    return comment


@router.get("/posts/{post_id}/reactions", response=ReactionsOut)
def reactions(
    request: AuthenticatedRequest, post_id: Id, params: Query[ReactorParams]
) -> ReactionsOut:
    post = queries.access_post(request.auth, post_id)
    comment = _target_comment(request, post, params.comment_id)
    items = queries.reactors(post, comment=comment, kind=params.kind[:16])[:500]
    return ReactionsOut(
        counts=(comment or post).reaction_counts or {},
        items=[
            ReactorOut(user=person_ref(r.user), kind=r.kind, created_at=r.created_at) for r in items
        ],
    )


@router.put("/posts/{post_id}/reactions", response=CountsOut)
def react(request: AuthenticatedRequest, post_id: Id, payload: ReactionIn) -> CountsOut:
    post = queries.access_post(request.auth, post_id)
    comment = _target_comment(request, post, payload.comment_id)
    counts = actions.react(actor=request.auth, post=post, kind=payload.kind, comment=comment)
    return CountsOut(counts=counts, my_reaction=payload.kind)


@router.delete("/posts/{post_id}/reactions", response=CountsOut)
def unreact(request: AuthenticatedRequest, post_id: Id, params: Query[ReactorParams]) -> CountsOut:
    post = queries.access_post(request.auth, post_id)
    comment = _target_comment(request, post, params.comment_id)
    return CountsOut(
        counts=actions.unreact(actor=request.auth, post=post, comment=comment), my_reaction=None
    )


@router.post("/posts/{post_id}/share", response={201: PostOut})
def share(request: AuthenticatedRequest, post_id: Id, payload: ShareIn) -> Status[PostOut]:
    post = queries.access_post(request.auth, post_id)
    space = None
    if payload.space_id is not None:
        space = space_queries.access_space(request.auth, payload.space_id)
    shared = actions.share_post(actor=request.auth, post=post, body=payload.body, space=space)
    return Status(201, _one(request, shared.pk))


def _state(request: AuthenticatedRequest, post: Post) -> StateOut:
    return StateOut(
        pinned=post.pinned_at is not None,
        saved=Bookmark.objects.filter(user_id=request.auth.pk, post=post).exists(),
    )


@router.post("/posts/{post_id}/pin", response=StateOut)
def pin(request: AuthenticatedRequest, post_id: Id, payload: PinIn) -> StateOut:
    post = queries.access_post(request.auth, post_id)
    actions.pin_post(actor=request.auth, post=post, pinned=payload.pinned)
    return _state(request, post)


@router.post("/posts/{post_id}/save", response=StateOut)
def save(request: AuthenticatedRequest, post_id: Id, payload: SaveIn) -> StateOut:
    post = queries.access_post(request.auth, post_id)
    actions.save_post(actor=request.auth, post=post, saved=payload.saved)
    return _state(request, post)


# --- Posts with files, profile walls, history, hashtags ----------------------------------------


@router.get("/people/{person_id}/posts", response=PostPageOut)
def profile_wall(
    request: AuthenticatedRequest, person_id: Id, params: Query[WallParams]
) -> PostPageOut:
    person = people_queries.access_profile_by_id(request.auth, person_id).user
    return _page(request, queries.profile_posts(request.auth, person), params.cursor, params.limit)


@router.get("/spaces/{space_key}/pinned", response=list[PostOut])
def pinned(request: AuthenticatedRequest, space_key: str) -> list[PostOut]:
    space = space_queries.access_space(request.auth, space_key)
    if not space_queries.can_read_wall(request.auth, space):
        raise space_queries.NotFound(_("No such space."))
    viewer = queries.Viewer.of(request.auth)
    posts = list(queries.pinned_posts(request.auth, space)[: queries.MAX_PAGE_SIZE])
    return posts_out(request.auth, queries.with_viewer_state(posts, viewer))


def _revision_out(body: str, edited_by: object, created_at: object) -> RevisionOut:
    return RevisionOut(
        body=body,
        edited_by=person_ref(edited_by) if isinstance(edited_by, User) else None,
        created_at=created_at,  # type: ignore[arg-type]
    )


@router.get("/posts/{post_id}/revisions", response=RevisionListOut)
def post_revisions(request: AuthenticatedRequest, post_id: Id) -> RevisionListOut:
    """The earlier texts of a post, newest first (what the "edited" mark links to)."""
    post = queries.access_post(request.auth, post_id)
    revisions = post.revisions.select_related("edited_by")[:100]
    return RevisionListOut(
        items=[_revision_out(r.body, r.edited_by, r.created_at) for r in revisions]
    )


@router.post("/hashtags/{name}/follow", response=HashtagFollowOut)
def follow_hashtag(request: AuthenticatedRequest, name: str) -> HashtagFollowOut:
    actions.follow_hashtag(actor=request.auth, hashtag=queries.get_hashtag(name), follow=True)
    return HashtagFollowOut(following=True)


@router.delete("/hashtags/{name}/follow", response=HashtagFollowOut)
def unfollow_hashtag(request: AuthenticatedRequest, name: str) -> HashtagFollowOut:
    actions.follow_hashtag(actor=request.auth, hashtag=queries.get_hashtag(name), follow=False)
    return HashtagFollowOut(following=False)


# --- Comments: edit and history ----------------------------------------------------------------


@router.patch("/comments/{comment_id}", response=CommentOut)
def edit_comment(
    request: AuthenticatedRequest, comment_id: Id, payload: CommentPatchIn
) -> CommentOut:
    """The author edits a comment; the earlier text stays in its history."""
    comment = queries.access_comment(request.auth, comment_id)
    comment = actions.edit_comment(actor=request.auth, comment=comment, body=payload.body)
    return _comment_out(queries.written_comment(comment, comment.post))


@router.get("/comments/{comment_id}/revisions", response=RevisionListOut)
def comment_revisions(request: AuthenticatedRequest, comment_id: Id) -> RevisionListOut:
    comment = queries.access_comment(request.auth, comment_id)
    revisions = comment.revisions.select_related("edited_by")[:100]
    return RevisionListOut(
        items=[_revision_out(r.body, r.edited_by, r.created_at) for r in revisions]
    )


# --- Moderation --------------------------------------------------------------------------------


def _report_fields(report: Report) -> dict[str, object]:
    return {
        "id": report.pk,
        "post_id": report.post_id,
        "comment_id": report.comment_id,
        "reason": report.reason,
        "reason_label": str(report.get_reason_display()),
        "details": report.details,
        "status": report.status,
        "created_at": report.created_at,
        "decided_at": report.decided_at,
    }


def _queued_out(report: Report, viewer: User) -> QueuedReportOut:
    content = report.comment or report.post
    return QueuedReportOut(
        **_report_fields(report),  # type: ignore[arg-type]
        reporter=person_ref(report.reporter),
        content_author=person_ref(content.author),
        content_html=content.body_html,
        space=space_ref(report.post.space),
        # The queue holds only reports the caller moderates: all but those on their own content.
        can_decide=report.status == "open" and not queries.is_own_reported_content(viewer, report),
    )


@router.post("/posts/{post_id}/reports", response={201: ReportOut})
def report_post(request: AuthenticatedRequest, post_id: Id, payload: ReportIn) -> Status[ReportOut]:
    """Report a post (or, with `comment_id`, one of its comments) to the moderators."""
    post = queries.access_post(request.auth, post_id)
    comment = _target_comment(request, post, payload.comment_id)
    created = actions.report(
        actor=request.auth,
        post=post,
        comment=comment,
        reason=payload.reason,
        details=payload.details,
    )
    return Status(201, ReportOut(**_report_fields(created)))  # type: ignore[arg-type]


@router.get("/moderation/reports", response=ReportListOut)
def moderation_queue(request: AuthenticatedRequest) -> ReportListOut:
    """Open reports the caller may decide on (space moderators, admins), oldest first."""
    return ReportListOut(
        items=[_queued_out(r, request.auth) for r in queries.moderation_queue(request.auth)[:200]]
    )


@router.post("/moderation/reports/{report_id}/decide", response=QueuedReportOut)
def decide_report(
    request: AuthenticatedRequest, report_id: Id, payload: ReportDecisionIn
) -> QueuedReportOut:
    """Hide the reported content, or dismiss the report (both go to the audit log); 403 on a
    report about one's own content (another moderator decides)."""
    found = queries.access_report(request.auth, report_id)
    decided = actions.decide_report(
        actor=request.auth, report=found, hide=payload.decision == "hide"
    )
    return _queued_out(decided, request.auth)


# --- Polling and autocompletion (as the pages' scripts) ----------------------------------------


class NewCountParams(InSchema):
    filter: str = Field("all", max_length=20)
    since: datetime.datetime


@router.get("/feed/new-count", response=NewCountOut)
def new_count(request: AuthenticatedRequest, params: Query[NewCountParams]) -> NewCountOut:
    """How many posts arrived in my feed since `since` (not mine): the "N new posts" notice."""
    if params.filter not in queries.FILTERS:
        raise ValidationError(
            {"filter": [_("Choose one of: %(filters)s.") % {"filters": ", ".join(queries.FILTERS)}]}
        )
    since = params.since
    if timezone.is_naive(since):
        since = timezone.make_aware(since, datetime.UTC)
    return NewCountOut(count=queries.new_posts_count(request.auth, params.filter, since))


class MentionParams(InSchema):
    q: str = Field("", max_length=200)


@router.get("/mentions", response=list[PersonRef])
def mention_suggestions(
    request: AuthenticatedRequest, params: Query[MentionParams]
) -> list[PersonRef]:
    """People to complete an @mention with (active; by username, first or last name)."""
    prefix = params.q.lstrip("@")[:50]
    return [person_ref(p) for p in queries.mention_candidates(request.auth, prefix)]
