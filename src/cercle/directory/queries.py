"""Reads of the company directory's settings, rules and runs."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from cercle.accounts.models import Role, User
from cercle.accounts.queries import may_manage_settings
from cercle.core import sealing
from cercle.directory import reader
from cercle.directory.models import DirectorySettings, GroupRule, RunStatus, SyncRun


def stored_settings() -> DirectorySettings:
    return DirectorySettings.objects.filter(pk=1).first() or DirectorySettings(pk=1)


def config() -> reader.Config | None:
    """The directory in use: the one set in the administration (when switched on), else the
    one of the environment (`CERCLE_LDAP_URI`…); None when there is none."""
    row = stored_settings()
    if row.enabled and row.server_uri:
        return config_of(row)
    return reader.environment_config()


def config_of(row: DirectorySettings) -> reader.Config:
    preset = row.preset if row.preset in reader.PRESETS else "openldap"
    return reader.Config(
        server_uri=row.server_uri,
        bind_dn=row.bind_dn,
        bind_password=sealing.unseal(row.bind_password),
        user_base_dn=row.user_base_dn,
        user_filter=row.user_filter,
        group_base_dn=row.group_base_dn,
        group_filter=row.group_filter,
        preset=preset,
        attribute_map={k: str(v) for k, v in (row.attribute_map or {}).items() if v},
        start_tls=row.start_tls,
        max_deactivation_percent=row.max_deactivation_percent,
    )


def is_configured() -> bool:
    return config() is not None


def sync_actor() -> User | None:
    """In whose name a run writes: the administrator who last saved the settings, else the
    first active administrator."""
    row = stored_settings()
    if row.updated_by is not None and may_manage_settings(row.updated_by):
        return row.updated_by
    return User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()


def admins() -> list[User]:
    return list(User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk"))


def rules() -> QuerySet[GroupRule]:
    return GroupRule.objects.select_related("space").all()


def runs(limit: int = 20) -> list[SyncRun]:
    return list(SyncRun.objects.select_related("requested_by")[:limit])


# A run still "running" after this long died with its worker: it no longer blocks new runs.
STALE_AFTER = timedelta(hours=12)


def running() -> SyncRun | None:
    return SyncRun.objects.filter(
        status__in=[RunStatus.QUEUED, RunStatus.RUNNING],
        created_at__gte=timezone.now() - STALE_AFTER,
    ).first()


def last_applied_run() -> SyncRun | None:
    """The last real run that finished (its count of people is the reference of the next)."""
    return (
        SyncRun.objects.filter(dry_run=False, status__in=[RunStatus.DONE, RunStatus.HELD])
        .order_by("-finished_at", "-pk")
        .first()
    )
