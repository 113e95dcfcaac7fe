"""The feed's searchable kinds: posts and comments, seen by whoever may see the post
(`queries.visible_posts`), a hidden comment by its author and the space's moderators only."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import User
from cercle.feed.models import Comment, Post
from cercle.feed.queries.visibility import visible_posts
from cercle.search.registry import Entry, SearchKind
from cercle.search.registry import register as register_kind
from cercle.search.text import language_of
from cercle.spaces import queries as space_queries

_TEXT = frozenset({"body", "space", "wall_owner", "edited_at", "hidden_at"})


def _post(post: Post) -> Entry | None:
    if post.activity_kind:
        return None  # "Anne added 3 files to…": the files are found as themselves
    author = post.author
    return Entry(
        title=author.display_name,
        body=post.body,
        url=reverse("post", args=[post.pk]),
        date=post.created_at,
        language=language_of(author.language),
        space_id=post.space_id,
        author_id=post.author_id,
    )


def _comment(comment: Comment) -> Entry:
    author = comment.author
    return Entry(
        title=author.display_name,
        body=comment.body,
        url=reverse("post", args=[comment.post_id]) + f"#comment-{comment.pk}",
        date=comment.created_at,
        language=language_of(author.language),
        space_id=comment.post.space_id,
        author_id=comment.author_id,
    )


def visible_comments(user: User) -> QuerySet[Comment]:
    # EXISTS, not `post_id IN (every visible post)`: search checks a few candidates at a time
    # (`filter(pk__in=…)`), and each one's post is then looked up by its key, where SQLite would
    # first build the whole set of visible posts (seconds at 200,000 posts).
    readable = visible_posts(user).order_by().filter(pk=OuterRef("post_id"))
    comments = Comment.objects.filter(Exists(readable))
    if not user.is_authenticated or user.is_admin:
        return comments
    return comments.filter(
        Q(hidden_at__isnull=True)
        | Q(author_id=user.pk)
        | Q(post__space_id__in=space_queries.moderated_space_ids(user))
    )


def _post_titles(ids: list[int]) -> dict[int, str]:
    posts = (
        Post.objects.filter(pk__in=ids)
        .select_related("author")
        .only("author__first_name", "author__last_name", "author__username")
    )
    return {post.pk: post.author.display_name for post in posts}


def _comment_titles(ids: list[int]) -> dict[int, str]:
    comments = (
        Comment.objects.filter(pk__in=ids)
        .select_related("author")
        .only("author__first_name", "author__last_name", "author__username")
    )
    return {comment.pk: comment.author.display_name for comment in comments}


def register() -> None:
    register_kind(
        SearchKind(
            key="post",
            label=_("Posts"),
            model=Post,
            entry=_post,
            visible=lambda user: visible_posts(user).order_by(),
            rows=lambda: Post.objects.select_related("author"),
            order=30,
            fields=_TEXT,
            titles=_post_titles,
        )
    )
    register_kind(
        SearchKind(
            key="comment",
            label=_("Comments"),
            model=Comment,
            entry=_comment,
            visible=visible_comments,
            rows=lambda: Comment.objects.select_related("author", "post"),
            order=35,
            fields=frozenset({"body", "edited_at", "hidden_at"}),
            titles=_comment_titles,
        )
    )
