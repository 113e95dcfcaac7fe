"""The activity wall in the registry of personal data (`cercle.core.personal_data`): a person's
posts, comments, reactions and attached files; their erasure; the retention of posts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, gettext_lazy

from cercle.accounts import queries as account_queries
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
    rewritten_mentions,
    without_holds,
)
from cercle.core.text import mentioned_usernames
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
from cercle.search import actions as search_actions
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Space

# Usernames (or space addresses) looked up per query: each is a term of one `OR`/`IN`.
NAMES_AT_ONCE = 200


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
    the old username would be a link to whoever takes it next. Set-based (batches of rows, their
    HTML rendered again with what one read per batch finds, `bulk_update`, the search index
    written per batch), so that someone mentioned thousands of times costs a few queries per
    batch, not a few per mention."""
    old, new = person.username, erased_username(person)
    for model, related in ((Post, ("author",)), (Comment, ("author", "post"))):
        rows = model.objects.select_related(*related)
        for batch in rewritten_mentions(rows, ["body"], old, new):
            known = _people_named([item.body for item in batch])
            spaces = _space_addresses([item.body for item in batch])
            for item in batch:
                item.body_html = _render(
                    item.body, _mentioned_users(item.body, known), item.author, spaces=spaces
                )
            model.objects.bulk_update(batch, ["body", "body_html"])
            search_actions.follow_bulk_update(model, batch, ["body", "body_html"])
    for revision_model in (PostRevision, CommentRevision):
        for revisions in rewritten_mentions(revision_model.objects.all(), ["body"], old, new):
            revision_model.objects.bulk_update(revisions, ["body"])


def _names_in(bodies: Iterable[str]) -> list[str]:
    names: dict[str, None] = {}
    for body in bodies:
        names.update(dict.fromkeys(mentioned_usernames(body)))
    return list(names)


def _people_named(bodies: list[str]) -> dict[str, User]:
    """The active people the bodies' mentions may name, by username: one read per
    `NAMES_AT_ONCE` names (each an `iexact` term of one `OR`)."""
    names = _names_in(bodies)
    known: dict[str, User] = {}
    for start in range(0, len(names), NAMES_AT_ONCE):
        for user in account_queries.people_named(names[start : start + NAMES_AT_ONCE]):
            known[user.username] = user
    return known


def _space_addresses(bodies: list[str]) -> Callable[[User, set[str]], list[str]]:
    """`_render`'s `spaces` for these bodies: the listed spaces' addresses among the names, read
    once; an author's visible ones read only when a body names such a space."""
    names = sorted({name.lower() for name in _names_in(bodies)})
    listed: set[str] = set()
    for start in range(0, len(names), NAMES_AT_ONCE):
        listed.update(
            Space.objects.filter(slug__in=names[start : start + NAMES_AT_ONCE])
            .exclude(kind="secret")
            .values_list("slug", flat=True)
        )
    seen: dict[int, set[str]] = {}

    def spaces(author: User, wanted: set[str]) -> list[str]:
        named = wanted & listed
        if not named:
            return []
        if author.pk not in seen:
            seen[author.pk] = set(
                space_queries.visible_spaces(author)
                .filter(slug__in=sorted(listed))
                .exclude(kind="secret")
                .values_list("slug", flat=True)
            )
        return sorted(named & seen[author.pk])

    return spaces


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
