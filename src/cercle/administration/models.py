"""What the IT department's pages keep: CSV imports of people.

(The organisation's settings are `cercle.accounts.models.Organisation`: every layer reads them.)"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One CSV import of people: validated, then imported by a background task that records
    its progress here so that the page can show it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to start")
        VALIDATING = "validating", _("checking the rows")
        INVALID = "invalid", _("some rows are invalid")
        IMPORTING = "importing", _("importing")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    created_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    filename = models.CharField(max_length=255, blank=True, default="")
    # The uploaded file, decoded; emptied once the import is finished.
    content = models.TextField(blank=True, default="")
    create_missing = models.BooleanField(default=False)
    send_invitations = models.BooleanField(default=False)
    valid_rows_only = models.BooleanField(default=False)
    # The language of the page that started the import: the report is written in it.
    language = models.CharField(max_length=8, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    # {"errors": [{"row", "field", "message"}...], "invalid_rows": n, "valid_rows": n, ...}
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("people import")
        verbose_name_plural = _("people imports")

    def __str__(self) -> str:
        return f"{self.filename or self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def waiting_for_worker(self) -> bool:
        """Still pending 30 seconds after the last change: the task worker is probably down."""
        from datetime import timedelta

        from django.utils import timezone

        return self.status == self.Status.PENDING and (
            timezone.now() - self.updated_at > timedelta(seconds=30)
        )

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.PENDING, self.Status.VALIDATING, self.Status.IMPORTING}
