"""Comments and reactions: a post's threads as their viewer sees them (`CommentCard`), who may
edit or delete a comment, who reacted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    QuerySet,
)

from cercle.accounts.models import User
from cercle.feed.models import (
    Bookmark,
    Comment,
    Post,
    Reaction,
)
from cercle.feed.queries.visibility import Viewer, viewer_may, viewer_sees
from cercle.spaces import queries as space_queries

# --- Comments and reactions --------------------------------------------------------------------


@dataclass(frozen=True)
class CommentCard:
    """A comment as one viewer sees it: the comment, their reaction, what they may do with it."""

    comment: Comment
    my_reaction: str | None
    can_edit: bool
    can_delete: bool
    # The Report link: not on one's own comment.
    may_report: bool


@dataclass
class Thread:
    comment: CommentCard
    replies: list[CommentCard]


def _comment_card(viewer: Viewer, post: Post, comment: Comment, mine: str | None) -> CommentCard:
    return CommentCard(
        comment=comment,
        my_reaction=mine,
        can_edit=_can_edit_comment(viewer, post, comment),
        can_delete=_can_delete_comment(viewer, post, comment),
        may_report=comment.author_id != viewer.user.pk,
    )


def comment_threads(post: Post, viewer: Viewer) -> list[Thread]:
    """Top-level comments with their replies, oldest first, with my reactions (2 queries)."""
    comments = list(
        Comment.objects.filter(post=post)
        .select_related("author", "author__profile")
        .order_by("created_at", "id")
    )
    mine = dict(
        Reaction.objects.filter(
            user_id=viewer.user.pk, post_id=post.pk, comment__isnull=False
        ).values_list("comment_id", "kind")
    )
    threads: dict[int, Thread] = {}
    orphans: list[CommentCard] = []
    moderator = viewer.user.is_admin or (
        post.space is not None and space_queries.can_moderate(viewer.user, post.space, viewer.roles)
    )
    comments = [
        c for c in comments if c.hidden_at is None or moderator or c.author_id == viewer.user.pk
    ]
    for comment in comments:
        card = _comment_card(viewer, post, comment, mine.get(comment.pk))
        if comment.parent_id is None:
            threads[comment.pk] = Thread(comment=card, replies=[])
        else:
            orphans.append(card)
    for reply in orphans:
        parent_id = reply.comment.parent_id
        assert parent_id is not None
        if parent_id in threads:
            threads[parent_id].replies.append(reply)
    return list(threads.values())


def written_comment(comment: Comment, post: Post) -> CommentCard:
    """A comment as its author sees it the moment they wrote or edited it (the answer of
    `actions.add_comment` and `actions.edit_comment`), as `comment_threads` gives it, their
    reaction left out. No query: what an author may do with their own comment does not depend
    on their space roles."""
    return _comment_card(Viewer(user=comment.author), post, comment, None)


def _can_delete_comment(viewer: Viewer, post: Post, comment: Comment) -> bool:
    person = viewer.user
    if not person.is_active:
        return False
    if comment.author_id == person.pk or person.is_admin:
        return True
    if post.space is None:
        return post.wall_owner_id == person.pk
    return space_queries.can_moderate(person, post.space, viewer.roles)


def _can_edit_comment(viewer: Viewer, post: Post, comment: Comment) -> bool:
    """Only its author edits a comment, while they may still comment on the post."""
    person = viewer.user
    return (
        person.is_active and comment.author_id == person.pk and viewer_may(viewer, "comment", post)
    )


def may_edit_comment(user: User, comment: Comment) -> bool:
    viewer = Viewer.of(user)
    return viewer_sees(viewer, comment.post) and _can_edit_comment(viewer, comment.post, comment)


def may_delete_comment(user: User, comment: Comment) -> bool:
    return _can_delete_comment(Viewer.of(user), comment.post, comment)


def reactors(post: Post, *, comment: Comment | None = None, kind: str = "") -> QuerySet[Reaction]:
    """Who reacted to a post (or one of its comments), optionally of one kind, newest first."""
    reactions = Reaction.objects.filter(post=post, comment=comment).select_related(
        "user", "user__profile"
    )
    if kind:
        reactions = reactions.filter(kind=kind)
    return reactions.order_by("-created_at", "-id")


def saved_post_ids(user: User, ids: Iterable[int]) -> set[int]:
    return set(
        Bookmark.objects.filter(user_id=user.pk, post_id__in=list(ids)).values_list(
            "post_id", flat=True
        )
    )
