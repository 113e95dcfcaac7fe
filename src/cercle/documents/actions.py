"""Every write of the document base: each checks the rule (`queries.can`), writes in one
transaction, and records its audit entry.

Contents go to the `documents` storage before the transaction, streamed in chunks and hashed
while they are copied (`store_content`); the transaction then finds or makes the `Blob` of that
SHA-256. Identical content is stored once: a second copy is deleted once the transaction has
committed, and a failed upload deletes what it stored, so nothing is left behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import re
import tempfile
import threading
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import PurePosixPath
from typing import IO, Any, cast
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cercle.accounts.models import User
from cercle.audit.actions import log_event
from cercle.core import uploads, writeback
from cercle.core.text import render_linked
from cercle.documents import activity, events, extraction, notifications, queries, tasks
from cercle.documents.models import (
    COMMENT_LENGTH,
    NAME_LENGTH,
    Blob,
    BlobText,
    Comment,
    DeadProperty,
    Document,
    Folder,
    Library,
    Lock,
    QuotaSettings,
    Reservation,
    Share,
    ShareAccess,
    Version,
)
from cercle.documents.storage import blob_storage
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Space

CHUNK_BYTES = 1024 * 1024


def max_document_bytes() -> int:
    """The largest file one upload may bring: the administrators' figure, at most
    `CERCLE_DOCUMENTS_MAX_UPLOAD_MB`."""
    return queries.max_file_mb() * queries.MB


# Any file but programs: PDF, office documents, text and zip files as what they are; anything
# else (images included) kept byte for byte as a download. Images are not re-encoded here: a
# document base gives back exactly what was put in (versions, checksums, sync clients).
DOCUMENT = uploads.Purpose(
    "document",
    accepts=uploads.DOCUMENTS | {uploads.ZIP},
    described=gettext_lazy("any file but programs"),
    max_bytes=max_document_bytes,
    any_other_file=True,
)

_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])$", re.IGNORECASE)
# What Windows cannot hold in a name (the path separators are taken apart before).
_WINDOWS_UNSAFE = re.compile(r'[<>:"|?*]')


def clean_item_name(name: str, *, field: str = "name") -> str:
    """A folder's or document's name: no path, no control or invisible format characters, none
    of the characters Windows refuses (`<>:"|?*`, replaced by `_`), at most 150 characters,
    never a reserved Windows name; a name left empty is a ValidationError at `field`. Other
    characters (accents, `€`, `!`…) are kept: names are escaped wherever they are shown."""
    raw = str(name or "")
    if not raw.replace("\x00", "").strip(" .\t\r\n"):
        raise ValidationError({field: _("Give a name.")}, code="required")
    text = unicodedata.normalize("NFC", raw)
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co"))
    cleaned = PurePosixPath(text.replace("\\", "/")).name
    cleaned = re.sub(r"\s+", " ", _WINDOWS_UNSAFE.sub("_", cleaned)).strip(" .") or "file"
    if len(cleaned) > NAME_LENGTH:
        stem, dot, ext = cleaned.rpartition(".")
        if dot and stem and len(ext) < 10:
            cleaned = stem[: NAME_LENGTH - len(ext) - 1].rstrip(" .") + dot + ext
    if _RESERVED.match(PurePosixPath(cleaned).stem):
        cleaned = f"_{cleaned}"
    return cleaned[:NAME_LENGTH]


def _name_conflict(name: str, field: str = "name") -> ValidationError:
    return ValidationError(
        {field: _("Something named “%(name)s” is already in this folder.") % {"name": name}},
        code="exists",
    )


def free_name(folder: Folder, name: str, *, extension: bool = True) -> str:
    """`name`, or `name (2)`, `name (3)`… the first not taken in `folder` (the number before
    the extension, for a document's name)."""
    if not queries.name_taken(folder, name):
        return name
    stem, dot, ext = name.rpartition(".")
    if not stem or not extension:
        stem, dot, ext = name, "", ""
    for n in range(2, 10_000):
        suffix = f" ({n})"
        candidate = f"{stem[: NAME_LENGTH - len(suffix) - len(dot) - len(ext)]}{suffix}{dot}{ext}"
        if not queries.name_taken(folder, candidate):
            return candidate
    raise _name_conflict(name)


# --- Libraries ---------------------------------------------------------------------------------


def _make_library(**owner: Any) -> Library:
    with transaction.atomic():
        library, created = Library.objects.get_or_create(**owner)
        if created:
            root = Folder.objects.create(library=library, parent=None, name="")
            root.path = f"/{root.pk}/"
            root.save(update_fields=["path"])
    return library


def space_library(*, space: Space) -> Library:
    """The space's library, created the first time the space's documents are opened."""
    library = Library.objects.filter(space=space).select_related("space").first()
    if library is not None:
        return library
    try:
        return _make_library(space=space)
    except IntegrityError:  # made at the same moment by another request
        return Library.objects.select_related("space").get(space=space)


def personal_library(*, user: User) -> Library:
    """The person's "My documents", created when first opened."""
    library = Library.objects.filter(owner=user).select_related("owner").first()
    if library is not None:
        return library
    try:
        return _make_library(owner=user)
    except IntegrityError:
        return Library.objects.select_related("owner").get(owner=user)


def root_of(library: Library) -> Folder:
    return Folder.objects.select_related("library", "library__space", "library__owner").get(
        library=library, parent__isnull=True
    )


# --- Contents ----------------------------------------------------------------------------------


class _HashingReader(File):  # type: ignore[type-arg]
    """A file whose reads feed a SHA-256, as long as they run from start to end in order (the
    local storage reads it so; a store that reads otherwise makes `digest` None)."""

    def __init__(self, file: IO[bytes], name: str) -> None:
        super().__init__(file, name=name)
        self.source = file
        self.hash = hashlib.sha256()
        self.position = 0
        self.in_order = True

    def seek(self, offset: int, whence: int = 0) -> int:
        result = self.source.seek(offset, whence)
        if self.source.tell() != self.position:
            self.in_order = False
        return int(result or 0)

    def read(self, size: int = -1) -> bytes:
        if self.source.tell() != self.position:
            self.in_order = False
        data: bytes = self.source.read(size)
        if self.in_order:
            self.hash.update(data)
            self.position += len(data)
        return data

    def digest(self, size: int) -> str | None:
        return self.hash.hexdigest() if self.in_order and self.position == size else None


class _Sha256Behind:
    """The SHA-256 of an upload's blocks, taken on a thread of its own: the request's thread
    writes a block while the previous ones are hashed (hashlib and file writes release the GIL
    for large blocks), so writing and hashing — each about 0.3–0.7 s of CPU per GB — overlap on
    the second core instead of adding up (docs/benchmarks.md, "1 GB transfers").

    Blocks are hashed in the order given. Small uploads are hashed where they are written: the
    thread starts at the first block of `THREAD_FROM` bytes or more, and at most `AHEAD` blocks
    wait for it (the writer waits when they do: memory stays bounded, ~256 kB to 1 MB a block).
    `hexdigest()` waits for the last block; `stop()` ends the thread without a digest."""

    THREAD_FROM = 64 * 1024
    AHEAD = 16

    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self._blocks: queue.Queue[bytes | None] | None = None
        self._thread: threading.Thread | None = None

    def update(self, data: bytes) -> None:
        if not isinstance(data, bytes):
            data = bytes(data)  # hashed later: not a buffer its writer may fill again
        if self._blocks is None:
            if len(data) < self.THREAD_FROM:
                self.hash.update(data)
                return
            self._blocks = queue.Queue(maxsize=self.AHEAD)
            self._thread = threading.Thread(
                target=self._run, args=(self._blocks,), name="cercle-sha256", daemon=True
            )
            self._thread.start()
        self._blocks.put(data)

    def _run(self, blocks: queue.Queue[bytes | None]) -> None:
        while (block := blocks.get()) is not None:
            self.hash.update(block)

    def stop(self) -> None:
        """Waits for the blocks given so far to be hashed, and ends the thread."""
        blocks, self._blocks = self._blocks, None
        if blocks is not None and self._thread is not None:
            blocks.put(None)
            self._thread.join()
            self._thread = None

    def hexdigest(self) -> str:
        self.stop()
        return self.hash.hexdigest()


@dataclass
class StoredContent:
    name: str
    sha256: str
    size: int


def _hash_of(content: IO[bytes]) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    content.seek(0)
    while chunk := content.read(CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
    content.seek(0)
    return digest.hexdigest(), size


def store_content(content: IO[bytes], size: int) -> StoredContent:
    """Copies `content` to the documents storage in chunks, hashing it on the way."""
    content.seek(0)
    reader = _HashingReader(content, name="blob")
    reader.DEFAULT_CHUNK_SIZE = CHUNK_BYTES
    key = uuid.uuid4().hex
    name = blob_storage().save(f"blobs/{key[:2]}/{key}", reader)
    sha256 = reader.digest(size)
    if sha256 is None:
        sha256, size = _hash_of(content)
    return StoredContent(name=name, sha256=sha256, size=size)


class StagedContent(UploadedFile):  # type: ignore[type-arg]
    """An upload written once, as it arrives, straight to where the documents storage keeps it
    (`blobs/<2>/<key>`, a random key): hashed (SHA-256) and counted on the way, refused at the
    first write past the largest file or past the room reserved for it in the library
    (`reserve_room`, grown as the bytes arrive), so the request stops there. With a storage
    that has no local path (S3), the bytes go to one temporary file, then to the storage once.

    `upload_file` and `add_version` take it as any upload (the content checks read it where it
    is) and record it without copying it again. Until one of them has recorded it (`kept`),
    `discard()` — called by `close()`, so by the request's end whatever failed — deletes the
    file and gives back its reservation: a client gone mid-body, a refusal, a bad type or any
    error leaves nothing behind."""

    def __init__(
        self,
        name: str,
        *,
        content_type: str = "application/octet-stream",
        file_bytes: int | None = None,
        file_message: str = "",
        library_id: int | None = None,
        declared: int | None = None,
        existing: str | None = None,
    ) -> None:
        storage = blob_storage()
        key = uuid.uuid4().hex
        self.key = existing or f"blobs/{key[:2]}/{key}"
        self.local_path: str | None
        try:
            self.local_path = storage.path(self.key)
        except NotImplementedError:
            self.local_path = None
        if existing is not None:
            # `adopt`: written already (a local path), read below.
            assert self.local_path is not None
            handle: IO[bytes] = open(self.local_path, "r+b")  # noqa: SIM115  (closed by discard)
        elif self.local_path is not None:
            os.makedirs(os.path.dirname(self.local_path), exist_ok=True)
            handle = open(self.local_path, "x+b")  # noqa: SIM115  (closed by discard)
        else:
            handle = tempfile.NamedTemporaryFile(suffix=".upload")  # noqa: SIM115
        super().__init__(handle, name=name, content_type=content_type, size=0)
        self.handle = handle
        # Only a file the storage keeps is worth writing to the disk as it arrives (the
        # temporary one of a remote storage is read back and deleted).
        self.behind = writeback.Behind(handle) if self.local_path is not None else None
        self.file_bytes = file_bytes
        self.file_message = file_message
        self.library_id = library_id
        self.hash = _Sha256Behind()
        self.written = 0
        self.kept = False
        self.stored: StoredContent | None = None
        self.reservation: int | None = None
        self.reserved = 0
        if existing is not None:
            while chunk := handle.read(CHUNK_BYTES):
                self.hash.update(chunk)
                self.written += len(chunk)
            self.size = self.written
            handle.seek(0)
        if library_id is not None:
            try:
                self._reserve(max(declared or 0, 0))
            except BaseException:
                self.discard()
                raise

    @classmethod
    def adopt(cls, key: str, *, name: str, reservation: int | None = None) -> StagedContent:
        """A file already written at its place in the storage (`key`, a local path: an upload in
        chunks appends them there), hashed and counted by reading it, with its upload's
        `reservation`: recorded without copying it, deleted and the room given back unless
        recorded, as any staged upload."""
        staged = cls(name, existing=key)
        staged.reservation = reservation
        return staged

    def _reserve(self, size: int) -> None:
        assert self.library_id is not None
        # Taken by steps (8 MB at least) as the bytes arrive past what was declared.
        self.reservation = reserve_room(
            library_id=self.library_id, size=size, reservation=self.reservation
        )
        self.reserved = size

    def write(self, data: bytes) -> int:  # type: ignore[override]
        written = self.written + len(data)
        if self.file_bytes is not None and written > self.file_bytes:
            raise ValidationError({"file": ValidationError(self.file_message, code="too_large")})
        if self.library_id is not None and written > self.reserved:
            # By steps of 8 MB (a query per step, not per chunk), or just what is written
            # when the room left is less than a step.
            try:
                self._reserve(max(written, self.reserved + 8 * 1024 * 1024))
            except ValidationError:
                self._reserve(written)
        self.handle.write(data)
        self.hash.update(data)
        if self.behind is not None:
            self.behind.written(written)
        self.written = written
        self.size = written
        return len(data)

    def finish(self) -> StoredContent:
        """The content as stored (once: with a storage without local path, copied there now)."""
        if self.stored is None:
            self.handle.flush()
            if self.local_path is not None:
                name = self.key
            else:
                self.handle.seek(0)
                name = blob_storage().save(self.key, File(self.handle, name="blob"))
            self.stored = StoredContent(name=name, sha256=self.hash.hexdigest(), size=self.written)
        self.handle.seek(0)
        return self.stored

    def recorded(self) -> None:
        """Its document is recorded (after the commit): the file is the blob's (or, when that
        content was stored already, deleted by `_blob_for`), the reservation gone with it."""
        self.kept = True
        self.close()

    def discard(self) -> None:
        """Deletes what was written and gives back the reservation, unless it is recorded."""
        self.hash.stop()
        if not self.handle.closed:
            self.handle.close()
        if self.kept:
            return
        if self.stored is not None:
            _discard(self.stored)  # unless a blob names it (recorded, its commit not run yet)
        elif self.local_path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.local_path)
        reservation, self.reservation = self.reservation, None
        release_room(reservation)

    def close(self) -> None:
        self.discard()


def _discard(stored: StoredContent) -> None:
    """Deletes a stored file unless a blob names it."""
    if not Blob.objects.filter(key=stored.name).exists():
        blob_storage().delete(stored.name)


def _blob_for(stored: StoredContent) -> Blob:
    """The blob of this content, made from `stored` if new; otherwise `stored` is deleted after
    the commit (the content is kept once). Inside the caller's transaction."""
    blob = Blob.objects.select_for_update().filter(sha256=stored.sha256).first()
    if blob is None:
        try:
            with transaction.atomic():
                made = Blob.objects.create(sha256=stored.sha256, size=stored.size, key=stored.name)
            _analyse_after_commit(made)
            return made
        except IntegrityError:
            blob = Blob.objects.select_for_update().get(sha256=stored.sha256)
    name = stored.name
    transaction.on_commit(lambda: blob_storage().delete(name))
    return blob


def _new_version(
    *,
    actor: User,
    document: Document,
    blob: Blob,
    content_type: str,
    restored_from: int | None = None,
) -> Version:
    last = (
        Version.objects.filter(document=document)
        .order_by("-number")
        .values_list("number", flat=True)
    ).first()
    version = Version.objects.create(
        document=document,
        number=(last or 0) + 1,
        blob=blob,
        size=blob.size,
        content_type=content_type,
        created_by=actor,
        restored_from=restored_from,
    )
    document.current = version
    document.save(update_fields=["current", "updated_at"])
    return version


# --- Quotas ------------------------------------------------------------------------------------


def _quota_error(quota: queries.Quota, field: str = "file") -> ValidationError:
    # The code on the field's error, where WebDAV (`dav._as_dav_errors`: 507) finds it.
    return ValidationError({field: ValidationError(queries.quota_refused(quota), code="quota")})


def _lock_library(library_id: int) -> Library:
    """One write at a time that may add to a library's usage (inside the caller's transaction),
    so that two uploads cannot both take the last of the room; the row as it is now (its quota
    may have changed since the request read it)."""
    return Library.objects.select_for_update().get(pk=library_id)


def _refuse_beyond_quota(
    library: Library, blob_ids: Any, field: str = "file", *, reservation: int | None = None
) -> None:
    """A ValidationError (code `quota`) when the contents `blob_ids` would take the library
    past its quota, counting the room the other uploads under way hold (all but
    `reservation`, the caller's own); inside the caller's transaction, after `_lock_library`."""
    if not queries.limit_mb(library):
        return
    quota = queries.quota_of(library)
    if quota.limit is None:
        return
    held = queries.reserved(library.pk, exclude=reservation)
    if not quota.fits(queries.bytes_added(library, blob_ids) + held):
        raise _quota_error(quota, field)


RESERVATION_MINUTES = 60


def _reservation_expiry() -> datetime:
    return timezone.now() + timedelta(minutes=RESERVATION_MINUTES)


def reserve_room(
    *,
    library_id: int,
    size: int,
    reservation: int | None = None,
    expires_at: datetime | None = None,
) -> int | None:
    """Holds `size` bytes of the library's room for an upload under way, before its bytes are
    written (or, given its `reservation`, grows it to `size` as they arrive, and renews it), with
    the library's row locked: refused (ValidationError, code `quota`) when the library's usage,
    what the other uploads hold and `size` go past the quota. The reservation's id (None for a
    library without a quota, which has nothing to hold). It lasts `RESERVATION_MINUTES` from
    now, or until `expires_at` (an upload in chunks: its session's expiry)."""
    expires_at = expires_at or _reservation_expiry()
    with transaction.atomic():
        library = _lock_library(library_id)
        if not queries.limit_mb(library):
            return reservation
        quota = queries.quota_of(library)
        if quota.limit is None:
            return reservation
        if not quota.fits(queries.reserved(library_id, exclude=reservation) + size):
            raise _quota_error(quota)
        if reservation is not None:
            updated = Reservation.objects.filter(pk=reservation).update(
                size=size, expires_at=expires_at
            )
            if updated:
                return reservation
        made = Reservation.objects.create(library_id=library_id, size=size, expires_at=expires_at)
        return made.pk


def release_room(reservation: int | None) -> None:
    """Gives back an upload's reservation (it failed, or its document is recorded)."""
    if reservation is not None:
        Reservation.objects.filter(pk=reservation).delete()


def purge_expired_reservations() -> int:
    """Removes the reservations of uploads that never ended (a process that died): they count
    for nothing already."""
    deleted, _rows = Reservation.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


def _refuse_if_no_room(library: Library, size: int, reservation: int | None = None) -> None:
    """Before storing anything: a file larger than the room left (less what the other uploads
    under way hold, all but the upload's own `reservation`) is refused (even when the same
    content is in the library already: its size is all that is known then)."""
    if not queries.limit_mb(library):
        return
    quota = queries.quota_of(library)
    held = queries.reserved(library.pk, exclude=reservation)
    if not quota.fits(size + held):
        raise _quota_error(quota)


def set_library_quota(*, actor: User, library: Library, quota_mb: int | None) -> Library:
    """An administrator gives a library (a space's, or a person's "My documents") a quota of its
    own in MB (0: no limit), or puts it back on its kind's default (None). Audited."""
    if not queries.may_set_quotas(actor):
        raise PermissionDenied(_("Only administrators may set quotas."))
    if quota_mb is not None and not 0 <= quota_mb <= 2**31 - 1:
        raise ValidationError({"quota_mb": _("Give a number of MB, 0 for no limit.")})
    with transaction.atomic():
        current = Library.objects.select_for_update().get(pk=library.pk)
        old = current.quota_mb
        if old == quota_mb:
            return current
        current.quota_mb = quota_mb
        current.save(update_fields=["quota_mb"])
        log_event(
            actor=actor,
            action="documents.quota_set",
            target=current.space if current.space_id is not None else current.owner,
            old={"quota_mb": old},
            new={"quota_mb": quota_mb},
            extra={"library": current.pk},
        )
    library.quota_mb = quota_mb
    return library


def set_quota_defaults(
    *,
    actor: User,
    space_quota_mb: int | None,
    person_quota_mb: int | None,
    max_file_mb: int | None,
) -> QuotaSettings:
    """The organisation's defaults: a space's quota, a person's, and the largest file (MB;
    None follows the settings; a quota of 0 is no limit; the largest file is at most
    `CERCLE_DOCUMENTS_MAX_UPLOAD_MB`). Audited."""
    if not queries.may_set_quotas(actor):
        raise PermissionDenied(_("Only administrators may set quotas."))
    ceiling = queries.max_upload_setting_mb()
    if max_file_mb is not None and not 1 <= max_file_mb <= ceiling:
        raise ValidationError(
            {"max_file_mb": _("Between 1 and %(max)d MB (the server's limit).") % {"max": ceiling}}
        )
    for name, value in (("space_quota_mb", space_quota_mb), ("person_quota_mb", person_quota_mb)):
        if value is not None and not 0 <= value <= 2**31 - 1:
            raise ValidationError({name: _("Give a number of MB, 0 for no limit.")})
    with transaction.atomic():
        row, _created = QuotaSettings.objects.select_for_update().get_or_create(pk=1)
        fields = ("space_quota_mb", "person_quota_mb", "max_file_mb")
        old = {name: getattr(row, name) for name in fields}
        new = {
            "space_quota_mb": space_quota_mb,
            "person_quota_mb": person_quota_mb,
            "max_file_mb": max_file_mb,
        }
        if old == new:
            return row
        for name, value in new.items():
            setattr(row, name, value)
        row.save()
        log_event(
            actor=actor,
            action="documents.quota_defaults_set",
            old={k: v for k, v in old.items() if v != new[k]},
            new={k: v for k, v in new.items() if v != old[k]},
        )
    return row


@dataclass
class Uploaded:
    document: Document
    version: Version
    is_new_document: bool


def _checked(upload: IO[bytes], name: str, allow_empty: bool = False) -> uploads.CheckedFile:
    if allow_empty and _is_empty(upload):
        clean = uploads.clean_name(name)
        return uploads.CheckedFile(
            name=clean,
            content=File(upload, name=clean),
            content_type=uploads.OTHER.content_type,
            size=0,
            kind=uploads.OTHER,
        )
    try:
        return uploads.check(upload, name, DOCUMENT)
    except ValidationError as error:
        raise ValidationError(
            {"file": [ValidationError(message, code=error.code) for message in error.messages]}
        ) from error


def upload_file(
    *,
    actor: User,
    folder: Folder,
    upload: IO[bytes],
    name: str,
    allow_empty: bool = False,
    exact_name: bool = False,
    announce: bool = True,
    reservation: int | None = None,
) -> Uploaded:
    """A new document in `folder`, or, when a document of that name is already there, its new
    version. For WebDAV clients: `allow_empty` keeps an empty file rather than refusing it,
    `exact_name` keeps the name (cleaned) without the extension of its content's type added.
    A new file in a space's library is told in its feed (`activity.files_added`) unless
    `announce` is False (the demo organisation, whose wall is dated month by the feed).
    `reservation`: the room an upload in chunks holds (`upload_sessions`), handed over here: it
    is not counted against this file, and goes in the transaction that records it."""
    staged = upload if isinstance(upload, StagedContent) else None
    if staged is not None:
        reservation = staged.reservation
    try:
        queries.check(actor, "upload", folder)
        checked = _checked(upload, name, allow_empty)
        if exact_name:
            checked.name = clean_item_name(name, field="file")
        _refuse_if_no_room(folder.library, checked.size, reservation)
        stored = _stored(checked, staged)
    except BaseException:
        if staged is not None:
            staged.discard()
        raise
    try:
        with transaction.atomic():
            library = _lock_library(folder.library_id)
            Folder.objects.select_for_update().filter(pk=folder.pk).first()  # one upload at a time
            existing = queries.living_document_named(folder, checked.name)
            if existing is None and queries.name_taken(folder, checked.name):
                raise _name_conflict(checked.name, "file")
            blob = _blob_for(stored)
            _refuse_beyond_quota(library, [blob.pk], reservation=reservation)
            release_room(reservation)
            if staged is not None:
                transaction.on_commit(staged.recorded)
            if existing is not None:
                queries.check(actor, "version", existing)
                _refuse_if_locked(actor, existing)
                version = _new_version(
                    actor=actor, document=existing, blob=blob, content_type=checked.content_type
                )
                _log_version(actor, existing, version)
                notifications.on_new_version(actor=actor, document=existing)
                return Uploaded(document=existing, version=version, is_new_document=False)
            document = Document.objects.create(
                library=folder.library, folder=folder, name=checked.name, created_by=actor
            )
            version = _new_version(
                actor=actor, document=document, blob=blob, content_type=checked.content_type
            )
            log_event(
                actor=actor,
                action="documents.uploaded",
                target=document,
                new={"name": document.name, "folder": folder.pk, "size": version.size},
                extra={"library": folder.library_id, "sha256": blob.sha256},
            )
            if announce and version.size > 0:
                activity.files_added(actor=actor, documents=[document])
            return Uploaded(document=document, version=version, is_new_document=True)
    except BaseException:
        _discard(stored)
        if staged is not None:
            staged.discard()
        raise


def _stored(checked: uploads.CheckedFile, staged: StagedContent | None) -> StoredContent:
    """The checked content in the storage: where a staged upload already is, or copied there."""
    if staged is not None:
        return staged.finish()
    return store_content(checked.content, checked.size)


def _log_version(actor: User, document: Document, version: Version) -> None:
    log_event(
        actor=actor,
        action="documents.version_added",
        target=document,
        new={"version": version.number, "size": version.size},
        extra={"library": document.library_id, "sha256": version.blob.sha256},
    )


def add_version(
    *,
    actor: User,
    document: Document,
    upload: IO[bytes],
    name: str = "",
    allow_empty: bool = False,
    reservation: int | None = None,
) -> Version:
    """A new version of `document` from `upload` (its name stays the document's);
    `reservation` as for `upload_file`."""
    staged = upload if isinstance(upload, StagedContent) else None
    if staged is not None:
        reservation = staged.reservation
    try:
        queries.check(actor, "version", document)
        _refuse_if_locked(actor, document)
        checked = _checked(upload, name or document.name, allow_empty)
        _refuse_if_no_room(document.library, checked.size, reservation)
        stored = _stored(checked, staged)
    except BaseException:
        if staged is not None:
            staged.discard()
        raise
    try:
        with transaction.atomic():
            library = _lock_library(document.library_id)
            Document.objects.select_for_update().filter(pk=document.pk).first()
            blob = _blob_for(stored)
            _refuse_beyond_quota(library, [blob.pk], reservation=reservation)
            release_room(reservation)
            if staged is not None:
                transaction.on_commit(staged.recorded)
            version = _new_version(
                actor=actor, document=document, blob=blob, content_type=checked.content_type
            )
            _log_version(actor, document, version)
            notifications.on_new_version(actor=actor, document=document)
            return version
    except BaseException:
        _discard(stored)
        if staged is not None:
            staged.discard()
        raise


def restore_version(*, actor: User, document: Document, number: int) -> Version:
    """Makes version `number` the current one again, as a new version (the history is kept)."""
    queries.check(actor, "version", document)
    _refuse_if_locked(actor, document)
    with transaction.atomic():
        Document.objects.select_for_update().filter(pk=document.pk).first()
        old = (
            Version.objects.filter(document=document, number=number).select_related("blob").first()
        )
        if old is None:
            raise ValidationError({"version": _("No such version.")}, code="invalid")
        version = _new_version(
            actor=actor,
            document=document,
            blob=old.blob,
            content_type=old.content_type,
            restored_from=old.number,
        )
        log_event(
            actor=actor,
            action="documents.version_restored",
            target=document,
            old={"version": old.number},
            new={"version": version.number},
            extra={"library": document.library_id},
        )
        notifications.on_new_version(actor=actor, document=document)
        return version


# --- Folders -----------------------------------------------------------------------------------


MAX_PATH = 1900  # `Folder.path` holds 2000 characters: about 200 levels of folders


def _too_deep() -> ValidationError:
    return ValidationError({"target": _("Folders cannot be nested that deep.")}, code="too_deep")


def create_folder(*, actor: User, parent: Folder, name: str) -> Folder:
    queries.check(actor, "upload", parent)
    name = clean_item_name(name)
    if len(parent.path) + 21 > MAX_PATH:
        raise _too_deep()
    with transaction.atomic():
        Folder.objects.select_for_update().filter(pk=parent.pk).first()
        if queries.name_taken(parent, name):
            raise _name_conflict(name)
        folder = Folder.objects.create(
            library_id=parent.library_id, parent=parent, name=name, created_by=actor
        )
        folder.path = f"{parent.path}{folder.pk}/"
        folder.save(update_fields=["path"])
        folder.library = parent.library
        log_event(
            actor=actor,
            action="documents.folder_created",
            target=folder,
            new={"name": name, "parent": parent.pk},
            extra={"library": parent.library_id},
        )
    return folder


def rename(*, actor: User, item: Folder | Document, name: str) -> Folder | Document:
    queries.check(actor, "rename", item)
    _refuse_if_locked(actor, item)
    new_name = clean_item_name(name)
    old_name = item.name
    if new_name == old_name:
        return item
    parent = item.parent if isinstance(item, Folder) else item.folder
    assert parent is not None
    with transaction.atomic():
        Folder.objects.select_for_update().filter(pk=parent.pk).first()
        if queries.name_taken(parent, new_name, exclude=item):
            raise _name_conflict(new_name)
        item.name = new_name
        item.save(update_fields=["name", "updated_at"])
        _relocate_locks(item)
        log_event(
            actor=actor,
            action="documents.renamed",
            target=item,
            old={"name": old_name},
            new={"name": new_name},
            extra={"library": item.library_id},
        )
    return item


def _check_target(actor: User, target: Folder) -> None:
    if not queries.can(actor, "upload", target) or not queries.is_alive(target):
        raise PermissionDenied(_("You may not add files to that folder."))


def move(
    *, actor: User, item: Folder | Document, target: Folder, name: str | None = None
) -> Folder | Document:
    """Moves a folder (with everything in it) or a document into `target`, in the same library
    or another one the person may write to. A name already taken there is refused. `name`:
    renamed on the way (WebDAV's MOVE), in the same transaction."""
    queries.check(actor, "move", item)
    _refuse_if_locked(actor, item)
    _check_target(actor, target)
    new_name = item.name if name is None else clean_item_name(name)
    if isinstance(item, Folder):
        if target.path.startswith(item.path):
            raise ValidationError(
                {"target": _("A folder cannot be moved into itself.")}, code="invalid"
            )
        longest = (
            Folder.objects.filter(path__startswith=item.path)
            .annotate(length=Length("path"))
            .aggregate(longest=Max("length"))["longest"]
        ) or len(item.path)
        if len(target.path) + longest - len(item.path) + 21 > MAX_PATH:
            raise _too_deep()
        old_parent = item.parent_id
    else:
        old_parent = item.folder_id
    if old_parent == target.pk:
        return item if new_name == item.name else rename(actor=actor, item=item, name=new_name)
    with transaction.atomic():
        if target.library_id != item.library_id:  # every version counts in its new library
            library = _lock_library(target.library_id)
            inside = (
                Document.objects.filter(pk=item.pk)
                if isinstance(item, Document)
                else Document.objects.filter(
                    library_id=item.library_id, folder__path__startswith=item.path
                )
            )
            _refuse_beyond_quota(
                library,
                Version.objects.filter(document__in=inside).values("blob_id"),
                "target",
            )
        Folder.objects.select_for_update().filter(pk=target.pk).first()
        if queries.name_taken(target, new_name):
            raise _name_conflict(new_name, "target")
        old_library = item.library_id
        old_name = item.name
        ids: list[int] = []
        if isinstance(item, Document):
            item.folder = target
            item.name = new_name
            item.library_id = target.library_id
            item.save(update_fields=["folder", "name", "library", "updated_at"])
        else:
            old_path, new_path = item.path, f"{target.path}{item.pk}/"
            descendants = Folder.objects.filter(path__startswith=old_path)
            ids = list(descendants.values_list("pk", flat=True))
            descendants.update(
                path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
                library_id=target.library_id,
            )
            Document.objects.filter(folder_id__in=ids).update(library_id=target.library_id)
            Folder.objects.filter(pk=item.pk).update(
                parent=target, name=new_name, updated_at=timezone.now()
            )
            item.refresh_from_db()
        if old_library != target.library_id:
            # A share belongs to its owner's library: what leaves it is no longer shared.
            if isinstance(item, Document):
                Share.objects.filter(document=item).delete()
            else:
                Share.objects.filter(Q(folder_id__in=ids) | Q(document__folder_id__in=ids)).delete()
        _relocate_locks(item)
        log_event(
            actor=actor,
            action="documents.moved",
            target=item,
            old={"folder": old_parent, "library": old_library, "name": old_name},
            new={"folder": target.pk, "library": target.library_id, "name": new_name},
        )
    return item


def copy(
    *,
    actor: User,
    item: Folder | Document,
    target: Folder,
    name: str | None = None,
    contents: bool = True,
) -> Folder | Document:
    """Copies a document (its current version) or a folder (its living content) into `target`;
    the bytes are not copied, the new versions point to the same blobs. A taken name gets a
    number: "report (2).pdf". WebDAV's COPY gives the `name` (refused when taken) and copies a
    folder without its `contents` (it copies each member itself)."""
    queries.check(actor, "read", item)
    _check_target(actor, target)
    if isinstance(item, Folder) and item.parent_id is None:
        raise ValidationError(
            {"folder": _("A library's root cannot be copied: copy the folders and files in it.")}
        )
    if isinstance(item, Folder) and target.path.startswith(item.path):
        raise ValidationError({"target": _("A folder cannot be copied into itself.")})
    with transaction.atomic():
        library = _lock_library(target.library_id)
        # A copy holds the current versions: those of its contents the library lacks count.
        if isinstance(item, Document):
            copying = Version.objects.filter(pk=item.current_id or 0).values("blob_id")
        elif contents:
            copying = Version.objects.filter(
                pk__in=queries.documents_within(item).values("current_id")
            ).values("blob_id")
        else:
            copying = Version.objects.none().values("blob_id")
        _refuse_beyond_quota(library, copying, "target")
        Folder.objects.select_for_update().filter(pk=target.pk).first()
        copied: Folder | Document
        if name is not None:
            name = clean_item_name(name)
            if queries.name_taken(target, name):
                raise _name_conflict(name, "target")
        if isinstance(item, Document):
            copied = _copy_document(actor, item, target, name or free_name(target, item.name))
        else:
            copied = _copy_folder(actor, item, target, name, contents)
        log_event(
            actor=actor,
            action="documents.copied",
            target=copied,
            old={"id": item.pk, "library": item.library_id},
            new={"folder": target.pk, "library": target.library_id},
        )
    return copied


def _copy_document(actor: User, document: Document, target: Folder, name: str) -> Document:
    copy_ = Document.objects.create(
        library_id=target.library_id, folder=target, name=name, created_by=actor
    )
    current = document.current
    if current is not None:
        _new_version(
            actor=actor, document=copy_, blob=current.blob, content_type=current.content_type
        )
    return copy_


def _copy_folder(
    actor: User, folder: Folder, target: Folder, name: str | None = None, contents: bool = True
) -> Folder:
    top = Folder.objects.create(
        library_id=target.library_id,
        parent=target,
        name=name or free_name(target, folder.name, extension=False),
        created_by=actor,
    )
    top.path = f"{target.path}{top.pk}/"
    top.save(update_fields=["path"])
    if not contents:
        return top
    mapping = {folder.pk: top}
    living = Folder.objects.filter(path__startswith=folder.path, trashed_at__isnull=True).order_by(
        "path"
    )
    for source in living:
        if source.pk == folder.pk:
            continue
        parent = mapping.get(source.parent_id or 0)
        if parent is None:  # under a trashed folder
            continue
        made = Folder.objects.create(
            library_id=target.library_id, parent=parent, name=source.name, created_by=actor
        )
        made.path = f"{parent.path}{made.pk}/"
        made.save(update_fields=["path"])
        mapping[source.pk] = made
    documents = Document.objects.filter(
        folder_id__in=list(mapping), trashed_at__isnull=True
    ).select_related("current", "current__blob")
    for document in documents:
        _copy_document(actor, document, mapping[document.folder_id], document.name)
    return top


# --- Trash -------------------------------------------------------------------------------------


def trash(*, actor: User, item: Folder | Document) -> Folder | Document:
    """Puts a folder (with what it holds) or a document in its library's trash."""
    queries.check(actor, "delete", item)
    _refuse_if_locked(actor, item)
    with transaction.atomic():
        item.trashed_at = timezone.now()
        item.trashed_by = actor
        item.save(update_fields=["trashed_at", "trashed_by"])
        _locks_within(item).delete()  # nothing in the trash is being edited
        log_event(
            actor=actor,
            action="documents.trashed",
            target=item,
            old={"name": item.name},
            extra={"library": item.library_id},
        )
    return item


@dataclass
class Restored:
    item: Folder | Document
    to_root: bool  # its folder was gone: it is back at the library's root
    renamed: bool  # its name was taken: it came back with a number


def restore(*, actor: User, item: Folder | Document) -> Restored:
    """Brings an item back from the trash into its folder, or to the library's root when that
    folder is gone (trashed or deleted); a name taken meanwhile gets a number."""
    if item.trashed_at is None:
        raise ValidationError(_("This is not in the trash."), code="invalid")
    queries.check(actor, "restore", item)
    with transaction.atomic():
        parent = item.parent if isinstance(item, Folder) else item.folder
        to_root = parent is None or parent.trashed_at is not None or not queries.is_alive(parent)
        if to_root:
            parent = root_of(item.library)
        assert parent is not None
        library = _lock_library(item.library_id)
        Folder.objects.select_for_update().filter(pk=parent.pk).first()
        # What comes back counts again (the trash does not).
        if isinstance(item, Document):
            brought = Version.objects.filter(document=item).values("blob_id")
        else:
            brought = Version.objects.filter(document__in=queries.documents_within(item)).values(
                "blob_id"
            )
        _refuse_beyond_quota(library, brought, "item")
        name = free_name(parent, item.name, extension=isinstance(item, Document))
        renamed = name != item.name
        item.name = name
        item.trashed_at = None
        item.trashed_by = None
        if isinstance(item, Document):
            item.folder = parent
            item.save(update_fields=["name", "trashed_at", "trashed_by", "folder", "updated_at"])
        else:
            old_path, new_path = item.path, f"{parent.path}{item.pk}/"
            if old_path != new_path:
                Folder.objects.filter(path__startswith=old_path).update(
                    path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
                )
            item.parent = parent
            item.path = new_path
            item.save(
                update_fields=["name", "trashed_at", "trashed_by", "parent", "path", "updated_at"]
            )
        log_event(
            actor=actor,
            action="documents.restored",
            target=item,
            new={"name": name, "folder": parent.pk, "to_root": to_root},
            extra={"library": item.library_id},
        )
    return Restored(item=item, to_root=to_root, renamed=renamed)


def purge_trash(*, now: datetime | None = None) -> int:
    """Deletes for good what has been in the trash longer than `DOCUMENTS_TRASH_DAYS` (with
    what a purged folder holds), then the contents no version points to any more. Returns the
    number of trashed items deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=queries.trash_days())
    with transaction.atomic():
        folders = list(
            Folder.objects.filter(trashed_at__lt=cutoff, parent__isnull=False).values_list(
                "pk", "path"
            )
        )
        document_ids = list(
            Document.objects.filter(trashed_at__lt=cutoff).values_list("pk", flat=True)
        )
        if folders or document_ids:
            inside = Q(pk__in=[])
            for _pk, path in folders:
                inside |= Q(path__startswith=path)
            # The database cascades from folders to what they hold, and to the versions.
            Document.objects.filter(
                Q(pk__in=document_ids) | Q(folder__in=Folder.objects.filter(inside))
            ).delete()
            Folder.objects.filter(inside).delete()
            log_event(
                actor=None,
                action="documents.purged",
                extra={
                    "documents": document_ids[:1000],
                    "folders": [pk for pk, _path in folders][:1000],
                },
            )
    collect_blobs()
    return len(folders) + len(document_ids)


def _unused() -> Q:
    return Q(~Exists(Version.objects.filter(blob_id=OuterRef("pk"))))


def collect_blobs() -> int:
    """Deletes the blobs no version points to, then their files (after the commit)."""
    deleted = 0
    orphans = list(Blob.objects.filter(_unused()).values_list("pk", flat=True)[:10_000])
    for pk in orphans:
        try:
            with transaction.atomic():
                blob = Blob.objects.select_for_update().filter(_unused(), pk=pk).first()
                if blob is None:
                    continue
                name = blob.key
                thumbnail = blob.thumbnail_key
                blob.delete()
                transaction.on_commit(partial(blob_storage().delete, name))
                if thumbnail:
                    transaction.on_commit(partial(blob_storage().delete, thumbnail))
                deleted += 1
        except IntegrityError:  # a version took it meanwhile (PROTECT)
            continue
    return deleted


# --- Previews and text: once per content, by a background task ------------------------------


def _analyse_after_commit(blob: Blob) -> None:
    blob_id = blob.pk
    transaction.on_commit(lambda: tasks.analyse_blob.enqueue(blob_id))


def _local_copy(blob: Blob, limit: int) -> tuple[str, bool]:
    """A path to the blob's bytes for the child process: the storage's own file when it is on
    this disk, otherwise a temporary copy (at most `limit` bytes; the caller deletes it)."""
    storage = blob_storage()
    try:
        return storage.path(blob.key), False
    except NotImplementedError:  # a remote storage (S3)
        pass
    with (
        tempfile.NamedTemporaryFile(prefix="cercle-blob-", delete=False) as copy,
        blob.open() as source,
    ):
        left = limit
        while left > 0 and (chunk := source.read(min(CHUNK_BYTES, left))):
            copy.write(chunk)
            left -= len(chunk)
    return copy.name, True


def analyse_blob(*, blob_id: int) -> str:
    """The kind, the thumbnail (images, PDF) and the text of a content, made once: by the task
    `tasks.analyse_blob` after an upload brought new content, or by `analyse_documents` for
    older contents. The slow part runs outside any transaction, in a child process with limits
    (`extraction`); the result is written at the end, and the search index follows (a
    `BlobText` saved reindexes the files whose current version holds it). Returns the state."""
    blob = Blob.objects.filter(pk=blob_id).first()
    if blob is None or blob.text_state != extraction.PENDING:
        return blob.text_state if blob is not None else "gone"
    with blob.open() as file:
        kind = uploads.sniff(cast(IO[bytes], file)).code
    path, temporary = _local_copy(blob, extraction.max_bytes() + 1)
    try:
        outcome = extraction.extract_text(kind, path, blob.size)
        picture = extraction.make_thumbnail(kind, path, blob.size)
    finally:
        if temporary:
            os.unlink(path)
    thumbnail_key = ""
    if picture:
        thumbnail_key = blob_storage().save(
            f"thumbnails/{blob.sha256[:2]}/{blob.sha256}.jpg", ContentFile(picture)
        )
    with transaction.atomic():
        current = Blob.objects.select_for_update().filter(pk=blob_id).first()
        if current is None or current.text_state != extraction.PENDING:
            if thumbnail_key:
                transaction.on_commit(partial(blob_storage().delete, thumbnail_key))
            return current.text_state if current is not None else "gone"
        current.kind = kind
        current.text_state = outcome.state
        current.thumbnail_key = thumbnail_key
        current.analysed_at = timezone.now()
        current.save(update_fields=["kind", "text_state", "thumbnail_key", "analysed_at"])
        if outcome.state in (extraction.DONE, extraction.TRUNCATED):
            BlobText.objects.update_or_create(blob=current, defaults={"text": outcome.text})
    return outcome.state


def reanalyse_blobs(*, states: tuple[str, ...]) -> int:
    """Contents in these states go back to "pending" (after the limits were raised, say); the
    caller runs `analyse_blob` on them. Returns how many."""
    return Blob.objects.filter(text_state__in=states).update(
        text_state=extraction.PENDING, analysed_at=None
    )


def _is_empty(upload: IO[bytes]) -> bool:
    upload.seek(0, 2)
    empty = upload.tell() == 0
    upload.seek(0)
    return empty


# --- Locks -------------------------------------------------------------------------------------


class DocumentLocked(PermissionDenied):
    """Someone else's lock keeps this from changing (WebDAV answers 423 Locked)."""

    def __init__(self, lock: Lock) -> None:
        self.lock = lock
        since = timezone.localtime(lock.created_at).strftime("%H:%M")
        super().__init__(
            _("Being edited by %(name)s since %(time)s: wait until they are done.")
            % {"name": lock.owner.display_name, "time": since}
        )


def _refuse_if_locked(actor: User, item: Folder | Document) -> None:
    lock = queries.blocking_lock(actor, item)
    if lock is not None:
        raise DocumentLocked(lock)


def web_lock_seconds() -> int:
    return int(getattr(settings, "DOCUMENTS_LOCK_MINUTES", 480)) * 60


MAX_LOCK_SECONDS = 7 * 24 * 3600


def lock(
    *,
    actor: User,
    item: Folder | Document,
    token: str | None = None,
    root: str | None = None,
    timeout: int | None = None,
    depth: str = "0",
    scope: str = "exclusive",
    owner_xml: str = "",
) -> Lock:
    """Locks `item` for `actor` ("I am editing this", or WebDAV's LOCK): whoever may add a
    version of a document (or files to a folder) may lock it. Refused while another person's
    lock covers it (WebDAV's lock manager has already checked shared and exclusive locks)."""
    queries.check(actor, "version" if isinstance(item, Document) else "upload", item)
    seconds = min(max(int(timeout or web_lock_seconds()), 1), MAX_LOCK_SECONDS)
    with transaction.atomic():
        if isinstance(item, Document):
            Document.objects.select_for_update().filter(pk=item.pk).first()
        else:
            Folder.objects.select_for_update().filter(pk=item.pk).first()
        blocking = queries.blocking_lock(actor, item)
        if blocking is not None and (scope != "shared" or blocking.scope != "shared"):
            raise DocumentLocked(blocking)
        now = timezone.now()
        made = Lock.objects.create(
            token=token or f"opaquelocktoken:{uuid.uuid4()}",
            root=root if root is not None else _lock_root(item),
            document=item if isinstance(item, Document) else None,
            folder=item if isinstance(item, Folder) else None,
            owner=actor,
            depth="infinity" if depth == "infinity" and isinstance(item, Folder) else "0",
            scope="shared" if scope == "shared" else "exclusive",
            owner_xml=owner_xml[:4000],
            timeout=seconds,
            expires_at=now + timedelta(seconds=seconds),
        )
        log_event(
            actor=actor,
            action="documents.locked",
            target=item,
            new={"until": made.expires_at.isoformat(), "depth": made.depth},
            extra={"library": item.library_id},
        )
    return made


def refresh_lock(*, actor: User, lock: Lock, timeout: int | None = None) -> Lock:
    """Extends one's own lock."""
    if lock.owner_id != actor.pk or not actor.is_active:
        raise PermissionDenied(_("This lock is not yours."))
    seconds = min(max(int(timeout or lock.timeout), 1), MAX_LOCK_SECONDS)
    lock.timeout = seconds
    lock.expires_at = timezone.now() + timedelta(seconds=seconds)
    lock.save(update_fields=["timeout", "expires_at"])
    return lock


def unlock(*, actor: User, lock: Lock) -> None:
    """Releases a lock: its owner does; the space's admins and the library's owner break it
    (audited, and its owner is told)."""
    if not queries.can_break_lock(actor, lock):
        raise PermissionDenied(_("Only who locked it, or an admin, may unlock this."))
    item: Folder | Document | None = lock.document or lock.folder
    with transaction.atomic():
        broken = lock.owner_id != actor.pk
        if item is not None:
            log_event(
                actor=actor,
                action="documents.lock_broken" if broken else "documents.unlocked",
                target=item,
                old={"owner": lock.owner_id, "since": lock.created_at.isoformat()},
                extra={"library": item.library_id},
            )
        if broken and isinstance(item, Document):
            notifications.on_lock_broken(actor=actor, lock_owner=lock.owner, document=item)
        Lock.objects.filter(pk=lock.pk).delete()


def forget_lock(*, token: str) -> None:
    """Deletes a lock that has expired, or whose item is gone (WebDAV's lock manager cleans up)."""
    Lock.objects.filter(token=token).delete()


def purge_expired_locks() -> int:
    deleted, _by_model = Lock.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


# --- WebDAV's dead properties --------------------------------------------------------------------


def _item_field(item: Folder | Document) -> dict[str, Any]:
    return {"folder": item} if isinstance(item, Folder) else {"document": item}


def set_dead_property(*, item: Folder | Document, name: str, value: str) -> None:
    """Stores a property a WebDAV client set (PROPPATCH) on `item` (the caller, `dav`, has
    checked the person may write there)."""
    DeadProperty.objects.update_or_create(
        **_item_field(item), name=name[:500], defaults={"value": value}
    )


def remove_dead_properties(*, item: Folder | Document, name: str | None = None) -> None:
    rows = DeadProperty.objects.filter(**_item_field(item))
    if name is not None:
        rows = rows.filter(name=name)
    rows.delete()


def copy_dead_properties(*, source: Folder | Document, target: Folder | Document) -> None:
    """Gives `target` (a copy of `source`) the properties of `source`, replacing its own."""
    rows = list(DeadProperty.objects.filter(**_item_field(source)).values_list("name", "value"))
    remove_dead_properties(item=target)
    DeadProperty.objects.bulk_create(
        [DeadProperty(**_item_field(target), name=name, value=value) for name, value in rows]
    )


def set_modified_time(*, actor: User, document: Document, moment: datetime) -> Version:
    """The modification time a client gives the current content of `document` (WebDAV's
    `X-OC-Mtime` or PROPPATCH of `getlastmodified`): metadata, not a new version."""
    queries.check(actor, "version", document)
    _refuse_if_locked(actor, document)
    current = document.current
    if current is None:
        raise ValidationError(_("This file has no content yet."), code="empty")
    Version.objects.filter(pk=current.pk).update(modified_at=moment)
    current.modified_at = moment
    return current


def _lock_root(item: Folder | Document) -> str:
    """The WebDAV lock manager's key for `item`: its path, URL-quoted."""
    return quote(queries.dav_path(item))


def _locks_within(item: Folder | Document) -> QuerySet[Lock]:
    if isinstance(item, Document):
        return Lock.objects.filter(document=item)
    inside = Folder.objects.filter(path__startswith=item.path).values("pk")
    return Lock.objects.filter(Q(folder__in=inside) | Q(document__folder__in=inside))


def _relocate_locks(item: Folder | Document) -> None:
    """Locks follow what they lock when it is renamed or moved (in the pages or over WebDAV):
    their path, WebDAV's key, is computed again."""
    for held in _locks_within(item).select_related(
        "document__library__space", "document__folder", "folder__library__space"
    ):
        locked = held.document or held.folder
        if locked is not None:
            held.root = _lock_root(locked)
            held.save(update_fields=["root"])


def set_quota_for(*, actor: User, kind: str, who: str, quota_mb: int | None) -> tuple[Library, str]:
    """`set_library_quota` for a space named by its address (or name), or a person by their
    username (or e-mail address): their library is made if it was never opened. Returns it
    with its name."""
    if not queries.may_set_quotas(actor):
        raise PermissionDenied(_("Only administrators may set quotas."))
    who = (who or "").strip()
    if kind == "space":
        space = (
            Space.objects.filter(Q(slug__iexact=who) | Q(name__iexact=who)).order_by("pk").first()
        )
        if space is None:
            raise ValidationError({"who": _("No space has this address or name.")})
        library = space_library(space=space)
        name = space.name
    elif kind == "person":
        person = (
            User.objects.filter(Q(username__iexact=who) | Q(email__iexact=who))
            .order_by("pk")
            .first()
        )
        if person is None:
            raise ValidationError({"who": _("Nobody has this username or e-mail address.")})
        library = personal_library(user=person)
        name = person.display_name
    else:
        raise ValidationError({"kind": _("Choose a space or a person.")})
    return set_library_quota(actor=actor, library=library, quota_mb=quota_mb), name


# --- Shares ------------------------------------------------------------------------------------


def share(
    *,
    actor: User,
    item: Folder | Document,
    access: str,
    user: User | None = None,
    space: Space | None = None,
) -> Share:
    """Shares a folder (and what it holds, now and later) or a document of the actor's "My
    documents" with a person or a space they are a member of, `read` or `write`. Sharing again
    with the same person or space changes the access. Audited; a new share is notified."""
    if item.library.space_id is not None:
        raise PermissionDenied(
            _("Only files and folders of My documents are shared: a space's belong to its members.")
        )
    if not queries.can_share(actor, item):
        raise PermissionDenied(_("Only the owner of a file or folder may share it."))
    if access not in ShareAccess.values:
        raise ValidationError({"access": _("Choose read only or read and write.")}, code="invalid")
    if (user is None) == (space is None):
        raise ValidationError({"user": _("Choose one person or one space.")}, code="required")
    if user is not None:
        if user.pk == actor.pk:
            raise ValidationError({"user": _("You cannot share with yourself.")}, code="invalid")
        if not user.is_active:
            raise ValidationError({"user": _("No such person.")}, code="invalid")
    if space is not None and space.is_organisation:
        raise ValidationError(
            {"space": _("Share with people or a smaller space, not the whole organisation.")},
            code="invalid",
        )
    if (
        space is not None
        and not space_queries.member_space_ids(actor).filter(space_id=space.pk).exists()
    ):
        raise ValidationError(
            {"space": _("You can share with the spaces you are a member of.")}, code="invalid"
        )
    if not queries.is_alive(item if isinstance(item, Folder) else item.folder):
        raise queries.NotFound(_("Not found."))
    target = {"folder": item} if isinstance(item, Folder) else {"document": item}
    grantee = {"user": user} if user is not None else {"space": space}
    with transaction.atomic():
        existing = Share.objects.select_for_update().filter(**target, **grantee).first()
        if existing is not None:
            if existing.access == access:
                return existing
            old = existing.access
            existing.access = access
            existing.save(update_fields=["access"])
            _log_share(actor, "documents.share_changed", existing, old=old)
            return existing
        made = Share.objects.create(
            library=item.library, **target, **grantee, access=access, created_by=actor
        )
        _log_share(actor, "documents.shared", made)
    notifications.on_shared(actor=actor, item=item, user=user, space=space)
    return made


def _log_share(actor: User, action: str, made: Share, old: str | None = None) -> None:
    log_event(
        actor=actor,
        action=action,
        target=made.item,
        old={"access": old} if old else None,
        new={
            "access": made.access,
            "user": made.user_id,
            "space": made.space_id,
        },
        extra={"library": made.library_id, "share": made.pk},
    )


def revoke_share(*, actor: User, share: Share) -> None:
    """Ends a share: whoever it reached loses access at once, everywhere. Its item's owner, or
    an organisation admin. Audited."""
    if not queries.can_revoke(actor, share):
        raise PermissionDenied(_("Only the owner of a file or folder may stop sharing it."))
    with transaction.atomic():
        _log_share(actor, "documents.share_revoked", share)
        Share.objects.filter(pk=share.pk).delete()


# --- Comments ----------------------------------------------------------------------------------


def _clean_comment(body: str) -> str:
    body = (body or "").strip()
    if "\x00" in body:  # PostgreSQL cannot store it
        raise ValidationError(
            {"body": _("This text contains a forbidden character.")}, code="invalid"
        )
    if not body:
        raise ValidationError({"body": _("Write something first.")}, code="required")
    if len(body) > COMMENT_LENGTH:
        raise ValidationError(
            {
                "body": _("The text is too long (%(max)d characters at most).")
                % {"max": COMMENT_LENGTH}
            },
            code="max_length",
        )
    return body


def add_comment(*, actor: User, document: Document, body: str) -> Comment:
    """A comment on `document` by whoever may read it (Markdown, rendered and sanitised).
    Audited; those who follow the file hear of it (`notifications.on_comment`)."""
    if not queries.can_comment(actor, document):
        raise PermissionDenied(_("You cannot comment on this file."))
    body = _clean_comment(body)
    with transaction.atomic():
        comment = Comment.objects.create(
            document=document, author=actor, body=body, body_html=render_linked(body)
        )
        log_event(
            actor=actor,
            action="documents.commented",
            target=document,
            new={"comment": comment.pk, "length": len(body)},
            extra={"library": document.library_id},
        )
        notifications.on_comment(actor=actor, document=document, comment=comment)
        events.comments_changed(document_id=document.pk, actor_id=actor.pk)
    return comment


def edit_comment(*, actor: User, comment: Comment, body: str) -> Comment:
    """Its author changes a comment's text. Audited (the earlier text is kept there)."""
    if not queries.can_edit_comment(actor, comment):
        raise PermissionDenied(_("Only the author can edit this comment."))
    body = _clean_comment(body)
    if body == comment.body:
        return comment
    with transaction.atomic():
        old = comment.body
        comment.body = body
        comment.body_html = render_linked(body)
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "body_html", "edited_at"])
        log_event(
            actor=actor,
            action="documents.comment_edited",
            target=comment.document,
            old={"body": old},
            new={"body": body},
            extra={"library": comment.document.library_id, "comment": comment.pk},
        )
        events.comments_changed(document_id=comment.document_id, actor_id=actor.pk)
    return comment


def delete_comment(*, actor: User, comment: Comment) -> None:
    """Its author, or whoever manages the library, deletes a comment. Audited, with its text
    when it was someone else's."""
    if not queries.can_delete_comment(actor, comment):
        raise PermissionDenied(_("You cannot delete this comment."))
    with transaction.atomic():
        log_event(
            actor=actor,
            action="documents.comment_deleted",
            target=comment.document,
            old={"author_id": comment.author_id}
            | ({"body": comment.body} if comment.author_id != actor.pk else {}),
            extra={"library": comment.document.library_id, "comment": comment.pk},
        )
        Comment.objects.filter(pk=comment.pk).delete()
        events.comments_changed(document_id=comment.document_id, actor_id=actor.pk)
