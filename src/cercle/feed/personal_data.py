"""The activity wall in the registry of personal data (`cercle.core.personal_data`): a person's
posts, comments, reactions and attached files; their erasure; the retention of posts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, gettext_lazy

from cercle.accounts.models import User
from cercle.accounts.personal_data import erased_username
from cercle.core import personal_data
from cercle.core.hooks import emit
from cercle.core.personal_data import (
    ErasureRule,
    ExportWriter,
    IndexRow,
    RetentionScope,
    RetentionTarget,
    replace_mentions,
    without_holds,
)
from cercle.feed.actions import _mentioned_users, _render
from cercle.feed.hooks import PostDeleted
from cercle.feed.models import (
    Bookmark,
    Comment,
    CommentRevision,
    HashtagFollow,
    Mention,
    Post,
    PostRevision,
    PostView,
    Reaction,
    Report,
)


def export(person: User, writer: ExportWriter) -> None:
    # Not the activity posts ("added 3 files to…"): no text of their own, and what they list is
    # in the export of the module it comes from (the documents they uploaded).
    posts = list(
        Post.objects.filter(author=person, activity_kind="")
        .select_related("space", "wall_owner")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    section = writer.section("feed.posts", gettext_lazy("Posts"))
    rows = []
    for post in posts:
        files = []
        for attachment in post.attachments.all():
            path = writer.write_file(
                f"feed/files/{post.pk}-{attachment.original_name}",
                default_storage,
                attachment.file.name,
            )
            if path:
                files.append(path)
        rows.append(
            {
                "id": post.pk,
                "space": post.space.name if post.space else None,
                "wall_of": post.wall_owner.username if post.wall_owner else None,
                "text": post.body,
                "created_at": post.created_at,
                "edited_at": post.edited_at,
                "files": files,
            }
        )
        writer.add_row(
            section,
            IndexRow(text=post.body[:200], link=files[0] if files else "", when=post.created_at),
        )
    writer.write_json("feed/posts.json", rows)
    comments = list(
        Comment.objects.filter(author=person)
        .select_related("post__space")
        .order_by("created_at", "id")
    )
    section = writer.section("feed.comments", gettext_lazy("Comments"))
    writer.write_json(
        "feed/comments.json",
        [
            {
                "id": comment.pk,
                "post": comment.post_id,
                "space": comment.post.space.name if comment.post.space else None,
                "text": comment.body,
                "created_at": comment.created_at,
                "edited_at": comment.edited_at,
            }
            for comment in comments
        ],
    )
    for comment in comments:
        writer.add_row(section, IndexRow(text=comment.body[:200], when=comment.created_at))
    reactions = list(
        Reaction.objects.filter(user=person)
        .order_by("created_at", "id")
        .values("post_id", "comment_id", "kind", "created_at")
    )
    section = writer.section("feed.reactions", gettext_lazy("Reactions"))
    path = writer.write_json("feed/reactions.json", reactions)
    if reactions:
        writer.add_row(
            section,
            IndexRow(
                text=gettext("%(count)s reactions") % {"count": len(reactions)},
                link=path,
            ),
        )


def _delete_posts(posts: QuerySet[Post], actor: User | None = None) -> int:
    """Deletes these posts with what hangs on them, and their files once committed."""
    deleted = 0
    for post in posts.select_related("author"):
        names = [name for name in post.attachments.values_list("file", flat=True) if name]
        if post.shared_from_id:
            Post.objects.filter(pk=post.shared_from_id, share_count__gt=0).update(
                share_count=F("share_count") - 1
            )
        emit(PostDeleted(actor=actor or post.author, post=post))
        post.delete()
        for name in names:
            transaction.on_commit(partial(default_storage.delete, name))
        deleted += 1
    return deleted


def _rewrite_mentions(person: User) -> None:
    """Others' posts and comments that @mention the person name the anonymised account instead:
    the old username would be a link to whoever takes it next."""
    old, new = person.username, erased_username(person)
    for model in (Post, Comment):
        for item in model.objects.filter(body__icontains=f"@{old}").select_related("author"):
            item.body = replace_mentions(item.body, old, new)
            item.body_html = _render(item.body, _mentioned_users(item.body), item.author)
            item.save(update_fields=["body", "body_html"])
    for revision_model in (PostRevision, CommentRevision):
        for revision in revision_model.objects.filter(body__icontains=f"@{old}"):
            revision.body = replace_mentions(revision.body, old, new)
            revision.save(update_fields=["body"])


def _recount_comments(post_ids: Iterable[int]) -> None:
    """The posts' comment counters, from their comments (after comments went)."""
    counted = (
        Comment.objects.filter(post=OuterRef("pk"))
        .order_by()
        .values("post")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Post.objects.filter(pk__in=set(post_ids)).update(comment_count=Coalesce(Subquery(counted), 0))


def _delete_comments(comments: QuerySet[Comment]) -> int:
    post_ids = set(comments.values_list("post_id", flat=True))
    count = comments.count()
    comments.delete()  # replies go with the comment they answer
    _recount_comments(post_ids)
    return count


def _remove_reactions(person: User) -> None:
    """Their reactions go, and the counters of what they reacted to follow."""
    reactions = Reaction.objects.filter(user=person)
    targets = set(reactions.values_list("post_id", "comment_id"))
    reactions.delete()
    for post_id, comment_id in targets:
        counts = dict(
            Reaction.objects.filter(post_id=post_id, comment_id=comment_id)
            .values_list("kind")
            .annotate(n=Count("id"))
            .values_list("kind", "n")
        )
        if comment_id is None:
            Post.objects.filter(pk=post_id).update(reaction_counts=counts)
        else:
            Comment.objects.filter(pk=comment_id).update(reaction_counts=counts)


def erase(person: User, rule: ErasureRule) -> None:
    _rewrite_mentions(person)
    # Their own wall (with what others wrote on it) always goes.
    _delete_posts(Post.objects.filter(wall_owner=person), person)
    if rule.shared_content == "delete":
        _delete_posts(Post.objects.filter(author=person), person)
        _delete_comments(Comment.objects.filter(author=person))
    _remove_reactions(person)
    Bookmark.objects.filter(user=person).delete()
    HashtagFollow.objects.filter(user=person).delete()
    Mention.objects.filter(user=person).delete()
    Report.objects.filter(reporter=person).delete()
    PostView.objects.filter(user=person).delete()


def _post_candidates(scope: RetentionScope) -> QuerySet[Post]:
    posts = without_holds(
        Post.objects.filter(created_at__lt=scope.before),
        scope,
        space="space_id",
        people=("author_id", "wall_owner_id"),
    )
    return posts.select_related("space", "author").order_by("created_at", "id")


def _describe_post(post: Post) -> str:
    where = post.space.name if post.space else gettext("a personal wall")
    return f"{where} · {post.author.display_name} · {post.body[:80]}"


def _delete_post_ids(ids: Sequence[int]) -> int:
    return _delete_posts(Post.objects.filter(pk__in=list(ids)))


def _comment_candidates(scope: RetentionScope) -> QuerySet[Comment]:
    comments = without_holds(
        Comment.objects.filter(created_at__lt=scope.before),
        scope,
        space="post__space_id",
        people=("author_id", "post__wall_owner_id"),
    )
    return comments.select_related("post__space", "author").order_by("created_at", "id")


def _describe_comment(comment: Comment) -> str:
    where = comment.post.space.name if comment.post.space else gettext("a personal wall")
    return f"{where} · {comment.author.display_name} · {comment.body[:80]}"


def _delete_comment_ids(ids: Sequence[int]) -> int:
    return _delete_comments(Comment.objects.filter(pk__in=list(ids)))


def register() -> None:
    personal_data.register(
        personal_data.PersonalData(
            key="feed",
            label=gettext_lazy("Activity wall"),
            export=export,
            erase=erase,
            retention=(
                RetentionTarget(
                    key="feed.posts",
                    label=gettext_lazy("Posts (with their comments and files)"),
                    candidates=_post_candidates,
                    describe=_describe_post,
                    delete=_delete_post_ids,
                ),
                RetentionTarget(
                    key="feed.comments",
                    label=gettext_lazy("Comments"),
                    candidates=_comment_candidates,
                    describe=_describe_comment,
                    delete=_delete_comment_ids,
                ),
            ),
        )
    )
