"""The activity wall: posts (on a space's wall or a profile wall), revisions, comments, reactions,
mentions, hashtags, shares, bookmarks and hashtag follows.

Counters (`comment_count`, `reaction_counts`) are kept by the actions that change their sources, so
that a page of posts costs a fixed number of queries.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Re-exported: the reactions are shared (`cercle.core.reactions`).
from cercle.core.reactions import REACTION_EMOJI as REACTION_EMOJI
from cercle.core.reactions import ReactionKind as ReactionKind


class Hashtag(models.Model):
    # As first written ("RSE"), and the accent- and case-free form used to find it ("rse").
    name = models.CharField(max_length=100)
    normalized_name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["normalized_name"]

    def __str__(self) -> str:
        return f"#{self.name}"


class Post(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts"
    )
    # Exactly one of `space` and `wall_owner` is set: a space's wall or a profile wall.
    space = models.ForeignKey(
        "spaces.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="posts"
    )
    wall_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="wall_posts",
    )
    body = models.TextField(_("text"), blank=True, default="")
    body_html = models.TextField(blank=True, default="")
    shared_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="shares"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    pinned_at = models.DateTimeField(null=True, blank=True)
    # Hidden by a moderator after a report: only the author and moderators still see it.
    hidden_at = models.DateTimeField(null=True, blank=True)
    comment_count = models.PositiveIntegerField(default=0)
    share_count = models.PositiveIntegerField(default=0)
    reaction_counts = models.JSONField(default=dict, blank=True)
    hashtags = models.ManyToManyField(Hashtag, blank=True, related_name="posts")
    # An activity post (`actions.record_activity`): what a module did in the space, told by the
    # feed in the author's name and kept up to date while more comes within a short window
    # (`spaces.registry.ActivityKind` `activity_kind`): how many things (`activity_count`), and
    # which ([{"id", "title", "url"}], the newest last; `body_html` lists them). Not editable.
    activity_kind = models.CharField(max_length=50, blank=True, default="")
    activity_count = models.PositiveIntegerField(default=0)
    activity_items = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="post_newest"),
            models.Index(fields=["space", "-created_at", "-id"], name="post_space_newest"),
            models.Index(fields=["author", "-created_at", "-id"], name="post_author_newest"),
            models.Index(fields=["wall_owner", "-created_at", "-id"], name="post_wall_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(space__isnull=False, wall_owner__isnull=True)
                    | models.Q(space__isnull=True, wall_owner__isnull=False)
                ),
                name="post_on_one_wall",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} · {self.body[:40]}"

    @property
    def reaction_total(self) -> int:
        return sum(int(v) for v in (self.reaction_counts or {}).values())


class Revision(models.Model):
    """The text of a post or comment before one edit: the history behind the "edited" mark."""

    body = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class PostRevision(Revision):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")

    class Meta(Revision.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.post_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    # One level of replies: a reply's parent is a top-level comment.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField(_("comment"))
    body_html = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    reaction_counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["post", "created_at", "id"], name="comment_by_post"),
            # The adoption figures count a day's comments (and reactions, below).
            models.Index(fields=["created_at"], name="comment_by_time"),
        ]

    def __str__(self) -> str:
        return f"{self.author} · {self.body[:40]}"

    @property
    def reaction_total(self) -> int:
        return sum(int(v) for v in (self.reaction_counts or {}).values())


class CommentRevision(Revision):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")

    class Meta(Revision.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.comment_id} @ {self.created_at:%Y-%m-%d %H:%M}"


class Reaction(models.Model):
    """One per person per post, and one per person per comment (`comment` set, `post` its post)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reactions"
    )
    kind = models.CharField(max_length=16, choices=ReactionKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "post"],
                condition=models.Q(comment__isnull=True),
                name="one_reaction_per_post",
            ),
            models.UniqueConstraint(
                fields=["user", "comment"],
                condition=models.Q(comment__isnull=False),
                name="one_reaction_per_comment",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["like", "love", "celebrate", "insightful", "funny", "support"]
                ),
                name="reaction_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="reaction_by_time")]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}"


class Mention(models.Model):
    """A person mentioned in a post (comment null) or in one of its comments."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="mentions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "post"], name="mention_by_user")]

    def __str__(self) -> str:
        return f"@{self.user} in {self.post_id}"


class Bookmark(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="unique_bookmark")]

    def __str__(self) -> str:
        return f"{self.user} ★ {self.post_id}"


class HashtagFollow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hashtag_follows"
    )
    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "hashtag"], name="unique_hashtag_follow")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.hashtag}"


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    HARASSMENT = "harassment", _("Harassment or hateful content")
    INAPPROPRIATE = "inappropriate", _("Inappropriate content")
    CONFIDENTIAL = "confidential", _("Confidential information")
    OTHER = "other", _("Something else")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a decision")
    HIDDEN = "hidden", _("Content hidden")
    DISMISSED = "dismissed", _("Dismissed")


class Report(models.Model):
    """A post (comment null) or a comment reported to the moderators, with a reason."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=ReportReason.choices)
    details = models.TextField(_("details"), blank=True, default="")
    status = models.CharField(
        max_length=12, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"], name="report_queue")]

    def __str__(self) -> str:
        return f"{self.reason} on {self.post_id}/{self.comment_id} ({self.status})"


class PostView(models.Model):
    """Someone was shown a post (in a feed, on a wall or on its page): "seen by 143"."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="views")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="one_view_per_person")]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.post_id}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    import uuid
    from pathlib import PurePosixPath

    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"attachments/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    """An image or a file attached to a post: checked, size-limited, served only to those who
    can see the post (`/attachments/<id>/`)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    is_image = models.BooleanField(default=False)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name
