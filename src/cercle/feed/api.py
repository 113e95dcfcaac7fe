"""The wall part of /api/v1/: the feed, posts, comments, reactions, shares, pins, bookmarks.

Same rules as the pages: reads through `cercle.feed.queries`, writes through `actions`.
"""

from __future__ import annotations

from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from cercle.core.typing import AuthenticatedRequest
from cercle.feed import actions, queries
from cercle.feed.models import Bookmark, Comment, Post
from cercle.feed.schemas import (
    AttachmentOut,
    CommentIn,
    CommentListOut,
    CommentOut,
    CountsOut,
    PinIn,
    PostIn,
    PostOut,
    PostPageOut,
    PostPatchIn,
    ReactionIn,
    ReactionsOut,
    ReactorOut,
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

router = Router(tags=["wall"])


def _space_ref(space: Space | None) -> SpaceRef | None:
    if space is None:
        return None
    return SpaceRef(id=space.pk, slug=space.slug, name=space.name)


def post_out(post: Post) -> PostOut:
    """A post that went through `queries.with_viewer_state`."""
    original = post.shared_from
    shared = None
    if original is not None and getattr(post, "original_visible", False):
        shared = SharedPostOut(
            id=original.pk,
            author=person_ref(original.author),
            space=_space_ref(original.space),
            body_html=original.body_html,
            created_at=original.created_at,
        )
    return PostOut(
        id=post.pk,
        author=person_ref(post.author),
        space=_space_ref(post.space),
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
        my_reaction=getattr(post, "my_reaction", None),
        saved=getattr(post, "is_saved", False),
        shared_from=shared,
        is_share=post.shared_from_id is not None,
        rights=getattr(post, "rights", {}),
        seen_by=getattr(post, "seen_by", None),
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
    )


def _one(request: AuthenticatedRequest, post_id: int) -> PostOut:
    post = queries.access_post(request.auth, post_id)
    viewer = queries.Viewer.of(request.auth)
    return post_out(queries.with_viewer_state([post], viewer)[0])


class FeedParams(Schema):
    filter: str = "all"
    cursor: str | None = Field(None, max_length=1000)
    limit: int = Field(queries.PAGE_SIZE, ge=1, le=queries.MAX_PAGE_SIZE)


class WallParams(Schema):
    cursor: str | None = Field(None, max_length=1000)
    limit: int = Field(queries.PAGE_SIZE, ge=1, le=queries.MAX_PAGE_SIZE)


def _page(
    request: AuthenticatedRequest, posts: object, cursor: str | None, limit: int
) -> PostPageOut:
    viewer = queries.Viewer.of(request.auth)
    page = queries.paginate(posts, viewer, cursor=cursor, limit=limit)  # type: ignore[arg-type]
    actions.record_views(viewer=request.auth, posts=page.items)
    return PostPageOut(items=[post_out(p) for p in page.items], next_cursor=page.next_cursor)


@router.get("/feed", response=PostPageOut)
def feed(request: AuthenticatedRequest, params: Query[FeedParams]) -> PostPageOut:
    if params.filter not in queries.FILTERS:
        from django.core.exceptions import ValidationError

        raise ValidationError({"filter": [f"Choose one of: {', '.join(queries.FILTERS)}."]})
    return _page(
        request, queries.home_posts(request.auth, params.filter), params.cursor, params.limit
    )


@router.get("/spaces/{space_key}/posts", response=PostPageOut)
def space_wall(
    request: AuthenticatedRequest, space_key: str, params: Query[WallParams]
) -> PostPageOut:
    space = space_queries.access_space(request.auth, space_key)
    if not space_queries.can_read_wall(request.auth, space):
        raise space_queries.NotFound("No such space.")
    return _page(request, queries.space_posts(request.auth, space), params.cursor, params.limit)


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
    return Status(201, _one(request, post.pk))


@router.get("/posts/{post_id}", response=PostOut)
def post_detail(request: AuthenticatedRequest, post_id: int) -> PostOut:
    return _one(request, post_id)


@router.patch("/posts/{post_id}", response=PostOut)
def edit_post(request: AuthenticatedRequest, post_id: int, payload: PostPatchIn) -> PostOut:
    post = queries.access_post(request.auth, post_id)
    actions.edit_post(actor=request.auth, post=post, body=payload.body)
    return _one(request, post_id)


@router.delete("/posts/{post_id}", response={204: None})
def delete_post(request: AuthenticatedRequest, post_id: int) -> Status[None]:
    post = queries.access_post(request.auth, post_id)
    actions.delete_post(actor=request.auth, post=post)
    return Status(204, None)


def _comment_out(comment: Comment, can_delete: bool) -> CommentOut:
    return CommentOut(
        id=comment.pk,
        post_id=comment.post_id,
        parent_id=comment.parent_id,
        author=person_ref(comment.author),
        body=comment.body,
        body_html=comment.body_html,
        created_at=comment.created_at,
        reaction_counts=comment.reaction_counts or {},
        my_reaction=getattr(comment, "my_reaction", None),
        can_delete=can_delete,
    )


@router.get("/posts/{post_id}/comments", response=CommentListOut)
def comments(request: AuthenticatedRequest, post_id: int) -> CommentListOut:
    post = queries.access_post(request.auth, post_id)
    viewer = queries.Viewer.of(request.auth)
    threads = queries.comment_threads(post, viewer)
    return CommentListOut(
        items=[
            ThreadOut(
                comment=_comment_out(t.comment, getattr(t.comment, "can_delete", False)),
                replies=[_comment_out(r, getattr(r, "can_delete", False)) for r in t.replies],
            )
            for t in threads
        ],
        count=post.comment_count,
    )


@router.post("/posts/{post_id}/comments", response={201: CommentOut})
def add_comment(
    request: AuthenticatedRequest, post_id: int, payload: CommentIn
) -> Status[CommentOut]:
    post = queries.access_post(request.auth, post_id)
    parent = None
    if payload.parent_id is not None:
        parent = queries.access_comment(request.auth, payload.parent_id)
    comment = actions.add_comment(actor=request.auth, post=post, body=payload.body, parent=parent)
    return Status(201, _comment_out(comment, True))


@router.delete("/comments/{comment_id}", response={204: None})
def delete_comment(request: AuthenticatedRequest, comment_id: int) -> Status[None]:
    comment = queries.access_comment(request.auth, comment_id)
    actions.delete_comment(actor=request.auth, comment=comment)
    return Status(204, None)


class ReactorParams(Schema):
    kind: str = ""
    comment_id: int | None = None


def _target_comment(
    request: AuthenticatedRequest, post: Post, comment_id: int | None
) -> Comment | None:
    if comment_id is None:
        return None
    comment = queries.access_comment(request.auth, comment_id)
    if comment.post_id != post.pk:
        raise queries.NotFound("No such comment.")
    return comment


@router.get("/posts/{post_id}/reactions", response=ReactionsOut)
def reactions(
    request: AuthenticatedRequest, post_id: int, params: Query[ReactorParams]
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
def react(request: AuthenticatedRequest, post_id: int, payload: ReactionIn) -> CountsOut:
    post = queries.access_post(request.auth, post_id)
    comment = _target_comment(request, post, payload.comment_id)
    counts = actions.react(actor=request.auth, post=post, kind=payload.kind, comment=comment)
    return CountsOut(counts=counts, my_reaction=payload.kind)


@router.delete("/posts/{post_id}/reactions", response=CountsOut)
def unreact(request: AuthenticatedRequest, post_id: int, params: Query[ReactorParams]) -> CountsOut:
    post = queries.access_post(request.auth, post_id)
    comment = _target_comment(request, post, params.comment_id)
    return CountsOut(
        counts=actions.unreact(actor=request.auth, post=post, comment=comment), my_reaction=None
    )


@router.post("/posts/{post_id}/share", response={201: PostOut})
def share(request: AuthenticatedRequest, post_id: int, payload: ShareIn) -> Status[PostOut]:
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
def pin(request: AuthenticatedRequest, post_id: int, payload: PinIn) -> StateOut:
    post = queries.access_post(request.auth, post_id)
    actions.pin_post(actor=request.auth, post=post, pinned=payload.pinned)
    return _state(request, post)


@router.post("/posts/{post_id}/save", response=StateOut)
def save(request: AuthenticatedRequest, post_id: int, payload: SaveIn) -> StateOut:
    post = queries.access_post(request.auth, post_id)
    actions.save_post(actor=request.auth, post=post, saved=payload.saved)
    return _state(request, post)
