"""Every write of personal data and retention: downloads of one's data, erasure of a person,
legal holds, retention policies and their runs. Modules contribute through the registry of
`cercle.core.personal_data`; this app knows none of them."""

from __future__ import annotations

import datetime as dt
import secrets
import tempfile
import zipfile
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cercle.accounts.actions.auth import end_all_sessions
from cercle.accounts.models import User
from cercle.accounts.queries import may_manage_settings
from cercle.audit.actions import log_event
from cercle.audit.retention import delete_entries_before
from cercle.core import personal_data
from cercle.core.events import AccountDeactivated
from cercle.core.personal_data import ErasureRule, ExportWriter, RetentionScope
from cercle.core.realtime import publish_on_commit
from cercle.core.tasks import enqueue_with_transaction
from cercle.privacy import tasks
from cercle.privacy.models import DataExport, LegalHold, RetentionPolicy, RetentionRun
from cercle.spaces.models import Space

RETENTION_BATCH = 500


def export_storage() -> Storage:
    return storages["privacy"]


def export_days() -> int:
    return int(getattr(settings, "PRIVACY_EXPORT_DAYS", 7))


def _require_admin(actor: Any) -> None:
    if not may_manage_settings(actor):
        raise PermissionDenied(_("Only administrators may do this."))


# --- Downloads of one's data -----------------------------------------------------------------


def request_export(*, person: User) -> DataExport:
    """Queue a new ZIP of the person's data; one at a time."""
    if not person.is_active:
        raise PermissionDenied
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=person.pk).first()
        running = DataExport.objects.filter(
            person=person, status__in=[DataExport.Status.QUEUED, DataExport.Status.RUNNING]
        ).first()
        if running is not None:
            return running
        export = DataExport.objects.create(person=person)
        log_event(actor=person, action="privacy.export_requested", target=export)
        enqueue_with_transaction(tasks.build_data_export, export.pk)
    return export


def build_export(*, export_id: int) -> str:
    """Write the ZIP (the task's work): each module's part, then the index page."""
    export = DataExport.objects.select_related("person").filter(pk=export_id).first()
    if export is None or export.status not in {DataExport.Status.QUEUED, DataExport.Status.RUNNING}:
        return "skipped"
    person = export.person
    DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.RUNNING, progress=0)
    parts = personal_data.contributions()
    try:
        with (
            translation.override(person.language or settings.LANGUAGE_CODE),
            tempfile.TemporaryFile() as spool,
        ):
            with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                writer = ExportWriter(archive)
                for number, part in enumerate(parts, start=1):
                    part.export(person, writer)
                    DataExport.objects.filter(pk=export.pk).update(
                        progress=min(99, number * 100 // (len(parts) + 1))
                    )
                writer.write_text(
                    "index.html",
                    render_to_string(
                        "privacy/export_index.html",
                        {
                            "person": person,
                            "sections": writer.sections,
                            "created_at": timezone.now(),
                            "days": export_days(),
                        },
                    ),
                )
            size = spool.tell()
            spool.seek(0)
            name = export_storage().save(
                f"exports/{secrets.token_hex(16)}.zip", File(spool, name="export.zip")
            )
    except Exception:
        DataExport.objects.filter(pk=export.pk).update(
            status=DataExport.Status.FAILED, finished_at=timezone.now()
        )
        raise
    now = timezone.now()
    DataExport.objects.filter(pk=export.pk).update(
        status=DataExport.Status.READY,
        progress=100,
        file_name=name,
        size=size,
        finished_at=now,
        expires_at=now + dt.timedelta(days=export_days()),
    )
    log_event(
        actor=None,
        action="privacy.export_ready",
        target=export,
        extra={"person": person.pk, "size": size},
    )
    return "ready"


def purge_expired_exports(*, now: dt.datetime | None = None) -> int:
    """Delete the ZIPs past their time (and those of erased people), keep the rows' dates."""
    now = now or timezone.now()
    expired = list(DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now))
    storage = export_storage()
    for export in expired:
        if export.file_name:
            storage.delete(export.file_name)
    DataExport.objects.filter(pk__in=[export.pk for export in expired]).update(
        status=DataExport.Status.EXPIRED, file_name=""
    )
    return len(expired)


# --- Erasure -----------------------------------------------------------------------------------


def default_rule() -> ErasureRule:
    setting = getattr(settings, "PRIVACY_ERASURE_SHARED_CONTENT", "anonymise")
    return ErasureRule(shared_content="delete" if setting == "delete" else "anonymise")


def erase_person(*, actor: User, person: User, rule: ErasureRule | None = None) -> User:
    """Remove or anonymise everything Cercle holds about `person`; the audit log stays."""
    _require_admin(actor)
    rule = rule or default_rule()
    if person.pk == actor.pk:
        raise ValidationError(_("You cannot erase yourself."))
    if person.is_active and person.role == "admin":
        raise ValidationError(
            _("Administrators cannot be erased: change their role or deactivate them first.")
        )
    if LegalHold.objects.filter(person=person).exists():
        raise ValidationError(
            _("This person is under a legal hold: lift the hold before erasing them.")
        )
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        end_all_sessions(person)
        publish_on_commit(AccountDeactivated(), user_ids=[person.pk])
        exports = DataExport.objects.filter(person=person)
        storage = export_storage()
        for name in exports.exclude(file_name="").values_list("file_name", flat=True):
            transaction.on_commit(partial(storage.delete, name))
        exports.delete()
        for part in personal_data.contributions():
            part.erase(person, rule)
        person.refresh_from_db()
        log_event(
            actor=actor,
            action="privacy.person_erased",
            target=person,
            extra={"person": person.pk, "shared_content": rule.shared_content},
        )
    return person


# --- Legal holds and retention policies ------------------------------------------------------


def add_hold(
    *, actor: User, reason: str, space: Space | None = None, person: User | None = None
) -> LegalHold:
    _require_admin(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the content is held.")})
    if (space is None) == (person is None):
        raise ValidationError(_("A hold covers one space or one person."))
    with transaction.atomic():
        hold = LegalHold.objects.create(
            space=space, person=person, reason=reason[:300], created_by=actor
        )
        log_event(
            actor=actor,
            action="privacy.hold_added",
            target=hold,
            new={"space": space.pk if space else None, "person": person.pk if person else None},
            extra={"reason": hold.reason},
        )
    return hold


def remove_hold(*, actor: User, hold_id: int) -> None:
    _require_admin(actor)
    with transaction.atomic():
        hold = LegalHold.objects.filter(pk=hold_id).first()
        if hold is None:
            return
        log_event(
            actor=actor,
            action="privacy.hold_removed",
            target=hold,
            old={"space": hold.space_id, "person": hold.person_id, "reason": hold.reason},
        )
        hold.delete()


def add_policy(
    *,
    actor: User,
    target: str,
    days: int,
    space: Space | None = None,
    archived_spaces_only: bool = False,
) -> RetentionPolicy:
    _require_admin(actor)
    if target not in personal_data.retention_targets():
        raise ValidationError({"target": _("Choose the kind of content to delete.")})
    if days < 1 or days > 100 * 366:
        raise ValidationError({"days": _("Give a number of days between 1 and 36,600.")})
    with transaction.atomic():
        policy = RetentionPolicy.objects.create(
            target=target,
            days=days,
            space=space,
            archived_spaces_only=archived_spaces_only,
            created_by=actor,
        )
        log_event(
            actor=actor,
            action="privacy.policy_added",
            target=policy,
            new={
                "target": target,
                "days": days,
                "space": space.pk if space else None,
                "archived_spaces_only": archived_spaces_only,
            },
        )
    return policy


def remove_policy(*, actor: User, policy_id: int) -> None:
    _require_admin(actor)
    with transaction.atomic():
        policy = RetentionPolicy.objects.filter(pk=policy_id).first()
        if policy is None:
            return
        log_event(
            actor=actor,
            action="privacy.policy_removed",
            target=policy,
            old={"target": policy.target, "days": policy.days, "space": policy.space_id},
        )
        policy.delete()


@dataclass
class PolicyPlan:
    policy: RetentionPolicy
    label: str
    count: int
    sample: list[str]
    ids: list[int]  # filled when asked for (`with_ids`): the whole list may be long


def _scope(policy: RetentionPolicy, now: dt.datetime) -> RetentionScope:
    space_ids: frozenset[int] | None = None
    if policy.archived_spaces_only:
        archived = Space.objects.filter(archived_at__isnull=False)
        if policy.space_id:
            archived = archived.filter(pk=policy.space_id)
        space_ids = frozenset(archived.values_list("pk", flat=True))
    elif policy.space_id:
        space_ids = frozenset({policy.space_id})
    return RetentionScope(
        before=now - dt.timedelta(days=policy.days),
        space_ids=space_ids,
        held_space_ids=frozenset(
            LegalHold.objects.filter(space__isnull=False).values_list("space_id", flat=True)
        ),
        held_person_ids=frozenset(
            LegalHold.objects.filter(person__isnull=False).values_list("person_id", flat=True)
        ),
    )


def _policies() -> list[tuple[RetentionPolicy, personal_data.RetentionTarget]]:
    targets = personal_data.retention_targets()
    return [
        (policy, targets[policy.target])
        for policy in RetentionPolicy.objects.select_related("space")
        if policy.target in targets  # a policy of a module since removed does nothing
    ]


def retention_plan(
    *, now: dt.datetime | None = None, sample_size: int = 10, with_ids: bool = False
) -> list[PolicyPlan]:
    """What the next run deletes, policy by policy: the preview and the run read the same
    queries (`RetentionTarget.candidates`), with the same holds."""
    now = now or timezone.now()
    plans = []
    for policy, target in _policies():
        candidates = target.candidates(_scope(policy, now))
        keys = candidates.values_list("pk", flat=True).distinct()
        plans.append(
            PolicyPlan(
                policy=policy,
                label=str(target.label),
                count=keys.count(),
                sample=[target.describe(item) for item in candidates[:sample_size]],
                ids=list(keys) if with_ids else [],
            )
        )
    return plans


def run_retention(*, actor: User | None = None, now: dt.datetime | None = None) -> RetentionRun:
    """Apply every policy, then the audit log's own retention; audited."""
    if actor is not None:
        _require_admin(actor)
    now = now or timezone.now()
    run = RetentionRun.objects.create(started_by=actor)
    deleted: dict[str, int] = {}
    for policy, target in _policies():
        # Batches of the candidates, read again after each (what went is no longer one): the
        # memory stays flat, and an item a delete left in place is not tried twice.
        candidates = target.candidates(_scope(policy, now)).values_list("pk", flat=True)
        tried: set[int] = set()
        while batch := [pk for pk in candidates.distinct()[:RETENTION_BATCH] if pk not in tried]:
            tried.update(batch)
            with transaction.atomic():
                count = target.delete(batch)
            deleted[target.key] = deleted.get(target.key, 0) + count
    audit_deleted = delete_entries_before(now=now)
    RetentionRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(), deleted=deleted, audit_entries_deleted=audit_deleted
    )
    run.refresh_from_db()
    log_event(
        actor=actor,
        action="privacy.retention_run",
        target=run,
        extra={"deleted": deleted, "audit_entries_deleted": audit_deleted},
    )
    return run
