"""Every write on the wall: posts, edits, comments, reactions, shares, pins, bookmarks, follows.

Each action checks the rule in `cercle.feed.queries.can` (the one rule book), writes in a
transaction, keeps the counters, records the audit entry where others may care, and tells
the notifications app (which checks again that the recipient may see the post).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import IO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cercle.accounts import queries as account_queries
from cercle.accounts.models import User
from cercle.audit.actions import log_event
from cercle.core.hooks import emit
from cercle.core.text import (
    hashtags_in,
    mentioned_usernames,
    mentions_in,
    normalize_hashtag,
    resolve,
)
from cercle.feed import events, queries
from cercle.feed import notifications as feed_notifications
from cercle.feed.attachments import check_uploads
from cercle.feed.hooks import PostDeleted, PostHidden
from cercle.feed.models import (
    Attachment,
    Bookmark,
    Comment,
    CommentRevision,
    Hashtag,
    HashtagFollow,
    Mention,
    Post,
    PostRevision,
    PostView,
    Reaction,
    ReactionKind,
    Report,
    ReportReason,
    ReportStatus,
)
from cercle.feed.registry import ComposerPlan
from cercle.feed.text import MAX_BODY, render_post_body
from cercle.notifications import actions as notifications
from cercle.spaces import actions as space_actions
from cercle.spaces import queries as space_queries
from cercle.spaces.hooks import ActivityItem
from cercle.spaces.models import Space


def _clean_body(body: str, *, allow_empty: bool = False) -> str:
    body = (body or "").strip()
    if "\x00" in body:  # PostgreSQL cannot store it
        raise ValidationError({"body": [_("This text contains a forbidden character.")]})
    if not body and not allow_empty:
        raise ValidationError({"body": [_("Write something first.")]})
    if len(body) > MAX_BODY:
        raise ValidationError(
            {"body": [_("The text is too long (%(max)d characters at most).") % {"max": MAX_BODY}]}
        )
    return body


def _mentioned_users(body: str, known: dict[str, User] | None = None) -> list[User]:
    """The active people the body's @mentions name (`cercle.core.text`'s reading), in order.
    `known`: the active people already read for several bodies at once (by username), so that
    this one asks the database nothing."""
    names = mentioned_usernames(body)
    if not names:
        return []
    if known is None:
        found = {u.username: u for u in account_queries.people_named(names)}
    else:
        wanted = {name.casefold() for name in names}
        found = {name: u for name, u in known.items() if name.casefold() in wanted}
    people: dict[int, User] = {}
    for mention in mentions_in(body):
        named = resolve(mention, found)
        if named is not None:
            people.setdefault(found[named[1]].pk, found[named[1]])
    return list(people.values())


def _render(
    body: str,
    mentioned: list[User],
    author: User | None = None,
    *,
    spaces: Callable[[User, set[str]], list[str]] | None = None,
) -> str:
    """Safe HTML: @people link to profiles, @space-address to listed spaces the author sees.
    `spaces(author, names)`: those addresses among `names`, when the caller knows them."""
    names = {n.lower() for n in mentioned_usernames(body)} - {u.username.lower() for u in mentioned}
    slugs: list[str] = []
    if names and author is not None and spaces is not None:
        slugs = spaces(author, names)
    elif names and author is not None:
        slugs = list(
            space_queries.visible_spaces(author)
            .filter(slug__in=names)
            .exclude(kind="secret")
            .values_list("slug", flat=True)
        )
    return render_post_body(
        body,
        mentionable=[u.username for u in mentioned],
        hashtag_base=reverse("hashtag", args=["x"])[: -len("x/")],
        people_base=reverse("profile", args=["x"])[: -len("x/")],
        spaces=slugs,
        space_base=reverse("space", args=["x"])[: -len("x/")],
    )


def _hashtags(body: str) -> list[Hashtag]:
    tags = []
    for name in hashtags_in(body):
        tag, _created = Hashtag.objects.get_or_create(
            normalized_name=normalize_hashtag(name), defaults={"name": name}
        )
        tags.append(tag)
    return tags


def _store_mentions(
    post: Post, comment: Comment | None, mentioned: list[User], *, new: bool = False
) -> list[User]:
    """Record mentions of those who can see the post only: nobody hears of a post they can't see.
    `new`: the post or comment was created in this transaction: it has no mentions to replace."""
    if not new:
        Mention.objects.filter(post=post, comment=comment).delete()
    reached = [u for u in mentioned if queries.can(u, "see", post)]
    Mention.objects.bulk_create([Mention(post=post, comment=comment, user=u) for u in reached])
    return reached


def _notify(
    *,
    kind: str,
    actor: User,
    post: Post,
    comment: Comment | None = None,
    recipients: list[User] | None = None,
) -> None:
    """Hand over to the feed's notification rules (`feed.notifications`); `notify` checks again
    that each recipient may see the post."""
    feed_notifications.on_feed_event(
        kind=kind, actor=actor, post=post, comment=comment, recipients=recipients or []
    )


def require_active(actor: User) -> None:
    if not actor.is_active:
        raise PermissionDenied(_("Your account is deactivated."))


@transaction.atomic
def create_post(
    *,
    actor: User,
    body: str,
    space: Space | None = None,
    attachments: Sequence[tuple[IO[bytes], str]] = (),
    then: Sequence[ComposerPlan] = (),
) -> Post:
    """A post on a space's wall, or (space None) on the author's own profile wall, with files.
    `then`: what the composer's options (`feed.registry.ComposerOption`) do with the new post, in
    this transaction: refused, nothing is posted."""
    require_active(actor)
    checked = check_uploads(list(attachments))  # before any write: nothing half-done
    body = _clean_body(body, allow_empty=bool(checked))
    if space is not None:
        if not space_queries.can_post_in(actor, space):
            if space.is_archived:
                raise PermissionDenied(_("This space is archived: it is read-only."))
            raise PermissionDenied(_("You cannot post in this space."))
        post = Post(author=actor, space=space, body=body)
    elif queries.may_post_on_wall(actor):
        post = Post(author=actor, wall_owner=actor, body=body)
    else:
        raise PermissionDenied(_("Guests post in the spaces they belong to, not on a wall."))
    mentioned = _mentioned_users(body)
    post.body_html = _render(body, mentioned, actor)
    post.save()
    for item in checked:
        attachment = Attachment(
            post=post,
            original_name=item.name,
            content_type=item.content_type,
            size=item.size,
            is_image=item.is_image,
            width=item.width,
            height=item.height,
        )
        attachment.file.save(item.storage_name(), item.content, save=False)
        attachment.save()
    post.hashtags.add(*_hashtags(body))  # a new post: nothing to compare with, as `set` does
    reached = _store_mentions(post, None, mentioned, new=True)
    events.post_created(post, mentioned=reached)
    _notify(kind="mention", actor=actor, post=post, recipients=reached)
    if space is not None:
        _notify(kind="space_post", actor=actor, post=post)
        space_actions.note_space_activity(actor=actor, space=space)  # new, in the navigation
    for plan in then:
        plan.apply(post)
    return post


ACTIVITY_WINDOW = timedelta(minutes=10)


def _activity_html(items: list[dict[str, object]]) -> str:
    """The list as stored (every item): pages draw each reader's own (`PostCard.activity_html`,
    what they may open now)."""
    return queries.activity_html(items)


@transaction.atomic
def record_activity(
    *, actor: User, space: Space, kind: str, items: Sequence[ActivityItem]
) -> Post | None:
    """What `actor` did in `space` (`spaces.hooks.SpaceActivity`, a registered
    `spaces.registry.ActivityKind`), told once in the space's feed: the same person's post of
    that kind in that space from the last `ACTIVITY_WINDOW` grows with `items` (counted once
    each), else a new post. Shown to whoever reads the space's wall while the kind's module is
    on (`queries.visible_posts`); not editable; no notification beyond the feed's own."""
    if not items or not actor.is_active:
        return None
    since = timezone.now() - ACTIVITY_WINDOW
    post = (
        Post.objects.select_for_update()
        .filter(space=space, author=actor, activity_kind=kind, created_at__gte=since)
        .order_by("-created_at", "-id")
        .first()
    )
    fresh = [{"id": item.id, "title": item.title, "url": item.url} for item in items]
    if post is not None:
        known = {entry.get("id") for entry in post.activity_items}
        added = [entry for entry in fresh if entry["id"] not in known]
        if not added:
            return post
        post.activity_items = [*post.activity_items, *added]
        post.activity_count = len(post.activity_items)
        post.body_html = _activity_html(post.activity_items)
        post.save(update_fields=["activity_items", "activity_count", "body_html"])
        events.post_updated(post)  # open walls show the new count without a reload
        return post
    post = Post.objects.create(
        author=actor,
        space=space,
        activity_kind=kind,
        activity_items=fresh,
        activity_count=len(fresh),
        # No text of its own: the things it lists are found by the search as themselves.
        body="",
        body_html=_activity_html(fresh),
    )
    events.post_created(post)
    space_actions.note_space_activity(actor=actor, space=space)
    return post


@transaction.atomic
def edit_post(*, actor: User, post: Post, body: str) -> Post:
    if not queries.can(actor, "edit", post):
        raise PermissionDenied(_("Only the author can edit this post."))
    body = _clean_body(body, allow_empty=post.shared_from_id is not None)
    if body == post.body:
        return post
    before = set(Mention.objects.filter(post=post, comment=None).values_list("user_id", flat=True))
    PostRevision.objects.create(post=post, body=post.body, edited_by=actor)
    post.body = body
    mentioned = _mentioned_users(body)
    post.body_html = _render(body, mentioned, actor)
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "body_html", "edited_at"])
    post.hashtags.set(_hashtags(body))
    reached = _store_mentions(post, None, mentioned)
    _notify(
        kind="mention",
        actor=actor,
        post=post,
        recipients=[u for u in reached if u.pk not in before],
    )
    return post


@transaction.atomic
def delete_post(*, actor: User, post: Post) -> None:
    if not queries.can(actor, "delete", post):
        raise PermissionDenied(_("You cannot delete this post."))
    if post.shared_from_id:
        Post.objects.filter(pk=post.shared_from_id, share_count__gt=0).update(
            share_count=F("share_count") - 1
        )
    if post.author_id != actor.pk:
        log_event(
            actor=actor,
            action="feed.post_deleted",
            target=post,
            old={"body": post.body, "author_id": post.author_id, "space_id": post.space_id},
        )
    emit(PostDeleted(actor=actor, post=post))  # before the post (and what hangs on it) goes
    post.delete()


@transaction.atomic
def add_comment(*, actor: User, post: Post, body: str, parent: Comment | None = None) -> Comment:
    require_active(actor)
    if not queries.can(actor, "comment", post):
        raise PermissionDenied(_("You cannot comment on this post."))
    body = _clean_body(body)
    if parent is not None:
        if parent.post_id != post.pk:
            raise ValidationError({"parent": [_("This comment is not on this post.")]})
        if parent.parent_id is not None:
            # One level of replies: answering a reply answers its thread.
            parent = parent.parent
    mentioned = _mentioned_users(body)
    comment = Comment.objects.create(
        post=post, author=actor, parent=parent, body=body, body_html=_render(body, mentioned, actor)
    )
    Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
    post.comment_count += 1
    reached = _store_mentions(post, comment, mentioned, new=True)
    _notify(kind="mention", actor=actor, post=post, comment=comment, recipients=reached)
    _notify(kind="comment", actor=actor, post=post, comment=comment)
    return comment


@transaction.atomic
def edit_comment(*, actor: User, comment: Comment, body: str) -> Comment:
    """The author edits a comment; the earlier text is kept (`CommentRevision`)."""
    require_active(actor)
    if comment.author_id != actor.pk or not queries.can(actor, "comment", comment.post):
        raise PermissionDenied(_("Only the author can edit this comment."))
    body = _clean_body(body)
    if body == comment.body:
        return comment
    post = comment.post
    before = set(
        Mention.objects.filter(post=post, comment=comment).values_list("user_id", flat=True)
    )
    CommentRevision.objects.create(comment=comment, body=comment.body, edited_by=actor)
    mentioned = _mentioned_users(body)
    comment.body = body
    comment.body_html = _render(body, mentioned, actor)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    reached = _store_mentions(post, comment, mentioned)
    _notify(
        kind="mention",
        actor=actor,
        post=post,
        comment=comment,
        recipients=[u for u in reached if u.pk not in before],
    )
    return comment


@transaction.atomic
def delete_comment(*, actor: User, comment: Comment) -> None:
    if not queries.may_delete_comment(actor, comment):
        raise PermissionDenied(_("You cannot delete this comment."))
    removed = 1 + comment.replies.count()
    if comment.author_id != actor.pk:
        log_event(
            actor=actor,
            action="feed.comment_deleted",
            target=comment,
            old={"body": comment.body, "author_id": comment.author_id},
        )
    post_id = comment.post_id
    comment.delete()
    Post.objects.filter(pk=post_id).update(comment_count=F("comment_count") - removed)


def _recount(post: Post, comment: Comment | None) -> dict[str, int]:
    counts = dict(
        Reaction.objects.filter(post=post, comment=comment)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    if comment is not None:
        Comment.objects.filter(pk=comment.pk).update(reaction_counts=counts)
        comment.reaction_counts = counts
    else:
        Post.objects.filter(pk=post.pk).update(reaction_counts=counts)
        post.reaction_counts = counts
    return counts


@transaction.atomic
def react(*, actor: User, post: Post, kind: str, comment: Comment | None = None) -> dict[str, int]:
    """Set (or change) the actor's reaction; returns the new counts."""
    require_active(actor)
    if kind not in ReactionKind.values:
        raise ValidationError({"kind": [_("Unknown reaction.")]})
    if not queries.can(actor, "react", post):
        raise PermissionDenied(_("You cannot react to this post."))
    if comment is not None and comment.post_id != post.pk:
        raise ValidationError({"comment": [_("This comment is not on this post.")]})
    # Serialise reactions on one post so that the counters stay exact.
    Post.objects.select_for_update().filter(pk=post.pk).first()
    existing = Reaction.objects.filter(user=actor, post=post, comment=comment).first()
    if existing is not None:
        if existing.kind == kind:
            return dict(comment.reaction_counts if comment else post.reaction_counts)
        existing.kind = kind
        existing.save(update_fields=["kind"])
    else:
        try:
            with transaction.atomic():
                Reaction.objects.create(user=actor, post=post, comment=comment, kind=kind)
        except IntegrityError:
            Reaction.objects.filter(user=actor, post=post, comment=comment).update(kind=kind)
        _notify(kind="reaction", actor=actor, post=post, comment=comment)
    return _recount(post, comment)


@transaction.atomic
def unreact(*, actor: User, post: Post, comment: Comment | None = None) -> dict[str, int]:
    if not queries.can(actor, "see", post):
        raise queries.NotFound(_("No such post."))
    Post.objects.select_for_update().filter(pk=post.pk).first()
    Reaction.objects.filter(user=actor, post=post, comment=comment).delete()
    return _recount(post, comment)


@transaction.atomic
def share_post(*, actor: User, post: Post, body: str = "", space: Space | None = None) -> Post:
    """Share a post (its original, if it is itself a share) to a space or one's wall."""
    require_active(actor)
    refusal = queries.share_refusal(actor, post, space)
    if refusal:
        raise PermissionDenied(refusal)
    original = post.shared_from if post.shared_from_id else post
    assert original is not None
    body = _clean_body(body, allow_empty=True)
    mentioned = _mentioned_users(body)
    share = Post(
        author=actor,
        space=space,
        wall_owner=None if space is not None else actor,
        body=body,
        body_html=_render(body, mentioned, actor),
        shared_from=original,
    )
    share.save()
    share.hashtags.add(*_hashtags(body))
    Post.objects.filter(pk=original.pk).update(share_count=F("share_count") + 1)
    reached = _store_mentions(share, None, mentioned, new=True)
    events.post_created(share, mentioned=reached)
    _notify(kind="mention", actor=actor, post=share, recipients=reached)
    _notify(kind="share", actor=actor, post=share)
    return share


@transaction.atomic
def pin_post(*, actor: User, post: Post, pinned: bool = True) -> Post:
    if not queries.can(actor, "pin", post):
        raise PermissionDenied(_("Only the space's moderators can pin posts."))
    post.pinned_at = timezone.now() if pinned else None
    post.save(update_fields=["pinned_at"])
    log_event(
        actor=actor, action="feed.post_pinned" if pinned else "feed.post_unpinned", target=post
    )
    return post


@transaction.atomic
def save_post(*, actor: User, post: Post, saved: bool = True) -> None:
    if not queries.can(actor, "see", post):
        raise queries.NotFound(_("No such post."))
    if saved:
        Bookmark.objects.get_or_create(user=actor, post=post)
    else:
        Bookmark.objects.filter(user=actor, post=post).delete()


@transaction.atomic
def follow_hashtag(*, actor: User, hashtag: Hashtag, follow: bool = True) -> None:
    require_active(actor)
    if follow:
        HashtagFollow.objects.get_or_create(user=actor, hashtag=hashtag)
    else:
        HashtagFollow.objects.filter(user=actor, hashtag=hashtag).delete()
    events.subscriptions_changed(user_ids=[actor.pk])


# --- Moderation --------------------------------------------------------------------------------


@transaction.atomic
def report(
    *,
    actor: User,
    post: Post,
    reason: str,
    details: str = "",
    comment: Comment | None = None,
) -> Report:
    """Report a post (or one of its comments) to the moderators, with a reason."""
    require_active(actor)
    if not queries.can(actor, "see", post):
        raise queries.NotFound(_("No such post."))
    if comment is not None and comment.post_id != post.pk:
        raise ValidationError({"comment": [_("This comment is not on this post.")]})
    if reason not in ReportReason.values:
        raise ValidationError({"reason": [_("Choose a reason.")]})
    details = (details or "").strip()
    if "\x00" in details:
        raise ValidationError({"details": [_("This text contains a forbidden character.")]})
    if len(details) > 2000:
        raise ValidationError({"details": [_("At most 2,000 characters.")]})
    if Report.objects.filter(
        reporter=actor, post=post, comment=comment, status=ReportStatus.OPEN
    ).exists():
        raise ValidationError(_("You have already reported this; the moderators will decide."))
    created = Report.objects.create(
        post=post, comment=comment, reporter=actor, reason=reason, details=details
    )
    log_event(
        actor=actor,
        action="feed.reported",
        target=comment or post,
        new={"reason": reason},
    )
    return created


@transaction.atomic
def decide_report(*, actor: User, report: Report, hide: bool) -> Report:
    """Hide the reported content, or dismiss the report; every open report on it is settled.

    Nobody decides on a report about their own post or comment (organisation admins included):
    another moderator must. When content is hidden, its author is told, with the reason."""
    if actor.is_active and queries.is_own_reported_content(actor, report):
        raise PermissionDenied(
            _("This report is about your own content: another moderator must decide.")
        )
    if not queries.can_moderate_report(actor, report):
        raise PermissionDenied(_("Only the space's moderators can decide on this report."))
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.OPEN:
        raise ValidationError(_("This report has already been decided."))
    now = timezone.now()
    status = ReportStatus.HIDDEN if hide else ReportStatus.DISMISSED
    Report.objects.filter(
        post_id=report.post_id, comment=report.comment, status=ReportStatus.OPEN
    ).update(status=status, decided_at=now, decided_by=actor)
    target: Post | Comment
    if report.comment_id is not None:
        target = Comment.objects.get(pk=report.comment_id)
        if hide:
            Comment.objects.filter(pk=target.pk).update(hidden_at=now)
    else:
        target = Post.objects.get(pk=report.post_id)
        if hide:
            Post.objects.filter(pk=target.pk).update(hidden_at=now)
            target.hidden_at = now
            emit(PostHidden(actor=actor, post=target))
    log_event(
        actor=actor,
        action="feed.report_hidden" if hide else "feed.report_dismissed",
        target=target,
        old={"body": target.body},
        extra={"report_id": report.pk, "reason": report.reason},
    )
    if hide:
        _tell_author_hidden(report, target)
    report.refresh_from_db()
    return report


def _tell_author_hidden(report: Report, target: Post | Comment) -> None:
    """The author of hidden content is told (kind `content_hidden`), with the report's reason; the
    moderator stays unnamed. The group key carries the reason (`describe` reads it there)."""
    what = "comment" if isinstance(target, Comment) else "post"
    notifications.notify(
        recipient=target.author,
        kind=feed_notifications.CONTENT_HIDDEN,
        actor=None,
        group_key=f"content_hidden:{what}:{target.pk}:{report.reason}",
        subject=feed_notifications.about(
            report.post, target if isinstance(target, Comment) else None, named=target
        ),
        space=report.post.space,
    )


def record_views(*, viewer: User, posts: list[Post]) -> None:
    """Remember that `viewer` was shown these posts (their own do not count); 1 or 2 queries."""
    others = [p for p in posts if p.author_id != viewer.pk]
    if not others or not viewer.is_active:
        return
    # A read first: most pages show posts already seen, and a write per page would serialise
    # readers on SQLite. Only the first sight of a post writes.
    seen = queries.viewed_post_ids(viewer, [p.pk for p in others])
    new = [PostView(post=p, user=viewer) for p in others if p.pk not in seen]
    if new:
        PostView.objects.bulk_create(new, ignore_conflicts=True)
