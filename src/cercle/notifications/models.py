"""In-app notifications (grouped), and each person's preferences for them.

Grouping: while a notification is unread, new events with the same `group_key` (for example
"reaction:post:42") update it — latest actor, distinct actor count — instead of adding rows, so
"Anne and 4 others reacted to your post" is one line.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    # A kind registered by a module (`registry.register_kind`): "mention", "invitation"…
    kind = models.CharField(max_length=30)
    group_key = models.CharField(max_length=100)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Distinct actors, most recent first (at most 20 kept), and how many there were in all.
    actor_ids = models.JSONField(default=list, blank=True)
    actor_count = models.PositiveIntegerField(default=1)
    # What it is about, named by the module that notifies (`registry.Subject`): "feed.post" and
    # the post's id, with the comment's as `detail_id`. Empty when it is about a space only.
    subject_type = models.CharField(max_length=40, blank=True, default="")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    detail_id = models.PositiveBigIntegerField(null=True, blank=True)
    # What the subject was called when notified (a post's first words, in plain text), quoted in
    # the notification's line: « Sortie samedi au parc ». Empty: the line names nothing.
    subject_title = models.CharField(max_length=120, blank=True, default="")
    # What the notifying module says beyond the line, in plain text (a moderator's reason for
    # hiding a comment), shown under the line in the list, the mails and the API, after its
    # kind's `detail_label` ("Reason: …"). At most `registry.DETAIL_LENGTH` characters; empty:
    # nothing more is said.
    detail_text = models.CharField(max_length=500, blank=True, default="")
    space = models.ForeignKey(
        "spaces.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)
    # Pushed to the person's devices: once read, they are told to close it (`push.clear`).
    pushed_at = models.DateTimeField(null=True, blank=True)

    # A reminder (of an announcement to confirm): said in its text, unread again when sent.
    is_reminder = models.BooleanField(default=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-updated_at", "-id"], name="notification_list"),
            models.Index(
                fields=["recipient", "group_key"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_group",
            ),
            models.Index(fields=["subject_type", "subject_id"], name="notification_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.group_key}"


class Preference(models.Model):
    """Per person and kind: mail it (mentions, invitations), push it to their devices, and
    include it in the daily digest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30)
    email = models.BooleanField(default=True)
    digest = models.BooleanField(default=True)
    # Pushed to the person's devices (`PushSubscription`) as soon as it happens.
    push = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class SpaceLevel(models.TextChoices):
    ALL = "all", _("Every post")
    MENTIONS = "mentions", _("Mentions only")
    NOTHING = "nothing", _("Nothing")


class SpaceSetting(models.Model):
    """A person's notification level in one space (default: see `queries.space_level`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="space_notification_levels"
    )
    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=10, choices=SpaceLevel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "space"], name="one_level_per_space")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.space_id} {self.level}"


class QuietHours(models.Model):
    """Hours (in the person's time zone) during which nothing is mailed nor pushed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiet_hours"
    )
    start = models.TimeField()
    end = models.TimeField()

    def __str__(self) -> str:
        return f"{self.user_id} {self.start}–{self.end}"


class PushSubscription(models.Model):
    """One device (browser) of a person that receives Web Push notifications (RFC 8030/8291):
    the push service's endpoint and the browser's keys to encrypt for it. An endpoint is one
    browser profile: subscribing it again (another person signed in) moves it to that person."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)  # the browser's public key (base64url, 65 bytes)
    auth = models.CharField(max_length=40)  # the shared authentication secret (base64url, 16)
    # "Firefox on Android": read from the browser's User-Agent when it subscribed.
    label = models.CharField(max_length=120, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.label}"


class VapidKey(models.Model):
    """The server's VAPID key pair (RFC 8292), one row: generated at first use, replaced by
    `manage.py vapid_keys --rotate` (which drops every subscription: browsers bound them to the
    old public key)."""

    private_pem = models.TextField()
    public_key = models.CharField(max_length=100)  # base64url of the uncompressed point
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.public_key
