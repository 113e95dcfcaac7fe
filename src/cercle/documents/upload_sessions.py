"""The actions of uploads in chunks, resumable (`/api/v1/files/uploads`, used by the library
page's script for large files and whole folders):

1. `start_upload` checks the rules and the largest file, and reserves the library's room for
   the size the client declares (`actions.reserve_room`, until the session expires), before any
   byte arrives;
2. `receive_chunk` stores each chunk at the offset the server expects (`received`); a chunk at
   another offset is refused with the offset to resume from (`OffsetMismatch`), so a client that
   lost a connection asks for the offset and goes on from there. The rules, the largest file and
   the reservation are checked again at each chunk: a refusal then ends the session;
3. `finish_upload` reads the chunks in order, as one file, through the same action as a whole
   upload (`actions.upload_file` or `actions.add_version`: content check, SHA-256, storage once,
   audit, notifications), handing it the session's reservation, then deletes the chunks.

`abort_upload` and `purge_expired_uploads` (run by `purge_document_trash`) delete a session,
its reservation and its chunks. A session is its creator's only: anyone else gets the not-found
error.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import tempfile
import uuid
from datetime import datetime, timedelta
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.core import writeback
from cercle.documents import actions, queries
from cercle.documents.models import Blob, Document, Folder, UploadSession
from cercle.documents.storage import blob_storage

# The largest chunk one request may bring (under deploy/nginx.conf's 12 MB for /api/); the page's
# script sends 8 MB.
MAX_CHUNK_BYTES = 10 * 1024 * 1024
PAGE_CHUNK_BYTES = 8 * 1024 * 1024
# Open sessions per person at once (each may hold chunks until it expires).
MAX_OPEN_SESSIONS = 100
CHUNK_READ = 1024 * 1024  # what finishing reads of the chunks at a time
MAX_DEPTH = 20  # sub-folders of a dropped folder's file, below the folder it is dropped on


class OffsetMismatch(Exception):
    """A chunk sent at an offset other than the one the server expects."""

    def __init__(self, expected: int) -> None:
        super().__init__(expected)
        self.expected = expected


def lifetime() -> timedelta:
    return timedelta(hours=settings.DOCUMENTS_UPLOAD_HOURS)


def _refused_size(message: str, code: str) -> ValidationError:
    return ValidationError({"size": ValidationError(message, code=code)})


def _check_largest(size: int) -> None:
    """The largest file (`too_large`), as it is now: an administrator may lower it during a
    transfer."""
    largest = actions.max_document_bytes()
    if size > largest:
        raise _refused_size(queries.file_too_large(largest), "too_large")


def _hold_room(
    library_id: int, size: int, expires_at: datetime, reservation: int | None = None
) -> int | None:
    """Reserves (or, given the session's `reservation`, renews) the room of the whole file in
    the library until the session expires (`actions.reserve_room`): refused (`quota`) when the
    library's usage, what the other uploads under way hold and `size` go past the quota."""
    try:
        return actions.reserve_room(
            library_id=library_id, size=size, reservation=reservation, expires_at=expires_at
        )
    except ValidationError as error:
        raise _refused_size(" ".join(error.messages), "quota") from error


def _staged_key() -> str:
    """Where the chunks of a new session are appended: the place its content will keep in the
    storage (`blobs/<2>/<key>`, as `actions.StagedContent`), when the storage has local paths;
    "" otherwise (S3: each chunk its own file). Nothing is written yet."""
    key = uuid.uuid4().hex
    name = f"blobs/{key[:2]}/{key}"
    try:
        blob_storage().path(name)
    except NotImplementedError:
        return ""
    return name


def _clean_path(path: str) -> str:
    parts = [p for p in str(path or "").replace("\\", "/").split("/") if p.strip(" .")]
    if len(parts) > MAX_DEPTH:
        raise ValidationError({"path": _("Folders cannot be nested that deep.")}, code="too_deep")
    return "/".join(actions.clean_item_name(p, field="path") for p in parts)


def start_upload(
    *,
    actor: User,
    size: int,
    folder: Folder | None = None,
    document: Document | None = None,
    name: str = "",
    path: str = "",
) -> UploadSession:
    """A session for a file of `size` bytes: a new file `name` in `folder` (under its sub-folders
    `path`, made when it finishes; a file of that name there becomes its new version), or a new
    version of `document`. Refused before any byte arrives when the person may not write there,
    the file is larger than allowed or the library has no room for it (counting the room the
    other uploads under way hold). The session reserves the room of its `size` until it ends:
    two sessions that together go past the quota cannot both start."""
    if document is not None:
        queries.check(actor, "version", document)
        actions._refuse_if_locked(actor, document)
        folder = document.folder
        name = document.name
        path = ""
    if folder is None:
        raise ValidationError({"folder_id": _("Choose a folder or a file.")}, code="required")
    queries.check(actor, "upload", folder)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValidationError({"size": _("Give the file's size in bytes (at least 1).")})
    name = actions.clean_item_name(name, field="name")
    path = _clean_path(path)
    _check_largest(size)
    if (
        UploadSession.objects.filter(created_by=actor, expires_at__gt=timezone.now()).count()
        >= MAX_OPEN_SESSIONS
    ):
        raise ValidationError(
            {"size": _("Too many uploads under way: finish or cancel some first.")},
            code="too_many",
        )
    expires_at = timezone.now() + lifetime()
    with transaction.atomic():
        reservation = _hold_room(folder.library_id, size, expires_at)
        return UploadSession.objects.create(
            id=uuid.uuid4(),
            created_by=actor,
            library_id=folder.library_id,
            folder=folder,
            document=document,
            name=name,
            path=path,
            size=size,
            expires_at=expires_at,
            reservation_id=reservation,
            staged_key=_staged_key(),
        )


def _delete_parts(names: list[str]) -> None:
    storage = blob_storage()
    for name in names:
        storage.delete(name)


def _part_names(session: UploadSession) -> list[str]:
    return [str(part[0]) for part in session.parts]


def _end(session: UploadSession, *, finished: bool = False) -> None:
    """Deletes the session and gives back its reservation (unless finishing handed it over),
    then deletes its chunks (called outside any transaction: once the row is gone no request
    can add to it or read it). The file the chunks were appended to is deleted too, unless
    `finished` (then it is the finish's `StagedContent`'s: recorded, or deleted by it) or a
    content recorded from it."""
    names = _part_names(session)
    with transaction.atomic():
        locked = UploadSession.objects.select_for_update().filter(pk=session.pk).first()
        if locked is not None:
            names = sorted(set(names) | set(_part_names(locked)))
            reservation = locked.reservation_id
            locked.delete()
            actions.release_room(reservation)
    _delete_parts(names)
    key = session.staged_key
    if key and not finished and not Blob.objects.filter(key=key).exists():
        blob_storage().delete(key)


def _cut_short() -> ValidationError:
    return ValidationError(
        {
            "chunk": ValidationError(
                _("The chunk did not arrive whole: send it again."), code="incomplete"
            )
        }
    )


def _open_locked(path: str, *, create: bool) -> tuple[IO[bytes], bool] | None:
    """The session's file open for writing and locked (`flock`: one chunk of a session at a
    time), and whether it was made here (`create`, for a first chunk); None when it is not
    there and may not be made. A file deleted or replaced while this waited for the lock is
    opened again (the lock must be the one of the file at `path`)."""
    while True:
        made = False
        try:
            descriptor = os.open(path, os.O_RDWR)
        except FileNotFoundError:
            if not create:
                return None
            os.makedirs(os.path.dirname(path), exist_ok=True)
            try:
                descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                continue  # made meanwhile by the same chunk sent again: take its lock
            made = True
        handle = os.fdopen(descriptor, "r+b")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            if os.path.exists(path) and os.path.samefile(path, handle.fileno()):
                return handle, made
        except BaseException:
            handle.close()
            raise
        handle.close()


def _forget_file(path: str, handle: IO[bytes]) -> None:
    """Deletes the session's file this request made (still the one at `path`)."""
    with contextlib.suppress(FileNotFoundError):
        if os.path.samefile(path, handle.fileno()):
            os.unlink(path)


def _append(
    session: UploadSession, offset: int, data: IO[bytes] | HttpRequest, length: int
) -> UploadSession:
    """Writes the chunk into the session's file at `offset` as its bytes are read from `data`
    (the request's body: no copy first), with the file locked (`_open_locked`) and no database
    transaction held while the client sends. The session's offset moves only once the whole
    chunk is written; a chunk cut short (fewer bytes than announced, a client gone) is cut off
    the file again, which is then as it was (not there at all, for a first chunk)."""
    path = blob_storage().path(session.staged_key)
    opened = _open_locked(path, create=offset == 0)
    if opened is None:  # a file that should be there is not: the session has ended
        now = UploadSession.objects.filter(pk=session.pk, finishing=False).first()
        if now is not None and now.received != offset:
            raise OffsetMismatch(now.received)
        raise queries.NotFound(_("No such upload."))
    handle, made = opened
    with handle:
        try:
            # With the file locked, no other chunk moves the offset, and no finish starts (it
            # waits for the last byte); the session may still be cancelled or expire meanwhile:
            # its file is then deleted under this one (its writes go nowhere).
            now = UploadSession.objects.filter(pk=session.pk).first()
            if now is None or now.finishing:
                raise queries.NotFound(_("No such upload."))
            if now.received != offset:
                raise OffsetMismatch(now.received)
        except BaseException:
            if made:
                _forget_file(path, handle)
            raise
        try:
            handle.seek(offset)
            handle.truncate()
            received = 0
            behind = writeback.Behind(handle, start=offset)
            while received < length:
                piece = data.read(min(CHUNK_READ, length - received))
                if not piece:
                    raise _cut_short()
                if received + len(piece) > length:
                    piece = piece[: length - received]
                handle.write(piece)
                received += len(piece)
                behind.written(offset + received)
            handle.flush()
            with transaction.atomic():
                locked = UploadSession.objects.select_for_update().filter(pk=session.pk).first()
                if locked is None or locked.finishing:
                    raise queries.NotFound(_("No such upload."))
                if locked.received != offset:
                    raise OffsetMismatch(locked.received)
                locked.received = offset + length
                locked.save(update_fields=["received"])
                return locked
        except BaseException:
            handle.truncate(offset)
            if offset == 0:
                _forget_file(path, handle)
            raise


def _spooled(data: IO[bytes] | HttpRequest, length: int) -> IO[bytes]:
    """A chunk's `length` bytes in a temporary file, whole, for a storage without local paths
    (each chunk is stored as its own file, which must not be cut short); `_cut_short`
    otherwise."""
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (returned open, closed by the caller)
    try:
        received = 0
        while received < length:
            piece = data.read(min(CHUNK_READ, length - received))
            if not piece:
                raise _cut_short()
            spool.write(piece[: length - received])
            received += min(len(piece), length - received)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool


def _still_allowed(actor: User, session: UploadSession) -> None:
    """The person may still write there, and the file still fits: otherwise the session ends
    and the refusal is raised. The session's reservation is renewed (made again if it was
    purged meanwhile): a quota lowered since the start refuses the next chunk."""
    try:
        if session.document_id is not None:
            document = queries.access_document(actor, session.document_id, "version")
            actions._refuse_if_locked(actor, document)
        else:
            queries.access_folder(actor, session.folder_id, "upload")
        _check_largest(session.size)
        held = _hold_room(
            session.library_id, session.size, session.expires_at, session.reservation_id
        )
    except (ValidationError, PermissionDenied, queries.NotFound):
        _end(session)
        raise
    if held != session.reservation_id:
        UploadSession.objects.filter(pk=session.pk).update(reservation_id=held)
        session.reservation_id = held


def receive_chunk(
    *, actor: User, session: UploadSession, offset: int, data: IO[bytes] | HttpRequest, length: int
) -> UploadSession:
    """Stores `length` bytes of `data` (the request's body, read as it arrives) at `offset`,
    which must be where the session is (`received`), else `OffsetMismatch`. A chunk past the
    declared size or larger than `MAX_CHUNK_BYTES` is refused; the rules and the room are
    checked again (`_still_allowed`); a chunk that does not arrive whole is refused
    (`incomplete`) and changes nothing. With a storage that has local paths the bytes go
    straight into the session's file (`_append`); otherwise each chunk is spooled whole, then
    stored as its own file."""
    if session.created_by_id != actor.pk:
        raise queries.NotFound(_("No such upload."))
    if offset != session.received:
        raise OffsetMismatch(session.received)
    if length < 1:
        raise ValidationError({"chunk": _("The chunk is empty.")}, code="empty")
    if length > MAX_CHUNK_BYTES:
        raise ValidationError(
            {
                "chunk": ValidationError(
                    _("A chunk is at most %(max)d MB.") % {"max": MAX_CHUNK_BYTES // 1024 // 1024},
                    code="too_large",
                )
            }
        )
    if offset + length > session.size:
        raise ValidationError(
            {"chunk": _("This chunk goes past the size given when the upload started.")},
            code="beyond",
        )
    _still_allowed(actor, session)
    if session.staged_key:  # appended where the content will be kept, as it arrives
        return _append(session, offset, data, length)
    with _spooled(data, length) as spool:
        name = blob_storage().save(session.part_name(len(session.parts)), File(spool, name="part"))
    try:
        with transaction.atomic():
            locked = UploadSession.objects.select_for_update().filter(pk=session.pk).first()
            if locked is None or locked.finishing:
                raise queries.NotFound(_("No such upload."))
            if locked.received != offset:
                raise OffsetMismatch(locked.received)
            locked.parts = [*locked.parts, [name, length]]
            locked.received = offset + length
            locked.save(update_fields=["parts", "received"])
            return locked
    except BaseException:
        blob_storage().delete(name)
        raise


class _PartsReader(io.RawIOBase):
    """The chunks of a session read in order as one file, seekable (the content check reads
    the head and, for zip files, the end), one chunk open at a time."""

    def __init__(self, parts: list[tuple[str, int]]) -> None:
        super().__init__()
        self.parts = parts
        self.starts: list[int] = []
        total = 0
        for _name, size in parts:
            self.starts.append(total)
            total += size
        self.size = total
        self.position = 0
        self.open_index = -1
        self.open_file: File[bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self.position
        elif whence == io.SEEK_END:
            offset += self.size
        self.position = max(0, offset)
        return self.position

    def _part_at(self, position: int) -> int:
        for index in range(len(self.parts) - 1, -1, -1):
            if self.starts[index] <= position:
                return index
        return 0

    def readinto(self, buffer: Any) -> int:
        if self.position >= self.size or not len(buffer):
            return 0
        index = self._part_at(self.position)
        if index != self.open_index:
            self._close_part()
            self.open_file = blob_storage().open(self.parts[index][0], "rb")
            self.open_index = index
        assert self.open_file is not None
        within = self.position - self.starts[index]
        want = min(len(buffer), self.parts[index][1] - within)
        self.open_file.seek(within)
        data = self.open_file.read(want)
        if not data:
            raise OSError("A chunk of the upload is shorter than recorded.")
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)

    def _close_part(self) -> None:
        if self.open_file is not None:
            self.open_file.close()
            self.open_file = None
            self.open_index = -1

    def close(self) -> None:
        self._close_part()
        super().close()


def _folder_for(actor: User, session: UploadSession) -> Folder:
    """The session's folder, then each of its sub-folders `path`, made if missing."""
    folder = queries.access_folder(actor, session.folder_id, "upload")
    for name in [p for p in session.path.split("/") if p]:
        existing = queries.living_subfolder_named(folder, name)
        if existing is None:
            existing = actions.create_folder(actor=actor, parent=folder, name=name)
        folder = existing
    return folder


def finish_upload(*, actor: User, session: UploadSession) -> actions.Uploaded:
    """The file, once every byte has arrived: a new document (or a new version of the one of
    that name) or a new version of the session's document. The session and its chunks are
    deleted whatever the outcome: a content refused at the end (a program, a full library) is
    refused for good. The session's reservation is handed over to the file: it is not counted
    against it, and goes in the transaction that records it."""
    if session.created_by_id != actor.pk:
        raise queries.NotFound(_("No such upload."))
    if session.received != session.size:
        raise ValidationError(
            {
                "size": _("%(received)d of %(size)d bytes have arrived: send the rest first.")
                % {"received": session.received, "size": session.size}
            },
            code="incomplete",
        )
    # Only one finish at a time: the one that marks the session takes it.
    claimed = UploadSession.objects.filter(
        pk=session.pk, received=session.size, finishing=False
    ).update(finishing=True)
    if not claimed:
        raise queries.NotFound(_("No such upload."))
    reservation = (
        UploadSession.objects.filter(pk=session.pk).values_list("reservation_id", flat=True).first()
    )
    reader: IO[bytes]
    if session.staged_key:
        # The file the chunks were appended to, recorded where it is (read once for its
        # SHA-256, not copied); the session's reservation goes with it.
        reader = actions.StagedContent.adopt(
            session.staged_key, name=session.name, reservation=reservation
        )
    else:
        reader = io.BufferedReader(
            _PartsReader([(str(name), int(size)) for name, size in session.parts]), CHUNK_READ
        )
    try:
        if session.document_id is not None:
            document = queries.access_document(actor, session.document_id, "version")
            version = actions.add_version(
                actor=actor,
                document=document,
                upload=reader,
                name=session.name,
                reservation=reservation,
            )
            return actions.Uploaded(document=document, version=version, is_new_document=False)
        folder = _folder_for(actor, session)
        return actions.upload_file(
            actor=actor,
            folder=folder,
            upload=reader,
            name=session.name,
            reservation=reservation,
        )
    finally:
        reader.close()
        _end(session, finished=True)


def abort_upload(*, actor: User, session: UploadSession) -> None:
    """Cancels an upload: the session and its chunks are deleted."""
    if session.created_by_id != actor.pk:
        raise queries.NotFound(_("No such upload."))
    _end(session)


def purge_expired_uploads(*, now: datetime | None = None) -> int:
    """Deletes the sessions past their expiry, and their chunks. Returns how many."""
    expired = list(UploadSession.objects.filter(expires_at__lt=now or timezone.now()))
    for session in expired:
        _end(session)
    return len(expired)
