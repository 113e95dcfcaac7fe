"""A person's own data download over the API (`/api/v1/me/data-exports`): ask for a ZIP, follow
its progress, download it — what "My data" (`/privacy/my-data/`) does, with the same rules (one
at a time, kept `PRIVACY_EXPORT_DAYS` days, only ever the caller's own: another person's is the
same 404 as one that does not exist). The ZIP is built by the background task; its request is
audited."""

from __future__ import annotations

from datetime import datetime

from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

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
