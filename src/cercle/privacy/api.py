"""A person's own data download over the API (`/api/v1/me/data-exports`): ask for a ZIP, follow
its progress, download it — what "My data" (`/privacy/my-data/`) does, with the same rules (one
at a time, kept `PRIVACY_EXPORT_DAYS` days, only ever the caller's own: another person's is the
same 404 as one that does not exist). The ZIP is built by the background task; its request is
audited.

Administrators also erase a person (`/api/v1/people/{id}/erasure`) and read the retention
policies, holds and runs (`/api/v1/privacy/retention`); anyone else gets a 403 before anything is
looked up."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from cercle.accounts.models import User
from cercle.accounts.personal_data import is_erased
from cercle.accounts.queries import may_manage_settings
from cercle.audit.retention import retention_days
from cercle.core.personal_data import ErasureRule
from cercle.core.schemas import Id
from cercle.core.typing import AuthenticatedRequest
from cercle.core.uploads import content_disposition
from cercle.privacy import actions, queries
from cercle.privacy.models import DataExport

router = Router(tags=["privacy"])


class DataExportOut(Schema):
    id: int
    status: str  # queued, running, ready, failed, expired
    progress: int  # percent
    size: int  # bytes, once ready
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None
    # The ZIP, while it is ready and not expired; otherwise null.
    download_url: str | None


def _out(export: DataExport) -> DataExportOut:
    ready = queries.downloadable(export)
    return DataExportOut(
        id=export.pk,
        status=export.status,
        progress=export.progress,
        size=export.size,
        created_at=export.created_at,
        finished_at=export.finished_at,
        expires_at=export.expires_at,
        download_url=reverse("api-v1:privacy_export_zip", args=[export.pk]) if ready else None,
    )


@router.get("/me/data-exports", response=list[DataExportOut])
def list_exports(request: AuthenticatedRequest) -> list[DataExportOut]:
    """The caller's latest downloads, newest first (at most five)."""
    return [_out(export) for export in queries.my_exports(request.auth)]


@router.post("/me/data-exports", response={202: DataExportOut})
def request_export(request: AuthenticatedRequest) -> Status[DataExportOut]:
    """Asks for a new ZIP of everything the caller made; while one is being prepared, answers
    that one (no second is queued)."""
    return Status(202, _out(actions.request_export(person=request.auth)))


@router.get("/me/data-exports/{export_id}", response=DataExportOut)
def export_status(request: AuthenticatedRequest, export_id: Id) -> DataExportOut:
    return _out(queries.access_export(request.auth, export_id))


class NotReadyOut(Schema):
    """An error's `{"detail": …}`."""

    detail: str


@router.get(
    "/me/data-exports/{export_id}/zip",
    response={200: None, 409: NotReadyOut, 410: NotReadyOut},
    url_name="privacy_export_zip",
)
def export_zip(request: AuthenticatedRequest, export_id: Id) -> FileResponse:
    """The ZIP itself (`application/zip`). 409 while it is being prepared; 410 once expired or
    if it failed."""
    export = queries.access_export(request.auth, export_id)
    if export.is_running:
        raise HttpError(409, _("The download is still being prepared."))
    if not queries.downloadable(export):
        raise HttpError(410, _("This download is no longer available: ask for a new one."))
    response = FileResponse(
        actions.export_storage().open(export.file_name, "rb"), content_type="application/zip"
    )
    day = timezone.localdate(export.created_at).isoformat()
    response["Content-Disposition"] = content_disposition(
        "attachment", f"cercle-{request.auth.username}-{day}.zip"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Administrators: erasure and retention ---------------------------------------------------


def _require_admin(request: AuthenticatedRequest) -> None:
    # Before anything is looked up: who exists is no answer to someone not allowed to ask.
    if not may_manage_settings(request.auth):
        raise PermissionDenied(_("Only administrators may do this."))


class ErasureIn(Schema):
    # What they wrote in spaces, conversations and pages: kept signed "Former colleague", or
    # deleted; the deployment's default (PRIVACY_ERASURE_SHARED_CONTENT) when left out.
    shared_content: Literal["anonymise", "delete"] | None = None
    # The person's username, typed again: an erasure cannot be undone.
    confirm: str = Field(max_length=150)


class ErasureOut(Schema):
    person_id: int
    username: str  # the anonymised one
    shared_content: str
    erased: bool


@router.post(
    "/people/{person_id}/erasure",
    response={200: ErasureOut, 409: NotReadyOut},
)
def erase_person(request: AuthenticatedRequest, person_id: Id, data: ErasureIn) -> ErasureOut:
    """Administrators: erase a person's personal data (what the administration's "Erase" page
    does). Their sessions, sockets and tokens end; the audit log keeps its entries. 400 with the
    reason when refused (a wrong `confirm`, an administrator, a legal hold, oneself); 409 when
    already erased."""
    _require_admin(request)
    person = User.objects.filter(pk=person_id).first()
    if person is None:
        raise Http404
    if is_erased(person):
        raise HttpError(409, _("This person's personal data is already erased."))
    if data.confirm.strip() != person.username:
        raise ValidationError({"confirm": _("Type the username exactly as shown.")})
    rule = (
        ErasureRule(shared_content=data.shared_content)
        if data.shared_content
        else actions.default_rule()
    )
    erased = actions.erase_person(actor=request.auth, person=person, rule=rule)
    return ErasureOut(
        person_id=erased.pk,
        username=erased.username,
        shared_content=rule.shared_content,
        erased=True,
    )


class PolicyOut(Schema):
    id: int
    target: str
    label: str
    days: int
    space_id: int | None
    archived_spaces_only: bool
    due: int  # what the next run deletes under this policy (the preview's count)


class HoldOut(Schema):
    id: int
    space_id: int | None
    person_id: int | None
    reason: str
    created_at: datetime


class RunOut(Schema):
    id: int
    started_at: datetime
    finished_at: datetime | None
    deleted: dict[str, int]
    audit_entries_deleted: int


class RetentionOut(Schema):
    policies: list[PolicyOut]
    holds: list[HoldOut]
    runs: list[RunOut]  # the latest, newest first
    audit_log_days: int  # 0: the audit log is kept for ever


@router.get("/privacy/retention", response={200: RetentionOut, 403: NotReadyOut})
def retention_status(request: AuthenticatedRequest) -> RetentionOut:
    """Administrators: the retention policies with what the next run deletes under each (the
    same count as the administration page's preview), the legal holds, the latest runs."""
    _require_admin(request)
    return RetentionOut(
        policies=[
            PolicyOut(
                id=plan.policy.pk,
                target=plan.policy.target,
                label=plan.label,
                days=plan.policy.days,
                space_id=plan.policy.space_id,
                archived_spaces_only=plan.policy.archived_spaces_only,
                due=plan.count,
            )
            for plan in actions.retention_plan(sample_size=0)
        ],
        holds=[
            HoldOut(
                id=hold.pk,
                space_id=hold.space_id,
                person_id=hold.person_id,
                reason=hold.reason,
                created_at=hold.created_at,
            )
            for hold in queries.holds()
        ],
        runs=[
            RunOut(
                id=run.pk,
                started_at=run.started_at,
                finished_at=run.finished_at,
                deleted={str(k): int(v) for k, v in (run.deleted or {}).items()},
                audit_entries_deleted=run.audit_entries_deleted,
            )
            for run in queries.recent_runs()
        ],
        audit_log_days=retention_days(),
    )
