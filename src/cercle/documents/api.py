"""The document base's part of /api/v1/: libraries, folders (listed with a cursor), files
(multipart upload, versions, downloads with ranges), the trash.

Same rules as the pages: reads through `cercle.documents.queries`, writes through `actions`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponseBase, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from cercle.accounts.models import User
from cercle.accounts.queries import pickable_person
from cercle.core import uploads
from cercle.core.pagination import InvalidCursor, decode_cursor, encode_cursor
from cercle.core.schemas import Id
from cercle.core.typing import AuthenticatedRequest
from cercle.core.uploads import UploadCap
from cercle.documents import actions, downloads, queries, staging, upload_sessions
from cercle.documents.models import (
    Document,
    Folder,
    Library,
    Lock,
    Share,
    UploadSession,
    Version,
)
from cercle.documents.schemas import (
    CopyIn,
    DocumentCommentIn,
    DocumentCommentListOut,
    DocumentCommentOut,
    DocumentFileOut,
    DocumentFolderOut,
    DocumentLockOut,
    DocumentOffsetOut,
    DocumentRefusedOut,
    DocumentShareIn,
    DocumentUploadIn,
    DocumentUploadOut,
    DocumentVersionListOut,
    DocumentVersionOut,
    FilePatchIn,
    FolderIn,
    FolderItemOut,
    FolderPageOut,
    FolderPatchIn,
    FolderRef,
    LibraryListOut,
    LibraryOut,
    LibrarySpaceRef,
    RestoredOut,
    SharedItemOut,
    SharedListOut,
    ShareListOut,
    ShareOut,
    ShareSpaceRef,
    TrashItemOut,
    TrashListOut,
    UploadOut,
)
from cercle.spaces import queries as space_queries
from cercle.spaces.api import person_ref
from cercle.spaces.schemas import PersonRef

router = Router(tags=["documents"])

MAX_LIBRARIES = 500


def _person(user: User | None) -> PersonRef | None:
    return person_ref(user) if user is not None else None


def _library_out(user: User, library: Library) -> LibraryOut:
    root = actions.root_of(library)
    space = library.space
    return LibraryOut(
        id=library.pk,
        kind="space" if space is not None else "personal",
        name=queries.library_name(library, user),
        space=LibrarySpaceRef(id=space.pk, slug=space.slug, name=space.name) if space else None,
        root_folder_id=root.pk,
        can_write=queries.library_rights(user, library).write,
    )


@router.get("/libraries", response=LibraryListOut)
def list_libraries(request: AuthenticatedRequest) -> LibraryListOut:
    """My documents first, then the libraries of the spaces I may read that have been opened
    (a space's library is made the first time it is opened: `GET /spaces/{id}/library`)."""
    user = request.auth
    mine = actions.personal_library(user=user)
    others = (queries.readable_libraries(user).exclude(pk=mine.pk).order_by("space__name", "pk"))[
        :MAX_LIBRARIES
    ]
    return LibraryListOut(items=[_library_out(user, lib) for lib in [mine, *others]])


@router.get("/libraries/{library_id}", response=LibraryOut)
def library_detail(request: AuthenticatedRequest, library_id: Id) -> LibraryOut:
    return _library_out(request.auth, queries.access_library(request.auth, library_id))


@router.get("/spaces/{space_id}/library", response=LibraryOut)
def space_library(request: AuthenticatedRequest, space_id: Id) -> LibraryOut:
    """A space's library (made the first time), if the space has documents on and I may read
    them."""
    if space_id < 1 or space_id > 2**63 - 1:
        raise queries.NotFound(_("No such library."))
    space = space_queries.access_space(request.auth, space_id)
    if not queries.space_rights(request.auth, space).read:
        raise queries.NotFound(_("No such library."))
    return _library_out(request.auth, actions.space_library(space=space))


@router.get("/libraries/{library_id}/trash", response=TrashListOut)
def library_trash(request: AuthenticatedRequest, library_id: Id) -> TrashListOut:
    user = request.auth
    library = queries.access_library(user, library_id)
    rights = queries.library_rights(user, library)
    return TrashListOut(
        items=[
            TrashItemOut(
                type="folder" if entry.is_folder else "file",
                id=entry.item.pk,
                name=entry.item.name,
                trashed_at=entry.item.trashed_at,  # type: ignore[arg-type]
                trashed_by=_person(entry.item.trashed_by),
                purge_on=entry.purge_on,
                can_restore=queries.can(user, "restore", entry.item, rights),
            )
            for entry in queries.trash_of(library)
        ]
    )


# --- Folders -----------------------------------------------------------------------------------


def _folder_out(user: User, folder: Folder) -> DocumentFolderOut:
    rights = queries.item_rights(user, folder)
    crumbs = (
        queries.shared_crumbs(folder, rights)[1:] if rights.shared else queries.breadcrumbs(folder)
    )
    return DocumentFolderOut(
        id=folder.pk,
        name=folder.name,
        library_id=folder.library_id,
        parent_id=folder.parent_id,
        is_root=folder.is_root,
        path=[FolderRef(id=f.pk, name=f.name) for f in crumbs],
        created_by=_person(folder.created_by),
        created_at=folder.created_at,
        updated_at=folder.updated_at,
        can_upload=queries.can(user, "upload", folder, rights),
        can_rename=queries.can(user, "rename", folder, rights),
        can_move=queries.can(user, "move", folder, rights),
        can_delete=queries.can(user, "delete", folder, rights),
    )


class FolderListQuery(Schema):
    cursor: str = Field("", max_length=1000)
    limit: int = Field(100, ge=1, le=500)


def _after(cursor: str) -> tuple[str, str, int] | None:
    """A folder listing's position: ("folder" or "file", lower-cased name, id)."""
    if not cursor:
        return None
    kind, name, pk = decode_cursor(cursor, length=3)
    if kind not in ("folder", "file") or not isinstance(name, str) or not isinstance(pk, int):
        raise InvalidCursor("invalid cursor")
    return str(kind), name, pk


@router.get("/folders/{folder_id}", response=FolderPageOut)
def folder_detail(
    request: AuthenticatedRequest, folder_id: Id, filters: Query[FolderListQuery]
) -> FolderPageOut:
    """The folder and what it holds: folders first, then files, each by name; `next_cursor`
    gives the next page."""
    user = request.auth
    folder = queries.access_folder(user, folder_id)
    after = _after(filters.cursor)
    limit = filters.limit
    rows: list[tuple[FolderItemOut, tuple[str, str, int]]] = []
    if after is None or after[0] == "folder":
        position = (after[1], after[2]) if after else None
        for sub in queries.listed_folders(folder, after=position)[: limit + 1]:
            item = FolderItemOut(
                type="folder",
                id=sub.pk,
                name=sub.name,
                size=None,
                content_type=None,
                updated_at=sub.updated_at,
                created_by=_person(sub.created_by),
            )
            rows.append((item, ("folder", sub.name_key, sub.pk)))  # type: ignore[attr-defined]
    if len(rows) <= limit:
        position = (after[1], after[2]) if after is not None and after[0] == "file" else None
        for doc in queries.listed_documents(folder, after=position)[: limit + 1 - len(rows)]:
            current = doc.current
            item = FolderItemOut(
                type="file",
                id=doc.pk,
                name=doc.name,
                size=current.size if current else 0,
                content_type=current.content_type if current else "",
                updated_at=doc.updated_at,
                created_by=_person(doc.created_by),
            )
            rows.append((item, ("file", doc.name_key, doc.pk)))  # type: ignore[attr-defined]
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(list(rows[-1][1]))
    return FolderPageOut(
        folder=_folder_out(user, folder),
        items=[item for item, _key in rows],
        next_cursor=next_cursor,
    )


@router.post("/folders/{folder_id}/folders", response={201: DocumentFolderOut})
def create_folder(
    request: AuthenticatedRequest, folder_id: Id, payload: FolderIn
) -> Status[DocumentFolderOut]:
    parent = queries.access_folder(request.auth, folder_id)
    made = actions.create_folder(actor=request.auth, parent=parent, name=payload.name)
    return Status(201, _folder_out(request.auth, made))


@router.patch("/folders/{folder_id}", response=DocumentFolderOut)
def change_folder(
    request: AuthenticatedRequest, folder_id: Id, payload: FolderPatchIn
) -> DocumentFolderOut:
    """Rename and/or move a folder (into another folder, in any library I may write to)."""
    user = request.auth
    folder = queries.access_folder(user, folder_id)
    if payload.name is None and payload.parent_id is None:
        raise HttpError(400, _("Give a new name or a parent folder."))
    target = queries.access_folder(user, payload.parent_id) if payload.parent_id else None
    if payload.name is not None:
        actions.rename(actor=user, item=folder, name=payload.name)
    if target is not None:
        actions.move(actor=user, item=folder, target=target)
    return _folder_out(user, queries.access_folder(user, folder.pk))


@router.delete("/folders/{folder_id}", response={204: None})
def delete_folder(request: AuthenticatedRequest, folder_id: Id) -> Status[None]:
    """To the trash, with what it holds."""
    folder = queries.access_folder(request.auth, folder_id)
    actions.trash(actor=request.auth, item=folder)
    return Status(204, None)


def _restored_out(restored: actions.Restored) -> RestoredOut:
    item = restored.item
    is_folder = isinstance(item, Folder)
    return RestoredOut(
        type="folder" if is_folder else "file",
        id=item.pk,
        name=item.name,
        folder_id=(item.parent_id if isinstance(item, Folder) else item.folder_id) or 0,
        to_root=restored.to_root,
        renamed=restored.renamed,
    )


@router.post("/folders/{folder_id}/restore", response=RestoredOut)
def restore_folder(request: AuthenticatedRequest, folder_id: Id) -> RestoredOut:
    """Out of the trash: into its folder, or the library's root when that folder is gone."""
    folder = queries.trashed_folder(request.auth, folder_id)
    return _restored_out(actions.restore(actor=request.auth, item=folder))


@router.post("/folders/{folder_id}/copy", response={201: DocumentFolderOut})
def copy_folder(
    request: AuthenticatedRequest, folder_id: Id, payload: CopyIn
) -> Status[DocumentFolderOut]:
    user = request.auth
    folder = queries.access_folder(user, folder_id)
    target = queries.access_folder(user, payload.folder_id)
    made = actions.copy(actor=user, item=folder, target=target)
    assert isinstance(made, Folder)
    return Status(201, _folder_out(user, queries.access_folder(user, made.pk)))


# --- Files -------------------------------------------------------------------------------------


def _file_out(user: User, document: Document) -> DocumentFileOut:
    rights = queries.item_rights(user, document)
    current = document.current
    assert current is not None
    return DocumentFileOut(
        id=document.pk,
        name=document.name,
        library_id=document.library_id,
        folder_id=document.folder_id,
        version=current.number,
        size=current.size,
        content_type=current.content_type,
        sha256=current.blob.sha256,
        created_by=_person(document.created_by),
        created_at=document.created_at,
        updated_at=document.updated_at,
        download_url=reverse("api-v1:documents_api_download", args=[document.pk]),
        can_version=queries.can(user, "version", document, rights),
        can_rename=queries.can(user, "rename", document, rights),
        can_move=queries.can(user, "move", document, rights),
        can_delete=queries.can(user, "delete", document, rights),
    )


def _fresh(user: User, document_id: int) -> DocumentFileOut:
    return _file_out(user, queries.access_document(user, document_id))


def _uploader(request: HttpRequest) -> User | None:
    """Who sends the files, while ninja parses them: the token's person (`request.auth`, once
    authenticated) or the session's."""
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated and user.is_active:
        return user
    return None


_QUERY_FOLDER = "cercle_query_folder"


def _query_folder(request: HttpRequest) -> Folder | None:
    """The folder named in the address (`POST /files?folder_id=12`), known before the body, if
    the person may upload there (once per request); otherwise None: the view answers."""
    if hasattr(request, _QUERY_FOLDER):
        return cast(Folder | None, getattr(request, _QUERY_FOLDER))
    folder = None
    raw = request.GET.get("folder_id", "")
    user = _uploader(request)
    if raw.isdigit() and len(raw) < 19 and user is not None:
        try:
            folder = queries.access_folder(user, int(raw), "upload")
        except (Http404, PermissionDenied):
            folder = None
    setattr(request, _QUERY_FOLDER, folder)
    return folder


def _cap_for_folder(request: HttpRequest) -> UploadCap | None:
    # With the folder in the address, the library's room too; otherwise the folder is a field
    # of the body, unknown while the file arrives (Django's multipart parser tells its upload
    # handlers nothing of the fields before it): only the largest file here, the quota checked
    # by the action before anything is recorded.
    folder = _query_folder(request)
    if folder is not None:
        return queries.upload_cap(folder.library)
    return UploadCap(
        file_bytes=queries.max_file_mb() * queries.MB,
        file_message=queries.file_too_large(queries.max_file_mb() * queries.MB),
    )


def _cap_for_file(request: HttpRequest, file_id: Any) -> UploadCap | None:
    user = _uploader(request)
    if user is None:
        return None
    try:
        document = queries.access_document(user, file_id, "version")
    except (Http404, PermissionDenied):
        return None  # the operation answers its 404 or 403 itself
    return queries.upload_cap(document.library)


def _library_for_folder(request: HttpRequest) -> int | None:
    folder = _query_folder(request)
    return folder.library_id if folder is not None else None


def _library_for_file(request: HttpRequest, file_id: Any) -> int | None:
    user = _uploader(request)
    if user is None:
        return None
    try:
        return queries.access_document(user, file_id, "version").library_id
    except (Http404, PermissionDenied):
        return None


def _capped(
    cap: Callable[..., UploadCap | None],
    library: Callable[..., int | None] = lambda request, *args: None,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """An upload operation's files are counted while ninja parses them
    (`core.uploads.CappedUploadHandler`): past the largest file `413`, past the library's room
    `507`, with `{"detail"}`, and nothing kept. They are written once, straight to the storage
    (`staging`), with room reserved in the `library` (when known before the body)."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            with staging.staged_uploads(request):
                return _staged(request, *args, **kwargs)

        def _staged(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            uploads.cap_upload(request, lambda: cap(request, *kwargs.values()))
            staging.stage_uploads(request, lambda: library(request, *kwargs.values()))
            response = view(request, *args, **kwargs)
            refused = uploads.refusal(request)
            if refused is not None:
                status = 413 if refused.code == "too_large" else 507
                return JsonResponse({"detail": refused.message}, status=status)
            return response

        return wrapper

    return decorator


@router.post("/files", response={201: UploadOut, 413: DocumentRefusedOut, 507: DocumentRefusedOut})
@decorate_view(_capped(_cap_for_folder, _library_for_folder))
def upload_file(
    request: AuthenticatedRequest,
    folder_id: Form[Id],
    file: File[UploadedFile],
) -> Status[UploadOut]:
    """A file into a folder (multipart/form-data: `folder_id` and `file`). A file named like one
    already in the folder becomes its new version (`new_document: false`). A file over the
    largest size is `413` (stopped while it arrives); one the library has no room for is `400`
    (`{"detail": {"file": […]}}`), nothing kept. With the folder in the address too
    (`/files?folder_id=12`, the same as the form's), its library's room is reserved before the
    body is read: no room is then `507` before a byte of the file is kept."""
    in_address = request.GET.get("folder_id")
    if in_address is not None and in_address != str(folder_id):
        raise ValidationError(
            {"folder_id": _("The folder in the address is not the one in the form.")}
        )
    folder = queries.access_folder(request.auth, folder_id, "upload")
    result = actions.upload_file(
        actor=request.auth, folder=folder, upload=file, name=file.name or ""
    )
    return Status(
        201,
        UploadOut(
            file=_fresh(request.auth, result.document.pk), new_document=result.is_new_document
        ),
    )


# --- Uploads in chunks (resumable) -------------------------------------------------------------
# Declared before `/files/{file_id}`: the same number of path segments.


def _upload_out(session: UploadSession) -> DocumentUploadOut:
    return DocumentUploadOut(
        id=str(session.pk),
        name=session.name,
        path=session.path,
        folder_id=session.folder_id,
        file_id=session.document_id,
        size=session.size,
        offset=session.received,
        max_chunk_bytes=upload_sessions.MAX_CHUNK_BYTES,
        expires_at=session.expires_at,
        url=reverse("api-v1:documents_api_upload_session", args=[session.pk]),
    )


def _refusal_status(error: ValidationError) -> tuple[int, str] | None:
    """413 (too large) or 507 (no room) for a refusal of the size, with its message."""
    for errors in getattr(error, "error_dict", {}).values():
        for item in errors:
            if item.code == "too_large":
                return 413, str(item.message)
            if item.code == "quota":
                return 507, str(item.message)
    return None


def _refused(error: ValidationError) -> Status[DocumentRefusedOut]:
    refusal = _refusal_status(error)
    if refusal is None:
        raise error
    return Status(refusal[0], DocumentRefusedOut(detail=refusal[1]))


UPLOAD_REFUSALS: dict[int, Any] = {413: DocumentRefusedOut, 507: DocumentRefusedOut}


@router.post(
    "/files/uploads",
    response={201: DocumentUploadOut, **UPLOAD_REFUSALS},
    url_name="documents_api_start_upload",
)
def start_upload(request: AuthenticatedRequest, payload: DocumentUploadIn) -> Status[Any]:
    """Starts an upload in chunks (JSON: `size`, and `folder_id` with `name` — optionally
    `path`, sub-folders made when it finishes — or `file_id` for a new version). Refused before
    any byte is sent: over the largest file `413`, no room in the library `507`. Then `PUT` each
    chunk (`application/octet-stream`, at most `max_chunk_bytes`) to `url?offset=N`, and `POST`
    `url/finish`. Unfinished uploads expire after `CERCLE_DOCUMENTS_UPLOAD_HOURS`."""
    if (payload.folder_id is None) == (payload.file_id is None):
        raise ValidationError({"folder_id": _("Give either folder_id or file_id.")})
    user = request.auth
    try:
        if payload.file_id is not None:
            document = queries.access_document(user, payload.file_id, "version")
            session = upload_sessions.start_upload(actor=user, size=payload.size, document=document)
        else:
            assert payload.folder_id is not None
            folder = queries.access_folder(user, payload.folder_id, "upload")
            session = upload_sessions.start_upload(
                actor=user, size=payload.size, folder=folder, name=payload.name, path=payload.path
            )
    except ValidationError as error:
        return _refused(error)
    return Status(201, _upload_out(session))


@router.get(
    "/files/uploads/{upload_id}",
    response=DocumentUploadOut,
    url_name="documents_api_upload_session",
)
def upload_session(request: AuthenticatedRequest, upload_id: str) -> DocumentUploadOut:
    """Where an upload is: `offset`, the bytes received so far (where to resume)."""
    return _upload_out(queries.access_upload(request.auth, upload_id))


class ChunkQuery(Schema):
    offset: int = Field(ge=0, le=2**62)


@router.put(
    "/files/uploads/{upload_id}",
    response={
        200: DocumentUploadOut,
        409: DocumentOffsetOut,
        411: DocumentRefusedOut,
        **UPLOAD_REFUSALS,
    },
)
def upload_chunk(
    request: AuthenticatedRequest, upload_id: str, query: Query[ChunkQuery]
) -> Status[Any]:
    """One chunk, the request's raw body (`Content-Length` required), at `offset`, which must be
    the upload's `offset` now: otherwise `409` with the offset to resume from. A chunk past the
    declared size is `400`; the largest file and the library's room are checked again (`413`,
    `507`, and the upload is cancelled)."""
    user = request.auth
    session = queries.access_upload(user, upload_id)
    try:
        length = int(request.headers.get("Content-Length") or "")
    except ValueError:
        return Status(411, DocumentRefusedOut(detail=_("Give the chunk's Content-Length.")))
    if query.offset != session.received:
        return Status(409, _offset_out(session.received))
    if length > upload_sessions.MAX_CHUNK_BYTES:
        return Status(
            413,
            DocumentRefusedOut(
                detail=_("A chunk is at most %(max)d MB.")
                % {"max": upload_sessions.MAX_CHUNK_BYTES // 1024 // 1024}
            ),
        )
    try:  # the body read as it arrives, straight to where the file is kept
        session = upload_sessions.receive_chunk(
            actor=user, session=session, offset=query.offset, data=request, length=length
        )
    except upload_sessions.OffsetMismatch as mismatch:
        return Status(409, _offset_out(mismatch.expected))
    except ValidationError as error:
        return _refused(error)
    return Status(200, _upload_out(session))


def _offset_out(expected: int) -> DocumentOffsetOut:
    return DocumentOffsetOut(
        detail=_("This upload is at byte %(offset)d: send the chunk that starts there.")
        % {"offset": expected},
        offset=expected,
    )


@router.post(
    "/files/uploads/{upload_id}/finish",
    response={201: UploadOut, **UPLOAD_REFUSALS},
)
def finish_upload(request: AuthenticatedRequest, upload_id: str) -> Status[Any]:
    """Makes the file once every byte has arrived (`400` before): a new file, or a new version
    (`new_document: false`). Content refused now (a program, the library full) ends the upload."""
    user = request.auth
    session = queries.access_upload(user, upload_id)
    try:
        result = upload_sessions.finish_upload(actor=user, session=session)
    except ValidationError as error:
        return _refused(error)
    return Status(
        201, UploadOut(file=_fresh(user, result.document.pk), new_document=result.is_new_document)
    )


@router.delete("/files/uploads/{upload_id}", response={204: None})
def abort_upload(request: AuthenticatedRequest, upload_id: str) -> Status[None]:
    """Cancels an upload: what was received is deleted."""
    session = queries.access_upload(request.auth, upload_id)
    upload_sessions.abort_upload(actor=request.auth, session=session)
    return Status(204, None)


@router.get("/files/{file_id}", response=DocumentFileOut)
def file_detail(request: AuthenticatedRequest, file_id: Id) -> DocumentFileOut:
    return _fresh(request.auth, file_id)


@router.patch("/files/{file_id}", response=DocumentFileOut)
def change_file(
    request: AuthenticatedRequest, file_id: Id, payload: FilePatchIn
) -> DocumentFileOut:
    """Rename and/or move a file (into a folder of any library I may write to)."""
    user = request.auth
    document = queries.access_document(user, file_id)
    if payload.name is None and payload.folder_id is None:
        raise HttpError(400, _("Give a new name or a folder."))
    target = queries.access_folder(user, payload.folder_id) if payload.folder_id else None
    if payload.name is not None:
        actions.rename(actor=user, item=document, name=payload.name)
    if target is not None:
        actions.move(actor=user, item=document, target=target)
    return _fresh(user, document.pk)


@router.delete("/files/{file_id}", response={204: None})
def delete_file(request: AuthenticatedRequest, file_id: Id) -> Status[None]:
    document = queries.access_document(request.auth, file_id)
    actions.trash(actor=request.auth, item=document)
    return Status(204, None)


@router.post("/files/{file_id}/restore", response=RestoredOut)
def restore_file(request: AuthenticatedRequest, file_id: Id) -> RestoredOut:
    document = queries.trashed_document(request.auth, file_id)
    return _restored_out(actions.restore(actor=request.auth, item=document))


@router.post("/files/{file_id}/copy", response={201: DocumentFileOut})
def copy_file(
    request: AuthenticatedRequest, file_id: Id, payload: CopyIn
) -> Status[DocumentFileOut]:
    user = request.auth
    document = queries.access_document(user, file_id)
    target = queries.access_folder(user, payload.folder_id)
    made = actions.copy(actor=user, item=document, target=target)
    return Status(201, _fresh(user, made.pk))


def _version_out(version: Version) -> DocumentVersionOut:
    return DocumentVersionOut(
        id=version.pk,
        number=version.number,
        size=version.size,
        content_type=version.content_type,
        sha256=version.blob.sha256,
        created_by=_person(version.created_by),
        created_at=version.created_at,
        restored_from=version.restored_from,
        download_url=reverse(
            "api-v1:documents_api_download_version", args=[version.document_id, version.number]
        ),
    )


@router.get("/files/{file_id}/versions", response=DocumentVersionListOut)
def file_versions(request: AuthenticatedRequest, file_id: Id) -> DocumentVersionListOut:
    document = queries.access_document(request.auth, file_id)
    return DocumentVersionListOut(items=[_version_out(v) for v in queries.versions_of(document)])


@router.post(
    "/files/{file_id}/versions",
    response={201: DocumentVersionOut, 413: DocumentRefusedOut, 507: DocumentRefusedOut},
)
@decorate_view(_capped(_cap_for_file, _library_for_file))
def new_version(
    request: AuthenticatedRequest, file_id: Id, file: File[UploadedFile]
) -> Status[DocumentVersionOut]:
    """A new version of the file (multipart/form-data: `file`); its name stays the file's.
    Counted while it arrives: over the largest file `413`, over the library's room `507`."""
    document = queries.access_document(request.auth, file_id, "version")
    version = actions.add_version(
        actor=request.auth, document=document, upload=file, name=file.name or ""
    )
    return Status(201, _version_out(version))


def _number(number: int) -> int:
    if number < 1 or number > 2**31:
        raise queries.NotFound(_("No such version."))
    return number


@router.post("/files/{file_id}/versions/{number}/restore", response={201: DocumentVersionOut})
def restore_version(
    request: AuthenticatedRequest, file_id: Id, number: Id
) -> Status[DocumentVersionOut]:
    """Makes an old version the current one again, as a new version."""
    document = queries.access_document(request.auth, file_id, "version")
    version = actions.restore_version(actor=request.auth, document=document, number=_number(number))
    return Status(201, _version_out(version))


# A download is the file's own bytes, whatever their type (a ZIP, a PDF, anything else).
_BYTES = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
DOWNLOAD_RESPONSES = {
    200: {"description": "The content", "content": _BYTES},
    206: {"description": "The range asked for", "content": _BYTES},
    304: {"description": "Not modified (`If-None-Match`)"},
    416: {"description": "The range is outside the file"},
}


@router.get(
    "/files/{file_id}/download",
    url_name="documents_api_download",
    response={200: None, 206: None, 304: None, 416: None},
    openapi_extra={"responses": DOWNLOAD_RESPONSES},
)
def download(request: AuthenticatedRequest, file_id: Id) -> HttpResponseBase:
    """The current version's content, streamed; HTTP range requests (`Range: bytes=…`) answer
    206 (one range) or 416; `ETag` is the SHA-256."""
    document = queries.access_document(request.auth, file_id)
    assert document.current is not None
    return downloads.serve_version(request, document.current, name=document.name)


@router.get(
    "/files/{file_id}/versions/{number}/download",
    url_name="documents_api_download_version",
    response={200: None, 206: None, 304: None, 416: None},
    openapi_extra={"responses": DOWNLOAD_RESPONSES},
)
def download_version(request: AuthenticatedRequest, file_id: Id, number: Id) -> HttpResponseBase:
    document = queries.access_document(request.auth, file_id)
    version = (
        Version.objects.select_related("blob")
        .filter(document=document, number=_number(number))
        .first()
    )
    if version is None:
        raise queries.NotFound(_("No such version."))
    return downloads.serve_version(request, version, name=document.name)


def _lock_out(user: User, lock: Lock) -> DocumentLockOut:
    return DocumentLockOut(
        id=lock.pk,
        owner=person_ref(lock.owner),
        since=lock.created_at,
        expires_at=lock.expires_at,
        depth=lock.depth,
        mine=lock.owner_id == user.pk,
    )


@router.get("/files/{file_id}/locks", response=list[DocumentLockOut])
def file_locks(request: AuthenticatedRequest, file_id: Id) -> list[DocumentLockOut]:
    """Who is editing the file: its locks and those of the folders above it (WebDAV, depth
    infinity); empty when nobody is."""
    document = queries.access_document(request.auth, file_id)
    return [_lock_out(request.auth, lock) for lock in queries.locks_on(document)]


@router.post("/files/{file_id}/lock", response={201: DocumentLockOut})
def lock_file(request: AuthenticatedRequest, file_id: Id) -> Status[DocumentLockOut]:
    """ "I am editing this": others still read the file; their changes are refused (403, saying
    who and since when) until it is unlocked or the lock expires."""
    document = queries.access_document(request.auth, file_id, "version")
    return Status(201, _lock_out(request.auth, actions.lock(actor=request.auth, item=document)))


@router.delete("/files/{file_id}/lock", response={204: None})
def unlock_file(request: AuthenticatedRequest, file_id: Id) -> Status[None]:
    """Releases one's lock; the space's admins (and the library's owner) break someone else's."""
    document = queries.access_document(request.auth, file_id)
    for held in queries.locks_on(document):
        actions.unlock(actor=request.auth, lock=held)
    return Status(204, None)


# --- Comments ----------------------------------------------------------------------------------


def _comment_out(row: queries.CommentRow) -> DocumentCommentOut:
    comment = row.comment
    return DocumentCommentOut(
        id=comment.pk,
        author=person_ref(comment.author),
        body=comment.body,
        body_html=comment.body_html,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        can_edit=row.can_edit,
        can_delete=row.can_delete,
    )


@router.get("/files/{file_id}/comments", response=DocumentCommentListOut)
def file_comments(request: AuthenticatedRequest, file_id: Id) -> DocumentCommentListOut:
    """The file's comments, oldest first (the first 500), with what I may do with each."""
    user = request.auth
    document = queries.access_document(user, file_id)
    rights = queries.item_rights(user, document)
    return DocumentCommentListOut(
        items=[_comment_out(row) for row in queries.comment_rows(user, document, rights)]
    )


@router.post("/files/{file_id}/comments", response={201: DocumentCommentOut})
def comment_file(
    request: AuthenticatedRequest, file_id: Id, payload: DocumentCommentIn
) -> Status[DocumentCommentOut]:
    """Comments on a file (whoever may read it; Markdown). Those who uploaded it or commented
    before are notified."""
    user = request.auth
    document = queries.access_document(user, file_id)
    comment = actions.add_comment(actor=user, document=document, body=payload.body)
    row = queries.CommentRow(comment=comment, can_edit=True, can_delete=True)
    return Status(201, _comment_out(row))


@router.patch("/files/{file_id}/comments/{comment_id}", response=DocumentCommentOut)
def edit_file_comment(
    request: AuthenticatedRequest, file_id: Id, comment_id: Id, payload: DocumentCommentIn
) -> DocumentCommentOut:
    """Changes my comment's text (its author only)."""
    user = request.auth
    document = queries.access_document(user, file_id)
    comment = queries.access_comment(user, document, comment_id)
    edited = actions.edit_comment(actor=user, comment=comment, body=payload.body)
    return _comment_out(
        queries.CommentRow(
            comment=edited, can_edit=True, can_delete=queries.can_delete_comment(user, edited)
        )
    )


@router.delete("/files/{file_id}/comments/{comment_id}", response={204: None})
def delete_file_comment(request: AuthenticatedRequest, file_id: Id, comment_id: Id) -> Status[None]:
    """Deletes a comment: its author, or whoever manages the library (403 for others)."""
    user = request.auth
    document = queries.access_document(user, file_id)
    actions.delete_comment(actor=user, comment=queries.access_comment(user, document, comment_id))
    return Status(204, None)


# --- Shares ------------------------------------------------------------------------------------


def _share_out(share: Share) -> ShareOut:
    space = share.space
    return ShareOut(
        id=share.pk,
        item_type="folder" if share.folder_id else "file",
        item_id=share.folder_id or share.document_id or 0,
        person=_person(share.user),
        space=ShareSpaceRef(id=space.pk, slug=space.slug, name=space.name) if space else None,
        access="write" if share.access == "write" else "read",
        created_at=share.created_at,
    )


def _shared_item(user: User, item_type: str, item_id: int) -> Folder | Document:
    """A file or folder whose shares `user` manages: its owner (missing: 404; someone else's
    that they may read: 403)."""
    item: Folder | Document = (
        queries.access_folder(user, item_id)
        if item_type == "folder"
        else queries.access_document(user, item_id)
    )
    if not queries.can_share(user, item):
        raise PermissionDenied(_("Only the owner of a file or folder may share it."))
    return item


def _list_shares(user: User, item_type: str, item_id: int) -> ShareListOut:
    item = _shared_item(user, item_type, item_id)
    return ShareListOut(items=[_share_out(s) for s in queries.shares_of(item)])


def _create_share(
    user: User, item_type: str, item_id: int, payload: DocumentShareIn
) -> Status[ShareOut]:
    item = _shared_item(user, item_type, item_id)
    if (payload.username is None) == (payload.space_id is None):
        raise ValidationError({"user": _("Choose one person or one space.")})
    grantee: dict[str, Any] = {}
    if payload.username is not None:
        person = pickable_person(user, payload.username)
        if person is None:
            raise ValidationError({"user": _("No such person.")})
        grantee["user"] = person
    else:
        space = queries.share_spaces(user).filter(pk=payload.space_id or 0).first()
        if space is None:
            raise ValidationError(
                {"space": _("You can share with the spaces you are a member of.")}
            )
        grantee["space"] = space
    made = actions.share(actor=user, item=item, access=payload.access, **grantee)
    made = Share.objects.select_related("user", "space").get(pk=made.pk)
    return Status(201, _share_out(made))


@router.get("/files/{file_id}/shares", response=ShareListOut)
def file_shares(request: AuthenticatedRequest, file_id: Id) -> ShareListOut:
    """Whom a file of My documents is shared with (its owner only)."""
    return _list_shares(request.auth, "file", file_id)


@router.post("/files/{file_id}/shares", response={201: ShareOut})
def share_file(
    request: AuthenticatedRequest, file_id: Id, payload: DocumentShareIn
) -> Status[ShareOut]:
    """Shares a file of My documents with one person (`username`) or one space I am a member of
    (`space_id`), `read` or `write`; sharing again with the same one changes the access."""
    return _create_share(request.auth, "file", file_id, payload)


@router.get("/folders/{folder_id}/shares", response=ShareListOut)
def folder_shares(request: AuthenticatedRequest, folder_id: Id) -> ShareListOut:
    """Whom a folder of My documents is shared with (its owner only)."""
    return _list_shares(request.auth, "folder", folder_id)


@router.post("/folders/{folder_id}/shares", response={201: ShareOut})
def share_folder(
    request: AuthenticatedRequest, folder_id: Id, payload: DocumentShareIn
) -> Status[ShareOut]:
    """Shares a folder of My documents, with what it holds now and later, as `share_file`."""
    return _create_share(request.auth, "folder", folder_id, payload)


@router.delete("/shares/{share_id}", response={204: None})
def revoke_share(request: AuthenticatedRequest, share_id: Id) -> Status[None]:
    """Ends a share at once (the item's owner, or an organisation admin)."""
    actions.revoke_share(actor=request.auth, share=queries.access_share(request.auth, share_id))
    return Status(204, None)


@router.get("/shared-with-me", response=SharedListOut)
def shared_with_me(request: AuthenticatedRequest) -> SharedListOut:
    """What others shared with me, directly or through a space I am a member of."""
    return SharedListOut(
        items=[
            SharedItemOut(
                type="folder" if entry.is_folder else "file",
                id=entry.item.pk,
                name=entry.item.name,
                owner=person_ref(entry.owner),
                access="write" if entry.access == "write" else "read",
                shared_at=entry.shared_at,
                through_spaces=entry.through,
            )
            for entry in queries.shared_with(request.auth)
        ]
    )
