"""The company directory (LDAP / Active Directory): its connection settings, the rules that
turn its groups into space memberships, departments or sites, what Cercle knows of each person
the directory gave it, and the report of each synchronisation.

A person is a Cercle person (`accounts.User` and their profile); `DirectoryPerson` only links
them to their directory entry.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cercle.spaces.models import Space


class Preset(models.TextChoices):
    OPENLDAP = "openldap", _("OpenLDAP (inetOrgPerson: uid, mail, jpegPhoto)")
    ACTIVE_DIRECTORY = (
        "active_directory",
        _("Active Directory (sAMAccountName, userPrincipalName, thumbnailPhoto)"),
    )


class DirectorySettings(models.Model):
    """One row (pk=1): how to reach the directory and what to read of it. The bind password is
    stored as single sign-on's client secrets are (in the database, never shown again nor
    written to the audit log)."""

    enabled = models.BooleanField(_("synchronise and sign in with this directory"), default=False)
    server_uri = models.CharField(_("server address"), max_length=500, blank=True)
    start_tls = models.BooleanField(_("use StartTLS"), default=False)
    bind_dn = models.CharField(_("bind DN"), max_length=500, blank=True)
    bind_password = models.CharField(_("bind password"), max_length=500, blank=True)
    user_base_dn = models.CharField(_("base DN of people"), max_length=500, blank=True)
    user_filter = models.CharField(_("filter of people"), max_length=1000, blank=True)
    group_base_dn = models.CharField(_("base DN of groups"), max_length=500, blank=True)
    group_filter = models.CharField(_("filter of groups"), max_length=1000, blank=True)
    preset = models.CharField(
        _("attribute names"), max_length=20, choices=Preset.choices, default=Preset.OPENLDAP
    )
    # Cercle's attribute → the directory's attribute, over the preset's (empty: the preset's).
    attribute_map = models.JSONField(default=dict, blank=True)
    max_deactivation_percent = models.PositiveSmallIntegerField(
        _("largest share of people one run may deactivate (%)"),
        default=10,
        validators=[MaxValueValidator(100)],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("directory settings")
        verbose_name_plural = _("directory settings")

    def __str__(self) -> str:
        return self.server_uri


class RuleKind(models.TextChoices):
    SPACE = "space", _("Members of a space")
    DEPARTMENT = "department", _("A department")
    SITE = "site", _("A site")


class GroupRule(models.Model):
    """The people of a directory group (nested groups followed) are members of a space, or
    belong to a department or a site."""

    group_dn = models.CharField(_("group DN"), max_length=500)
    kind = models.CharField(_("gives"), max_length=12, choices=RuleKind.choices)
    space = models.ForeignKey(
        Space, null=True, blank=True, on_delete=models.CASCADE, related_name="directory_rules"
    )
    name = models.CharField(_("department or site"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "group_dn", "pk"]

    def __str__(self) -> str:
        return self.group_dn


class DirectoryPerson(models.Model):
    """A person the directory gave: their entry's DN, its stable key (entryUUID, objectGUID or
    the username), a digest of what was read last (an unchanged entry costs no write)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="directory_person",
    )
    key = models.CharField(max_length=255, unique=True)
    dn = models.CharField(max_length=1000)
    username = models.CharField(max_length=255, db_index=True)
    digest = models.CharField(max_length=64, blank=True)
    photo_digest = models.CharField(max_length=64, blank=True)
    # Deactivated because the directory no longer had them: they come back if it has them again.
    deactivated_by_sync = models.BooleanField(default=False)
    seen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.dn


class DirectoryMembership(models.Model):
    """A space membership a group rule gave: the synchronisation removes only these."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["space", "user"], name="directory_membership_once")
        ]

    def __str__(self) -> str:
        return f"{self.space_id}:{self.user_id}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("waiting")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    HELD = "held", _("done, deactivations held back")
    FAILED = "failed", _("failed")


class SyncRun(models.Model):
    """One synchronisation (or dry run): its progress while it runs, its report once done."""

    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    found = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    deactivated_count = models.PositiveIntegerField(default=0)
    reactivated_count = models.PositiveIntegerField(default=0)
    refused_count = models.PositiveIntegerField(default=0)
    # {"created": [...], "updated": [...], "deactivated": [...], "refused": [...],
    #  "memberships": {...}, "held": "why"} — lists cut to REPORT_LIMIT rows.
    report = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.pk} {self.status}"

    @property
    def is_running(self) -> bool:
        return self.status in {RunStatus.QUEUED, RunStatus.RUNNING}

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0
