"""Downloads of a person's data, legal holds, retention policies and their runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DataExport(models.Model):
    """One ZIP of a person's data, built by a task, kept `PRIVACY_EXPORT_DAYS` days."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("being prepared")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")
        EXPIRED = "expired", _("expired")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    # The file's name in the `privacy` storage; empty until ready and once purged.
    file_name = models.CharField(max_length=300, blank=True, default="")
    size = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "expires_at"], name="privacy_export_expiry")]

    def __str__(self) -> str:
        return f"data export {self.pk}"

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}


class LegalHold(models.Model):
    """Content a retention policy must never delete: a whole space, or everything of a person
    (who then cannot be erased either)."""

    space = models.ForeignKey(
        "spaces.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(space__isnull=False, person__isnull=True)
                | models.Q(space__isnull=True, person__isnull=False),
                name="privacy_hold_space_xor_person",
            )
        ]

    def __str__(self) -> str:
        return f"legal hold {self.pk}"


class RetentionPolicy(models.Model):
    """Delete `target` content (`core.personal_data.RetentionTarget.key`) older than `days`,
    in one space, in archived spaces only, or everywhere."""

    target = models.CharField(_("content"), max_length=64)
    space = models.ForeignKey(
        "spaces.Space", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    archived_spaces_only = models.BooleanField(_("only in archived spaces"), default=False)
    days = models.PositiveIntegerField(_("kept for (days)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["target", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(days__gte=1), name="privacy_policy_days")
        ]

    def __str__(self) -> str:
        return f"{self.target} after {self.days} days"


class RetentionRun(models.Model):
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # {target key: number deleted}; the audit entries deleted by the log's own retention too.
    deleted = models.JSONField(default=dict)
    audit_entries_deleted = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"retention run {self.pk}"
