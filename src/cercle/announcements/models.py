"""Announcements: a space post shown at the top of the home page of everyone it targets
(everyone who can see it, or some departments or sites) until they dismiss it, and the read
confirmations it may ask for.

The tables keep the names they had in the feed (`feed_announcement`, `feed_announcementreceipt`):
the models moved here with state-only migrations (announcements 0001, feed 0007), their rows stay.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cercle.feed.models import Post


class Announcement(models.Model):
    """A post marked as an announcement: shown at the top of the feed of everyone it targets
    (everyone who can see it, or some departments or sites) until they dismiss it; it may ask
    each person to confirm "read and understood"."""

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="announcement")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    departments = models.ManyToManyField("accounts.Department", blank=True, related_name="+")
    sites = models.ManyToManyField("accounts.Site", blank=True, related_name="+")
    requires_ack = models.BooleanField(_("requires acknowledgement"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "feed_announcement"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"announcement {self.post_id}"


class AnnouncementReceipt(models.Model):
    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="receipts"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    dismissed_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "feed_announcementreceipt"
        constraints = [
            models.UniqueConstraint(fields=["announcement", "user"], name="one_receipt_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.announcement_id}"
