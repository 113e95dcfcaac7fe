"""The organisation's own settings: name, branding, HR-field lock, sign-up domains."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))


class Organisation(models.Model):
    """One row (pk=1): read through `administration.queries.get_organisation`, which caches it."""

    name = models.CharField(_("name"), max_length=120, default="Cercle")
    logo = models.ImageField(_("logo"), upload_to="branding/", blank=True, default="")
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#1f5fae", validators=[colour_validator]
    )
    accent_colour = models.CharField(
        _("accent colour"), max_length=7, default="#e0711c", validators=[colour_validator]
    )
    lock_hr_fields = models.BooleanField(
        _("only admins edit job title, department and manager"), default=False
    )
    # Comma-separated email domains whose people may sign up by themselves; empty: invitation only.
    signup_domains = models.TextField(
        _("sign-up allowed for these email domains"), blank=True, default=""
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisation")

    def __str__(self) -> str:
        return self.name

    @property
    def signup_domain_list(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.signup_domains.split(",") if d.strip()]


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
