"""Base models shared by every app, and the socket's one-use tickets."""

from django.conf import settings
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class RealtimeTicket(models.Model):
    """A short-lived, one-use ticket with which an API client opens /ws/?ticket=..."""

    key_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"ticket {self.pk}"


class MailRecord(models.Model):
    """One row (pk=1): when the last mail left, for the administration's overview
    (written by `cercle.core.mail.RecordingBackend`)."""

    sent_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)
    subject = models.CharField(max_length=200, blank=True, default="")

    def __str__(self) -> str:
        return f"mail sent {self.sent_at:%Y-%m-%d %H:%M}"


class CacheGeneration(models.Model):
    """One row (pk=1): a number another process moves when it has written what the server may
    keep in its own cache (`cercle.core.cache_generation`, the embedded default only)."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"cache generation {self.value}"
