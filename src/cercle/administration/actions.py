"""Writes of the administration: the organisation's settings and the life of a CSV import."""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cercle.accounts import importer
from cercle.accounts.actions import people
from cercle.accounts.models import Organisation, User
from cercle.accounts.queries import forget_organisation, may_manage_people, may_manage_settings
from cercle.administration.models import ImportJob
from cercle.audit.actions import log_event
from cercle.core import uploads

logger = logging.getLogger(__name__)

LOGO_SIZE = 256
MAX_LOGO_BYTES = 5 * 1024 * 1024
LOGO = uploads.Purpose(
    "logo",
    accepts=uploads.IMAGES,
    described=gettext_lazy("JPEG, PNG, GIF or WebP images"),
    max_bytes=lambda: MAX_LOGO_BYTES,
    image=uploads.ImageRule(shape="fit", max_px=LOGO_SIZE, output="png"),
)
MAX_IMPORT_BYTES = 20 * 1024 * 1024
# How long a checked file waits for the admin's choice before it is forgotten.
IMPORT_FILE_RETENTION = timedelta(hours=24)
# Progress is recorded at least once per batch: this long without any means the worker died.
IMPORT_STALL_AFTER = timedelta(minutes=15)
MAX_REPORTED_ERRORS = 1000
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _require_admin(actor: User | None) -> User:
    """The organisation's settings: administrators only (`may_manage_settings`)."""
    if actor is None or not may_manage_settings(actor):
        raise PermissionDenied(_("Only administrators may do this."))
    return actor


def _require_people_manager(actor: User | None) -> User:
    """Imports of people: administrators and the communication/HR team (`may_manage_people`)."""
    if actor is None or not may_manage_people(actor):
        raise PermissionDenied(_("Only administrators and the communication/HR team may do this."))
    return actor


# --- Organisation -----------------------------------------------------------------------------


def clean_signup_domains(value: str) -> str:
    """'Example.org, @sub.example.fr' -> 'example.org, sub.example.fr'; bad ones are refused."""
    domains: list[str] = []
    for part in re.split(r"[,\s;]+", value):
        domain = part.strip().lower().lstrip("@")
        if not domain:
            continue
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise ValidationError(_("“%s” is not an email domain.") % part) from error
        if not _DOMAIN.match(domain):
            raise ValidationError(_("“%s” is not an email domain.") % part)
        if domain not in domains:
            domains.append(domain)
    return ", ".join(domains)


def contrast_with_white(colour: str) -> float:
    """The WCAG contrast ratio of #RRGGBB against white (1 to 21)."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return 1.05 / (luminance + 0.05)


# White text sits on the primary colour (top bar, buttons): WCAG AA for text, 4.5:1. The accent
# colour marks focus and avatars: 3:1, as for large text and interface components.
MIN_CONTRAST = {"primary_colour": 4.5, "accent_colour": 3.0}


def process_logo(upload: UploadedFile[bytes]) -> ContentFile[bytes]:
    """A real image, turned upright, fitted into 256×256 and saved as PNG without metadata."""
    try:
        checked = uploads.check(upload, upload.name or "logo", LOGO)
    except ValidationError as error:
        raise ValidationError(error.messages) from error
    checked.content.seek(0)
    return ContentFile(checked.content.read(), name=f"logo-{secrets.token_hex(6)}.png")


def update_organisation(
    *,
    actor: User,
    name: str,
    primary_colour: str,
    accent_colour: str,
    lock_hr_fields: bool,
    signup_domains: str,
    email_changes_allowed: bool = True,
    logo: UploadedFile[bytes] | None = None,
    remove_logo: bool = False,
    request: HttpRequest | None = None,
) -> Organisation:
    _require_admin(actor)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("A name is required.")})
    if len(name) > 120:
        raise ValidationError({"name": _("At most 120 characters.")})
    for field, colour in (("primary_colour", primary_colour), ("accent_colour", accent_colour)):
        if not _COLOUR.match(colour):
            raise ValidationError({field: _("Enter a colour as #RRGGBB.")})
        ratio = contrast_with_white(colour)
        if ratio < MIN_CONTRAST[field]:
            raise ValidationError(
                {
                    field: _(
                        "This colour is too light for white text on it: contrast %(ratio).1f:1, "
                        "at least %(minimum).1f:1 is needed. Choose a darker shade."
                    )
                    % {"ratio": ratio, "minimum": MIN_CONTRAST[field]}
                }
            )
    try:
        domains = clean_signup_domains(signup_domains)
    except ValidationError as error:
        raise ValidationError({"signup_domains": error.messages}) from error
    new_logo = process_logo(logo) if logo is not None else None
    with transaction.atomic():
        organisation, _created = Organisation.objects.select_for_update().get_or_create(pk=1)
        before = _organisation_values(organisation)
        old_logo_name = organisation.logo.name if organisation.logo else ""
        organisation.name = name
        organisation.primary_colour = primary_colour.lower()
        organisation.accent_colour = accent_colour.lower()
        organisation.lock_hr_fields = lock_hr_fields
        organisation.email_changes_allowed = email_changes_allowed
        organisation.signup_domains = domains
        if new_logo is not None:
            organisation.logo.save(new_logo.name or "logo.png", new_logo, save=False)
        elif remove_logo:
            organisation.logo = ""
        organisation.save()
        after = _organisation_values(organisation)
        changed = [key for key in after if after[key] != before[key]]
        if changed:
            log_event(
                actor=actor,
                action="administration.organisation_changed",
                target=organisation,
                old={key: before[key] for key in changed},
                new={key: after[key] for key in changed},
                request=request,
            )
        forget_organisation()
        if old_logo_name and old_logo_name != (organisation.logo.name or ""):
            storage = organisation.logo.storage
            transaction.on_commit(lambda: storage.delete(old_logo_name))
    return organisation


def _organisation_values(organisation: Organisation) -> dict[str, Any]:
    return {
        "name": organisation.name,
        "logo": organisation.logo.name if organisation.logo else "",
        "primary_colour": organisation.primary_colour,
        "accent_colour": organisation.accent_colour,
        "lock_hr_fields": organisation.lock_hr_fields,
        "email_changes_allowed": organisation.email_changes_allowed,
        "signup_domains": organisation.signup_domains,
    }


# --- CSV imports ------------------------------------------------------------------------------


def start_import(
    *,
    actor: User,
    filename: str,
    data: bytes,
    create_missing: bool = False,
    send_invitations: bool = False,
    valid_rows_only: bool = False,
    language: str = "",
) -> ImportJob:
    """Record the file and queue its checking (then its import, when every row is valid)."""
    _require_people_manager(actor)
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError({"file": _("The file may weigh at most 20 MB.")})
    try:
        text = importer.decode(data)
    except importer.ImportFileError as error:
        raise ValidationError({"file": str(error)}) from error
    if "\x00" in text:
        raise ValidationError({"file": _("This is not a CSV text file.")})
    with transaction.atomic():
        job = ImportJob.objects.create(
            created_by=actor,
            filename=filename[:255],
            content=text,
            create_missing=create_missing,
            send_invitations=send_invitations,
            valid_rows_only=valid_rows_only,
            language=language or actor.language or settings.LANGUAGE_CODE,
        )
        _queue(job)
    return job


def _queue(job: ImportJob) -> None:
    # Imported here: the task module calls back into this one.
    from cercle.administration.tasks import run_import_job as task

    job_id = job.pk
    transaction.on_commit(lambda: task.enqueue(job_id))


def import_valid_rows(*, actor: User, job: ImportJob) -> ImportJob:
    """The admin chose to import the valid rows of a file that has invalid ones."""
    _require_people_manager(actor)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ImportJob.Status.INVALID or not job.content:
            raise ValidationError(_("This import cannot be started again."))
        job.valid_rows_only = True
        job.status = ImportJob.Status.PENDING
        job.created_by = actor
        job.done = 0
        job.save(update_fields=["valid_rows_only", "status", "created_by", "done", "updated_at"])
        _queue(job)
    return job


def cancel_import(*, actor: User, job: ImportJob) -> ImportJob:
    _require_people_manager(actor)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status not in {ImportJob.Status.INVALID, ImportJob.Status.PENDING}:
            raise ValidationError(_("Only an import that has not started can be cancelled."))
        job.status = ImportJob.Status.CANCELLED
        job.content = ""
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "content", "finished_at", "updated_at"])
    return job


def expire_import_jobs(*, now: datetime | None = None) -> int:
    """Housekeeping: forget the files of imports left waiting, and fail interrupted ones.

    A file whose rows are invalid waits for the admin's choice; left there, it would keep the
    people's personal data for ever: after IMPORT_FILE_RETENTION it is cancelled and emptied.
    A check or an import whose progress has not moved for IMPORT_STALL_AFTER had its worker
    stopped under it (the task is not retried): it is marked failed, so that the page stops
    polling and says so. Returns the number of jobs changed.
    """
    now = now or timezone.now()
    expired = list(
        ImportJob.objects.filter(
            status__in=[ImportJob.Status.INVALID, ImportJob.Status.PENDING],
            updated_at__lt=now - IMPORT_FILE_RETENTION,
        ).only("pk", "report")
    )
    for job in expired:
        _set(
            job.pk,
            status=ImportJob.Status.CANCELLED,
            content="",
            finished_at=now,
            report={**(job.report or {}), "expired": True},
        )
    stalled = list(
        ImportJob.objects.filter(
            status__in=[ImportJob.Status.VALIDATING, ImportJob.Status.IMPORTING],
            updated_at__lt=now - IMPORT_STALL_AFTER,
        ).only("pk", "report", "language")
    )
    for job in stalled:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            message = _(
                "The import was interrupted (the task worker stopped). People imported before "
                "the interruption are kept: import the file again and choose to import its "
                "valid rows; those already imported are reported as existing."
            )
        report = {**(job.report or {}), "file_error": message}
        _set(job.pk, status=ImportJob.Status.FAILED, content="", finished_at=now, report=report)
    return len(expired) + len(stalled)


def _set(job_id: int, **fields: Any) -> None:
    ImportJob.objects.filter(pk=job_id).update(updated_at=timezone.now(), **fields)


def run_import_job(*, job_id: int) -> str:
    """Check the file; import it when every row is valid or the admin chose the valid rows.

    Called by the background task; records status and progress on the job as it goes.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != ImportJob.Status.PENDING:
            return job.status if job else "missing"
        job.status = ImportJob.Status.VALIDATING
        job.save(update_fields=["status", "updated_at"])
    with translation.override(job.language or settings.LANGUAGE_CODE):
        return _run(job)


def _run(job: ImportJob) -> str:
    actor = job.created_by
    try:
        checked = people.check_import(job.content, create_missing=job.create_missing, actor=actor)
    except importer.ImportFileError as error:
        _finish(job, ImportJob.Status.FAILED, report={"file_error": str(error)})
        return ImportJob.Status.FAILED
    valid = checked.valid_rows
    report: dict[str, Any] = {
        "total_rows": len(checked.rows),
        "valid_rows": len(valid),
        "invalid_rows": len(checked.invalid_rows),
        "error_count": len(checked.errors),
        "errors": [error.as_dict() for error in checked.errors[:MAX_REPORTED_ERRORS]],
        "missing_departments": sorted(checked.missing_departments.values()),
        "missing_sites": sorted(checked.missing_sites.values()),
        # The columns as the file named them: the report speaks the file's words.
        "columns": checked.headers,
    }
    if not checked.rows:
        report["file_error"] = _("The file has no people in it.")
        _finish(job, ImportJob.Status.FAILED, report=report)
        return ImportJob.Status.FAILED
    if checked.errors and not job.valid_rows_only:
        _set(job.pk, status=ImportJob.Status.INVALID, report=report, total=len(valid), done=0)
        return ImportJob.Status.INVALID
    _set(job.pk, status=ImportJob.Status.IMPORTING, report=report, total=len(valid), done=0)
    if actor is None:
        _finish(job, ImportJob.Status.FAILED, report={**report, "file_error": _("No actor.")})
        return ImportJob.Status.FAILED
    try:
        created = people.import_people(
            actor=actor,
            checked=checked,
            send_invitations=job.send_invitations,
            language=job.language,
            filename=job.filename,
            progress=lambda done: _set(job.pk, done=done),
        )
    except PermissionDenied:
        report["file_error"] = _(
            "Only administrators and the communication/HR team may import people."
        )
        _finish(job, ImportJob.Status.FAILED, report=report)
        return ImportJob.Status.FAILED
    except Exception:
        logger.exception("Import %s failed", job.pk)
        report["file_error"] = _(
            "The import failed and nothing was imported. Check the file and try again."
        )
        _finish(job, ImportJob.Status.FAILED, report=report)
        return ImportJob.Status.FAILED
    _finish(
        job, ImportJob.Status.DONE, report=report, created_count=len(created), done=len(created)
    )
    return ImportJob.Status.DONE


def _finish(job: ImportJob, status: str, **fields: Any) -> None:
    _set(job.pk, status=status, finished_at=timezone.now(), content="", **fields)
