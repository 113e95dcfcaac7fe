"""Who hears about what happens on walls, and how it reads: the feed's part of notifications.

The feed decides the recipients (the post's author for a comment, the parent comment's author
for a reply, the mentioned people…) and calls `cercle.notifications.actions.notify`; it registers
its kinds (their text and link) and its subject, a post, with who may still see it
(`queries.can` / `queries.visible_posts`). Registered by `FeedConfig.ready()`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from cercle.accounts.models import User
from cercle.core.markdown import markdown_to_text
from cercle.core.tasks import enqueue_with_transaction
from cercle.feed import queries
from cercle.feed.models import Comment, Mention, Post, ReportReason
from cercle.notifications import actions as notifications
from cercle.notifications.models import Notification
from cercle.notifications.queries import (
    actor_name,
    grouped_line,
    members_wanting_every_post,
    others_count,
)
from cercle.notifications.queries import space_name as notified_space_name
from cercle.notifications.registry import (
    TITLE_LENGTH,
    NotificationKind,
    Subject,
    SubjectType,
    register_kind,
    register_subject_type,
)
from cercle.spaces.models import Membership

MENTION = "mention"
COMMENT = "comment"
REPLY = "reply"
REACTION = "reaction"
SHARE = "share"
SPACE_POST = "space_post"
CONTENT_HIDDEN = "content_hidden"

POST = "feed.post"
FAN_OUT_CHUNK = 500


def about(
    post: Post, comment: Comment | None = None, *, named: Post | Comment | None = None
) -> Subject:
    """A notification's subject: the post (whose visibility decides), and the comment if any;
    its line quotes the first words of `named` (the post by default; a comment for a reply or a
    reaction to it)."""
    return Subject(
        POST,
        post.pk,
        detail_id=comment.pk if comment else None,
        loaded=post,
        title=title_of(named if named is not None else post),
    )


def title_of(content: Post | Comment) -> str:
    """The first words of a post or comment as plain text (a shared post's own words, or else
    those of the post it shares), for a notification's line."""
    body = content.body
    if not body.strip() and isinstance(content, Post) and content.shared_from is not None:
        body = content.shared_from.body
    return markdown_to_text(body, limit=TITLE_LENGTH)


# --- Who is told ----------------------------------------------------------------------------


def on_feed_event(
    *,
    kind: str,
    actor: User,
    post: Post,
    comment: Comment | None = None,
    recipients: Iterable[User] = (),
) -> None:
    """Called by `cercle.feed.actions` after each write that may concern someone."""
    space = post.space
    if kind == MENTION:
        for person in recipients:
            notifications.notify(
                recipient=person,
                kind=MENTION,
                actor=actor,
                group_key=f"mention:{'comment' if comment else 'post'}:"
                f"{comment.pk if comment else post.pk}",
                subject=about(post, comment, named=comment),
                space=space,
            )
    elif kind == COMMENT:
        assert comment is not None
        if comment.parent_id is not None and comment.parent is not None:
            notifications.notify(
                recipient=comment.parent.author,
                kind=REPLY,
                actor=actor,
                group_key=f"reply:comment:{comment.parent_id}",
                subject=about(post, comment, named=comment.parent),
            )
        if comment.parent is None or comment.parent.author_id != post.author_id:
            notifications.notify(
                recipient=post.author,
                kind=COMMENT,
                actor=actor,
                group_key=f"comment:post:{post.pk}",
                subject=about(post, comment),
            )
    elif kind == REACTION:
        if comment is not None:
            notifications.notify(
                recipient=comment.author,
                kind=REACTION,
                actor=actor,
                group_key=f"reaction:comment:{comment.pk}",
                subject=about(post, comment, named=comment),
            )
        else:
            notifications.notify(
                recipient=post.author,
                kind=REACTION,
                actor=actor,
                group_key=f"reaction:post:{post.pk}",
                subject=about(post),
            )
    elif kind == SHARE:
        original = post.shared_from
        if original is not None:
            notifications.notify(
                recipient=original.author,
                kind=SHARE,
                actor=actor,
                group_key=f"share:post:{original.pk}",
                subject=about(post, named=original),
            )
    elif kind == SPACE_POST and space is not None:
        # Imported here: the task module calls `fan_out_space_post` below.
        from cercle.feed.tasks import fan_out_space_post as task

        enqueue_with_transaction(task, post.pk)


def fan_out_space_post(*, post_id: int) -> int:
    """Notify the members of a space whose level is "every post" (run in the background).

    In bulk, chunk by chunk: the members' roles in the space in one query (for the rule book,
    `queries.can`), their unread notification of this group in one, then one insert and one
    update — instead of four queries per member (a space of 5,000 members took minutes)."""
    post = Post.objects.select_related("space", "author").filter(pk=post_id).first()
    if post is None or post.space is None:
        return 0
    space = post.space
    mentioned = set(Mention.objects.filter(post=post).values_list("user_id", flat=True))
    sent = 0
    chunk: list[User] = []

    def flush() -> int:
        roles = dict(
            Membership.objects.filter(space=space, user_id__in=[p.pk for p in chunk]).values_list(
                "user_id", "role"
            )
        )
        allowed = [
            person
            for person in chunk
            if queries.can(
                queries.Viewer(
                    user=person, roles={space.pk: roles[person.pk]} if person.pk in roles else {}
                ),
                "see",
                post,
            )
        ]
        notifications.notify_many(
            recipients=allowed,
            kind=SPACE_POST,
            actor=post.author,
            group_key=f"space_post:space:{space.pk}",
            subject=about(post),
            space=space,
        )
        return len(allowed)

    for person in members_wanting_every_post(space):
        if person.pk == post.author_id or person.pk in mentioned:
            continue
        chunk.append(person)
        if len(chunk) >= FAN_OUT_CHUNK:
            sent += flush()
            chunk = []
    if chunk:
        sent += flush()
    return sent


# --- How they read ----------------------------------------------------------------------------


def values_of(notification: Notification) -> dict[str, object]:
    """The names a notification's text reads: who did it, how many others, in which space."""
    return {
        "name": actor_name(notification),
        "count": others_count(notification),
        "space": notified_space_name(notification),
    }


def _mention(notification: Notification) -> str:
    return _("%(name)s mentioned you") % values_of(notification)


_comment = grouped_line(
    gettext_lazy("%(name)s commented on your post"),
    ngettext_lazy(
        "%(name)s and %(count)d other commented on your post",
        "%(name)s and %(count)d others commented on your post",
        "count",
    ),
)
_reply = grouped_line(
    gettext_lazy("%(name)s replied to your comment"),
    ngettext_lazy(
        "%(name)s and %(count)d other replied to your comment",
        "%(name)s and %(count)d others replied to your comment",
        "count",
    ),
)
_reaction_on_post = grouped_line(
    gettext_lazy("%(name)s reacted to your post"),
    ngettext_lazy(
        "%(name)s and %(count)d other reacted to your post",
        "%(name)s and %(count)d others reacted to your post",
        "count",
    ),
)
_reaction_on_comment = grouped_line(
    gettext_lazy("%(name)s reacted to your comment"),
    ngettext_lazy(
        "%(name)s and %(count)d other reacted to your comment",
        "%(name)s and %(count)d others reacted to your comment",
        "count",
    ),
)
_share = grouped_line(
    gettext_lazy("%(name)s shared your post"),
    ngettext_lazy(
        "%(name)s and %(count)d other shared your post",
        "%(name)s and %(count)d others shared your post",
        "count",
    ),
)
_space_post = grouped_line(
    gettext_lazy("%(name)s posted in %(space)s"),
    ngettext_lazy(
        "%(name)s and %(count)d other posted in %(space)s",
        "%(name)s and %(count)d others posted in %(space)s",
        "count",
    ),
)


def _reaction(notification: Notification) -> str:
    if notification.group_key.startswith("reaction:comment:"):
        return _reaction_on_comment(notification)
    return _reaction_on_post(notification)


def _hidden(notification: Notification) -> str:
    """ "A moderator hid your post (reason: Spam)"; the reason is the group key's last part
    (`content_hidden:<post|comment>:<id>:<reason>`, see `cercle.feed.actions.decide_report`)."""
    parts = notification.group_key.split(":")
    on_comment = len(parts) > 1 and parts[1] == "comment"
    known = dict(ReportReason.choices)
    reason = known.get(parts[-1]) if len(parts) == 4 and parts[-1] != "other" else None
    if reason is None:
        if on_comment:
            return _("A moderator hid your comment")
        return _("A moderator hid your post")
    if on_comment:
        return _("A moderator hid your comment (reason: %(reason)s)") % {"reason": reason}
    return _("A moderator hid your post (reason: %(reason)s)") % {"reason": reason}


def post_link(notification: Notification) -> str:
    """Where a notification about a post leads: the post (at its comment, if any)."""
    if notification.subject_type != POST or notification.subject_id is None:
        return reverse("notifications")
    url = reverse("post", args=[notification.subject_id])
    if notification.detail_id is not None:
        url += f"#comment-{notification.detail_id}"
    return url


# --- Registration -----------------------------------------------------------------------------


def _visible_post_ids(user: User, now: datetime.datetime | None = None) -> QuerySet[Any]:
    return queries.visible_posts(user).values("pk")


def _may_see_post(user: User, subject: Subject) -> bool:
    post = subject.loaded if isinstance(subject.loaded, Post) else None
    if post is None:
        post = Post.objects.select_related("space").filter(pk=subject.id).first()
    return post is not None and queries.can(user, "see", post)


def register() -> None:
    register_subject_type(
        SubjectType(key=POST, visible_ids=_visible_post_ids, may_see=_may_see_post)
    )
    for key, label, describe, email in (
        (MENTION, gettext_lazy("Someone mentions me"), _mention, True),
        (COMMENT, gettext_lazy("Someone comments on my post"), _comment, False),
        (REPLY, gettext_lazy("Someone replies to my comment"), _reply, False),
        (REACTION, gettext_lazy("Someone reacts to my post or comment"), _reaction, False),
        (SHARE, gettext_lazy("Someone shares my post"), _share, False),
        (SPACE_POST, gettext_lazy("A new post in a space I follow closely"), _space_post, False),
        (CONTENT_HIDDEN, gettext_lazy("A moderator hides my post or comment"), _hidden, False),
    ):
        register_kind(
            NotificationKind(key=key, label=label, describe=describe, link=post_link, email=email)
        )
