"""WebDAV access to the document base (`/dav/`), built on WsgiDAV.

WsgiDAV speaks the protocol (PROPFIND, PROPPATCH, MKCOL, GET, PUT, DELETE, COPY, MOVE, LOCK,
UNLOCK, If headers, multi-status answers); this module gives it Cercle's tree and rules:
- `CercleProvider` maps paths to the person's libraries (top-level collections) and what others
  shared with them (`/Shared with me`, read only: `SharedCollection`), folders
  (collections) and documents (their current version). Every write goes through
  `cercle.documents.actions`, so the rules, versions, trash and audit are the pages' own.
- `LockStorage` keeps WsgiDAV's locks in the `Lock` model, which the pages show and the actions
  obey; `PropertyStorage` keeps dead properties in `DeadProperty`.
- `dav_view` is a Django view: authentication (HTTP Basic, a username or e-mail and a personal
  access token), checks on the request, then the WSGI application.

Each request reads a fixed number of queries per folder: the folder's members (two queries), its
members' dead properties (one) and the locks of its library (one), cached for the request.
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import IO, Any, TypeVar
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape as xml_escape

from allauth.core import ratelimit
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections
from django.db.models import F, Func, Model, Q, QuerySet, TextField
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from wsgidav import util as dav_util
from wsgidav import xml_tools
from wsgidav.dav_error import (
    HTTP_BAD_REQUEST,
    HTTP_CONFLICT,
    HTTP_FORBIDDEN,
    HTTP_INSUFFICIENT_STORAGE,
    HTTP_LOCKED,
    HTTP_NOT_FOUND,
    HTTP_REQUEST_ENTITY_TOO_LARGE,
    DAVError,
    get_http_status_string,
)
from wsgidav.dav_provider import DAVCollection, DAVNonCollection, DAVProvider, _DAVResource
from wsgidav.error_printer import ErrorPrinter
from wsgidav.lock_man.lock_manager import generate_lock_token, normalize_lock_root
from wsgidav.request_resolver import RequestResolver
from wsgidav.wsgidav_app import WsgiDAVApp

from cercle.accounts.models import ApiToken, User
from cercle.accounts.tokens import hash_token
from cercle.core.uploads import UploadCap
from cercle.documents import actions, listing_cache, queries
from cercle.documents.models import DeadProperty, Document, Folder, Library, Lock, Version
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Space

MOUNT = "/dav/files"
# The first address (before `/dav/files/`), still served: the same tree, its hrefs under `/dav/`.
LEGACY_MOUNT = "/dav"
MOUNTS = (MOUNT, LEGACY_MOUNT)
REALM = "Cercle"
# XML request bodies (PROPFIND, PROPPATCH, LOCK) are read whole: at most this much.
MAX_XML_BYTES = 1024 * 1024
XML_METHODS = frozenset({"PROPFIND", "PROPPATCH", "LOCK"})
BLOCK_BYTES = 1024 * 1024
TOKEN_TOUCH = timedelta(minutes=1)  # a token's "last used" is written at most once a minute
# A streamed `PROPFIND` answer is sent this many `<D:response>`s at a time (about 700 KB).
STREAMED_RESPONSES = 1000
# Listings written from rows (`_RowListing`, `_SharedListing`). False: each member is a
# WsgiDAV resource written by `_fast_response` or WsgiDAV (for `/Shared with me`, WsgiDAV's
# whole answer), the answer the tests compare the row listings with, byte for byte.
ROW_LISTINGS = True


# --- The request's context ---------------------------------------------------------------------


@dataclass
class Context:
    """Who is asking, and what this request has read already (see the module's docstring)."""

    user: User
    method: str
    environ: dict[str, Any] = field(default_factory=dict)  # the WSGI request's
    libraries: dict[str, Library] | None = None
    personal: Library | None = None  # the person's own (`CercleProvider.library`)
    locks: dict[str, list[Lock]] = field(default_factory=dict)  # by library name
    # Dead properties by item (`_key`), read for a folder's members at once (`loaded`: the
    # folders whose members' properties were read).
    properties: dict[tuple[str, int], dict[str, str]] = field(default_factory=dict)
    loaded: set[int] = field(default_factory=set)
    items: dict[str, Any] = field(default_factory=dict)  # resources by their URL (`get_ref_url`)
    item_rights: dict[tuple[str, int], queries.Rights] = field(default_factory=dict)  # shares
    # Resources already found, by path, for the methods that change nothing (a lock's root in a
    # listing is looked up again by WsgiDAV: no query when it is a member).
    resources: dict[str, Any] = field(default_factory=dict)
    rights: dict[int, queries.Rights] = field(default_factory=dict)  # by library
    mtime_accepted: bool = False  # `X-OC-Mtime` applied: the answer says so
    shared: dict[str, Folder | Document] | None = None  # under `/Shared with me`, by name
    staged: list[Any] = field(default_factory=list)  # a PUT's body (`actions.StagedContent`)
    # A `PROPFIND` of a tree (`_preload_tree`): each folder's living subfolders and documents,
    # by the folder's id, read at once.
    tree: dict[int, tuple[list[Folder], list[Document]]] = field(default_factory=dict)

    @property
    def reads_only(self) -> bool:
        return self.method in ("PROPFIND", "GET", "HEAD", "OPTIONS")


_local = threading.local()


def context() -> Context:
    current: Context | None = getattr(_local, "context", None)
    if current is None:
        raise DAVError(HTTP_FORBIDDEN)
    return current


@contextmanager
def _in_context(current: Context) -> Iterator[None]:
    previous = getattr(_local, "context", None)
    _local.context = current
    try:
        yield
    finally:
        _local.context = previous


@contextmanager
def _as_dav_errors() -> Iterator[None]:
    """The actions' refusals as WebDAV statuses: someone else's lock 423, not allowed 403,
    a name taken 409 (Conflict), other bad input 400."""
    try:
        yield
    except actions.DocumentLocked as error:
        raise DAVError(HTTP_LOCKED, str(error)) from error
    except queries.NotFound as error:
        raise DAVError(HTTP_NOT_FOUND) from error
    except PermissionDenied as error:
        raise DAVError(HTTP_FORBIDDEN, str(error)) from error
    except ValidationError as error:
        status = HTTP_BAD_REQUEST
        groups = error.error_dict.values() if hasattr(error, "error_dict") else [error.error_list]
        codes = {getattr(e, "code", None) for group in groups for e in group}
        if "exists" in codes:
            status = HTTP_CONFLICT if context().method != "MKCOL" else 405
        elif "quota" in codes:  # the library is full (RFC 4918, 9.7.1)
            status = HTTP_INSUFFICIENT_STORAGE
        elif "too_large" in codes:
            status = HTTP_REQUEST_ENTITY_TOO_LARGE
        raise DAVError(status, " ".join(error.messages)) from error
    except IntegrityError as error:  # made at the same moment by another request
        raise DAVError(HTTP_CONFLICT) from error


def _timestamp(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


def _join(parent: str, name: str) -> str:
    return parent.rstrip("/") + "/" + name


def _clean_new_name(name: str) -> str:
    """A name a client gives to something new: refused (403) when Cercle would store it under
    another name (a client would then not find what it made)."""
    with _as_dav_errors():
        cleaned = actions.clean_item_name(name)
    if cleaned != name:
        raise DAVError(
            HTTP_FORBIDDEN, _("This name cannot be used here: %(name)s") % {"name": name}
        )
    return name


# --- Resources ---------------------------------------------------------------------------------


class RootCollection(DAVCollection):
    """`/dav/`: the libraries the person may read."""

    def __init__(self, provider: CercleProvider, environ: dict[str, Any]) -> None:
        super().__init__("/", environ)
        self.cercle = provider

    def get_display_name(self) -> str:
        return "Cercle"

    def get_member_names(self) -> list[str]:
        return sorted([*self.cercle.libraries(), queries.SHARED_DAV_NAME])

    def get_member(self, name: str) -> FolderCollection | SharedCollection | None:
        if name == queries.SHARED_DAV_NAME:
            return SharedCollection(self.cercle, self.environ)
        library = self.cercle.libraries().get(name)
        if library is None:
            return None
        return self.cercle.library_root(library, "/" + name)

    def get_member_list(self) -> list[FolderCollection | SharedCollection]:
        roots = Folder.objects.filter(
            library__in=list(self.cercle.libraries().values()), parent__isnull=True
        ).select_related("library", "library__space", "library__owner", "created_by")
        by_library = {root.library_id: root for root in roots}
        members: list[FolderCollection | SharedCollection] = [
            FolderCollection(self.cercle, "/" + name, by_library[library.pk], self.environ)
            for name, library in sorted(self.cercle.libraries().items())
            if library.pk in by_library
        ]
        members.append(SharedCollection(self.cercle, self.environ))
        return members

    def prevent_locking(self) -> bool:
        return True


class SharedCollection(DAVCollection):
    """`/dav/files/Shared with me/`: what others shared with the person (`queries.shared_with`),
    each under its own name (a second one of the same name gets " (2)"…). Nothing is added here
    itself; inside a shared folder, what a read-and-write share allows the pages is allowed
    (`queries.can`: upload, new versions, renaming and deleting what one added)."""

    def __init__(self, provider: CercleProvider, environ: dict[str, Any]) -> None:
        super().__init__("/" + queries.SHARED_DAV_NAME, environ)
        self.cercle = provider

    def get_display_name(self) -> str:
        return _("Shared with me")

    def get_member_names(self) -> list[str]:
        return list(self.cercle.shared_items())

    def get_member(self, name: str) -> FolderCollection | DocumentResource | None:
        return self.cercle.shared_member(name)

    def get_member_list(self) -> list[FolderCollection | DocumentResource]:
        members = [self.cercle.shared_member(name) for name in self.cercle.shared_items()]
        return [member for member in members if member is not None]

    def prevent_locking(self) -> bool:
        return True

    def create_empty_resource(self, name: str) -> DocumentResource:
        raise DAVError(HTTP_FORBIDDEN)

    def create_collection(self, name: str) -> FolderCollection:
        raise DAVError(HTTP_FORBIDDEN)

    def delete(self) -> None:
        raise DAVError(HTTP_FORBIDDEN)


class _Item:
    """What folders and documents share: rights, dead properties, locks."""

    cercle: CercleProvider
    path: str
    environ: dict[str, Any]
    get_preferred_path: Callable[[], str]  # WsgiDAV's resource gives it

    def _item(self) -> Folder | Document:
        raise NotImplementedError

    def get_ref_url(self) -> str:
        # Asked for each property of each member of a listing: quoted once. The property
        # storage, which is given this URL, finds the item by it.
        cached: str | None = self.__dict__.get("_ref_url")
        if cached is None:
            cached = self.__dict__["_ref_url"] = quote(self.get_preferred_path())
            context().items[cached] = self
        return cached

    def _may(self, action: queries.Action) -> bool:
        item = self._item()
        if _is_shared_path(self.path):  # what the shares covering it give (as in the pages)
            current = context()
            key = _key(item)
            if key not in current.item_rights:
                current.item_rights[key] = queries.item_rights(current.user, item)
            return queries.can(current.user, action, item, current.item_rights[key])
        return queries.can(context().user, action, item, self.cercle.rights(item.library))


class FolderCollection(_Item, DAVCollection):
    def __init__(
        self, provider: CercleProvider, path: str, folder: Folder, environ: dict[str, Any]
    ) -> None:
        DAVCollection.__init__(self, path, environ)
        self.cercle = provider
        self.folder = folder

    def _item(self) -> Folder:
        return self.folder

    def get_display_name(self) -> str:
        if self.folder.is_root:
            return queries.library_name(self.folder.library, context().user)
        return self.folder.name

    def get_creation_date(self) -> float | None:
        return _timestamp(self.folder.created_at)

    def get_last_modified(self) -> float | None:
        return _timestamp(self.folder.updated_at)

    def get_member_names(self) -> list[str]:
        return [member.name for member in self.get_member_list()]

    def get_member(self, name: str) -> FolderCollection | DocumentResource | None:
        return self.cercle.child(self, name)

    def get_member_list(self) -> list[FolderCollection | DocumentResource]:
        members: list[FolderCollection | DocumentResource] = []
        library = self.folder.library
        preloaded = context().tree.get(self.folder.pk)
        if preloaded is not None:
            for folder in preloaded[0]:
                folder.library = library
                members.append(
                    FolderCollection(
                        self.cercle, _join(self.path, folder.name), folder, self.environ
                    )
                )
            for document in preloaded[1]:
                document.library = library
                document.folder = self.folder
                members.append(
                    DocumentResource(
                        self.cercle, _join(self.path, document.name), document, self.environ
                    )
                )
            context().resources.update((member.path, member) for member in members)
            return members
        for folder in queries.subfolders(self.folder):
            folder.library = library
            members.append(
                FolderCollection(self.cercle, _join(self.path, folder.name), folder, self.environ)
            )
        # The current version only: a listing needs its size, type, date and id (the ETag).
        listed = Document.objects.filter(folder=self.folder, trashed_at__isnull=True)
        for document in listed.select_related("current").order_by("name", "pk"):
            document.library = library
            document.folder = self.folder
            members.append(
                DocumentResource(
                    self.cercle, _join(self.path, document.name), document, self.environ
                )
            )
        current = context()
        if current.reads_only:
            current.resources.update((member.path, member) for member in members)
        return members

    def create_empty_resource(self, name: str) -> DocumentResource | NewDocument:
        name = _clean_new_name(name)
        if not self._may("upload"):
            raise DAVError(HTTP_FORBIDDEN)
        if context().method == "PUT":  # the document is made with its content (end_write)
            return NewDocument(self.cercle, _join(self.path, name), self.folder, self.environ)
        with _as_dav_errors():  # LOCK on an unmapped URL: an empty document (RFC 4918, 7.3)
            uploaded = actions.upload_file(
                actor=context().user,
                folder=self.folder,
                upload=io.BytesIO(b""),
                name=name,
                allow_empty=True,
                exact_name=True,
            )
        return DocumentResource(
            self.cercle, _join(self.path, name), uploaded.document, self.environ
        )

    def create_collection(self, name: str) -> FolderCollection:
        name = _clean_new_name(name)
        with _as_dav_errors():
            folder = actions.create_folder(actor=context().user, parent=self.folder, name=name)
        return FolderCollection(self.cercle, _join(self.path, name), folder, self.environ)

    def prevent_locking(self) -> bool:
        return not self._may("upload")

    # Deleting, moving and copying whole folders: one action each.

    def support_recursive_delete(self) -> bool:
        return True

    def delete(self) -> None:
        if self.folder.is_root:
            raise DAVError(HTTP_FORBIDDEN)
        with _as_dav_errors():
            actions.trash(actor=context().user, item=self.folder)
        self.cercle.forget(self.path, self.get_ref_url())

    def support_recursive_move(self, dest_path: str) -> bool:
        return True

    def move_recursive(self, dest_path: str) -> list[Any]:
        self.cercle.move(self, dest_path)
        return []

    def copy_move_single(self, dest_path: str, *, is_move: bool) -> None:
        # WsgiDAV copies a folder's members one by one, after the folder itself.
        self.cercle.copy(self, dest_path)


class DocumentResource(_Item, DAVNonCollection):
    def __init__(
        self, provider: CercleProvider, path: str, document: Document, environ: dict[str, Any]
    ) -> None:
        DAVNonCollection.__init__(self, path, environ)
        self.cercle = provider
        self.document = document
        self._upload: IO[bytes] | None = None

    def _item(self) -> Document:
        return self.document

    def get_content_length(self) -> int:
        current = self.document.current
        return current.size if current is not None else 0

    def get_content_type(self) -> str:
        current = self.document.current
        return current.content_type if current is not None else "application/octet-stream"

    def get_creation_date(self) -> float | None:
        return _timestamp(self.document.created_at)

    def get_last_modified(self) -> float | None:
        current = self.document.current
        if current is None:
            return _timestamp(self.document.created_at)
        return _timestamp(current.modified_at or current.created_at)

    def set_last_modified(self, dest_path: str, time_stamp: str, *, dry_run: bool) -> bool:
        """PROPPATCH of `getlastmodified` (an HTTP date, or seconds since 1970)."""
        moment = _parse_time(time_stamp)
        if moment is None:
            raise DAVError(HTTP_BAD_REQUEST)
        if not dry_run:
            with _as_dav_errors():
                self.document.current = actions.set_modified_time(
                    actor=context().user, document=self.document, moment=moment
                )
        return True

    def get_display_name(self) -> str:
        return self.document.name

    def get_etag(self) -> str:
        current = self.document.current
        return f"{self.document.pk}-{current.pk if current is not None else 0}"

    def support_etag(self) -> bool:
        return True

    def support_ranges(self) -> bool:
        return True

    def get_content(self) -> IO[bytes]:
        current = self.document.current
        if current is None:
            return io.BytesIO(b"")
        return current.blob.open()

    def begin_write(self, *, content_type: str | None = None) -> _KeepOpen:
        if not self._may("version"):
            raise DAVError(HTTP_FORBIDDEN)
        _client_mtime()
        self._upload = _staged(self.document.library, self.name)
        return _KeepOpen(self._upload)

    def end_write(self, *, with_errors: bool) -> None:
        upload, self._upload = self._upload, None
        if upload is None:
            return
        try:
            if with_errors:
                return
            with _as_dav_errors():
                actions.add_version(
                    actor=context().user, document=self.document, upload=upload, allow_empty=True
                )
            self.document.refresh_from_db(fields=["current"])
            _apply_client_mtime(self.document)
        finally:
            upload.close()

    def prevent_locking(self) -> bool:
        return not self._may("version")

    def delete(self) -> None:
        with _as_dav_errors():
            actions.trash(actor=context().user, item=self.document)
        self.cercle.forget(self.path, self.get_ref_url())

    def support_recursive_move(self, dest_path: str) -> bool:
        return True

    def move_recursive(self, dest_path: str) -> list[Any]:
        self.cercle.move(self, dest_path)
        return []

    def copy_move_single(self, dest_path: str, *, is_move: bool) -> None:
        self.cercle.copy(self, dest_path)


class NewDocument(DAVNonCollection):
    """A document a PUT is making: it exists once its content is stored (`end_write`)."""

    def __init__(
        self, provider: CercleProvider, path: str, folder: Folder, environ: dict[str, Any]
    ) -> None:
        super().__init__(path, environ)
        self.cercle = provider
        self.folder = folder
        self.document: Document | None = None
        self._upload: IO[bytes] | None = None

    def get_content_length(self) -> int:
        return 0

    def get_content_type(self) -> str:
        return "application/octet-stream"

    def get_content(self) -> IO[bytes]:
        return io.BytesIO(b"")

    def get_etag(self) -> str | None:
        if self.document is None or self.document.current_id is None:
            return None
        return f"{self.document.pk}-{self.document.current_id}"

    def support_etag(self) -> bool:
        return True

    def begin_write(self, *, content_type: str | None = None) -> _KeepOpen:
        _client_mtime()
        self._upload = _staged(self.folder.library, self.name)
        return _KeepOpen(self._upload)

    def end_write(self, *, with_errors: bool) -> None:
        upload, self._upload = self._upload, None
        if upload is None:
            return
        try:
            if with_errors:
                return
            with _as_dav_errors():
                uploaded = actions.upload_file(
                    actor=context().user,
                    folder=self.folder,
                    upload=upload,
                    name=dav_util.get_uri_name(self.path),
                    allow_empty=True,
                    exact_name=True,
                )
            self.document = uploaded.document
            _apply_client_mtime(self.document)
        finally:
            upload.close()


def _parse_time(value: str | None) -> datetime | None:
    """A client's modification time: seconds since 1970 (`X-OC-Mtime`, may have decimals) or an
    HTTP date (`getlastmodified`); None when it is neither, or out of range."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    if not 0 <= seconds < 253402300800:  # up to year 9999
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)


def _client_mtime() -> datetime | None:
    """The request's `X-OC-Mtime` (None without one); one that is not a time is refused (400),
    before a PUT's body is read."""
    header = context().environ.get("HTTP_X_OC_MTIME")
    if header is None:
        return None
    moment = _parse_time(header)
    if moment is None:
        raise DAVError(HTTP_BAD_REQUEST, _("X-OC-Mtime is not a time."))
    return moment


def _apply_client_mtime(document: Document) -> None:
    """The `X-OC-Mtime` header of a PUT, COPY or MOVE (ownCloud's, which rclone sends with
    `vendor=owncloud`) becomes the modification time of the document's content; the answer
    then says `X-OC-Mtime: accepted`."""
    current = context()
    moment = _client_mtime()
    if moment is None:
        return
    with _as_dav_errors():
        document.current = actions.set_modified_time(
            actor=current.user, document=document, moment=moment
        )
    current.mtime_accepted = True


def _capped(library: Library) -> UploadCap:
    """The largest file and the room left in `library` for a PUT; a `Content-Length` already
    beyond either is refused before a byte is read: 413 for the file, 507 for the quota."""
    cap = queries.upload_cap(library)
    declared = context().environ.get("CONTENT_LENGTH") or ""
    size = int(declared) if declared.isdigit() else None
    if size is not None:
        _refuse_beyond(cap, size)
    return cap


def _refuse_beyond(cap: UploadCap, size: int) -> None:
    if cap.file_bytes is not None and size > cap.file_bytes:
        raise DAVError(HTTP_REQUEST_ENTITY_TOO_LARGE, cap.file_message)
    if cap.total_bytes is not None and size > cap.total_bytes:
        raise DAVError(HTTP_INSUFFICIENT_STORAGE, cap.total_message)


def _staged(library: Library, name: str) -> actions.StagedContent:
    """Where a PUT's body goes, once: its final place in the documents storage
    (`actions.StagedContent`, hashed on the way), with the room of its `Content-Length` reserved
    in the library before a byte is read — `413` past the largest file, `507` past the room
    left (what the other uploads under way hold counted). A body without a length reserves as
    it arrives."""
    cap = _capped(library)
    declared = context().environ.get("CONTENT_LENGTH") or ""
    with _as_dav_errors():
        staged = actions.StagedContent(
            name or "file",
            file_bytes=cap.file_bytes,
            file_message=cap.file_message,
            library_id=library.pk,
            declared=int(declared) if declared.isdigit() else 0,
        )
    context().staged.append(staged)
    return staged


class _KeepOpen(io.RawIOBase):
    """The file a PUT writes into: WsgiDAV closes what it wrote to before `end_write` reads it.
    Its bytes are counted as they come (`actions.StagedContent.write`): past the largest file
    or the room (a body longer than its `Content-Length` said, or sent without one) the write
    fails (`413`, `507`), WsgiDAV calls `end_write(with_errors=True)`, which deletes what was
    written and gives the room back."""

    def __init__(self, file: actions.StagedContent) -> None:
        super().__init__()
        self.file = file

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        with _as_dav_errors():
            self.file.write(data)
        return len(data)

    def writelines(self, lines: Iterable[Any]) -> None:
        for data in lines:
            self.write(data)

    def close(self) -> None:
        if not self.file.closed:
            self.file.flush()
            self.file.seek(0)
        super().close()


# --- The provider ------------------------------------------------------------------------------


class CercleProvider(DAVProvider):
    def __init__(self) -> None:
        super().__init__()

    def is_readonly(self) -> bool:
        return False

    # Libraries, by their WebDAV name, cached for the request.

    def libraries(self) -> dict[str, Library]:
        current = context()
        if current.libraries is None:
            current.libraries = _libraries_of(current.user)
        return current.libraries

    def library(self, name: str) -> Library | None:
        """The library named `name` at the top (`libraries`): the person's own ("My
        documents", always theirs to read) in one query without reading the others (five
        queries, a third of a small listing's time)."""
        current = context()
        if name != queries.PERSONAL_DAV_NAME or current.libraries is not None:
            return self.libraries().get(name)
        if current.personal is None:
            current.personal = actions.personal_library(user=current.user)
        return current.personal

    def rights(self, library: Library) -> queries.Rights:
        current = context()
        if library.pk not in current.rights:
            current.rights[library.pk] = queries.library_rights(current.user, library)
        return current.rights[library.pk]

    # What was shared with the person, by its name under `/Shared with me`, cached for the
    # request.

    def shared_items(self) -> dict[str, Folder | Document]:
        current = context()
        if current.shared is None:
            named: dict[str, Folder | Document] = {}
            for entry in queries.shared_with(current.user):
                name, n = entry.item.name, 1
                while name.lower() in (taken.lower() for taken in named):
                    n += 1
                    stem, dot, ext = entry.item.name.rpartition(".")
                    if entry.is_folder or not stem:
                        stem, dot, ext = entry.item.name, "", ""
                    name = f"{stem} ({n}){dot}{ext}"
                named[name] = entry.item
            current.shared = named
        return current.shared

    def shared_member(self, name: str) -> FolderCollection | DocumentResource | None:
        items = {key.lower(): (key, item) for key, item in self.shared_items().items()}
        found = items.get(name.lower())
        if found is None:
            return None
        key, item = found
        path = _join("/" + queries.SHARED_DAV_NAME, key)
        if isinstance(item, Folder):
            return FolderCollection(self, path, item, context().environ)
        return DocumentResource(self, path, item, context().environ)

    def library_root(self, library: Library, path: str) -> FolderCollection:
        root = actions.root_of(library)
        root.library = library
        return FolderCollection(self, path, root, context().environ)

    def get_resource_inst(
        self, path: str, environ: dict[str, Any]
    ) -> RootCollection | SharedCollection | FolderCollection | DocumentResource | None:
        parts = [part for part in path.split("/") if part]
        if any(part in (".", "..") or "\x00" in part for part in parts):
            return None  # no name holds a NUL (PostgreSQL refuses it in a query)
        current = context()
        key = "/" + "/".join(parts)
        if current.reads_only and key in current.resources:
            found: RootCollection | FolderCollection | DocumentResource = current.resources[key]
            return found
        root = RootCollection(self, environ)
        if not parts:
            return root
        resource: FolderCollection | DocumentResource | SharedCollection | None
        if parts[0] == queries.SHARED_DAV_NAME:
            if len(parts) == 1:
                return SharedCollection(self, environ)
            resource = self.shared_member(parts[1])
            rest = parts[2:]
        else:
            library = self.library(parts[0])
            if library is None:
                return None
            resource = self.library_root(library, "/" + parts[0])
            rest = parts[1:]
        for part in rest:
            if not isinstance(resource, FolderCollection):
                return None
            resource = self.child(resource, part)
            if resource is None:
                return None
        return resource

    def child(
        self, parent: FolderCollection, name: str
    ) -> FolderCollection | DocumentResource | None:
        folder = parent.folder
        found = (
            Folder.objects.filter(parent=folder, name__iexact=name, trashed_at__isnull=True)
            .select_related("created_by")
            .first()
        )
        if found is not None:
            found.library = folder.library
            return FolderCollection(self, _join(parent.path, found.name), found, parent.environ)
        document = (
            Document.objects.filter(folder=folder, name__iexact=name, trashed_at__isnull=True)
            .select_related("current", "current__blob", "created_by")
            .first()
        )
        if document is None:
            return None
        document.library = folder.library
        document.folder = folder
        return DocumentResource(self, _join(parent.path, document.name), document, parent.environ)

    # Moving and copying: one action each, to a folder found by the destination's path.

    def _destination(self, dest_path: str) -> tuple[FolderCollection, str]:
        parent = self.get_resource_inst(dav_util.get_uri_parent(dest_path), context().environ)
        if not isinstance(parent, FolderCollection):
            raise DAVError(HTTP_CONFLICT)
        return parent, _clean_new_name(dav_util.get_uri_name(dest_path.rstrip("/")))

    def move(self, source: FolderCollection | DocumentResource, dest_path: str) -> None:
        """A MOVE within a folder is a rename (what a read-and-write share allows), otherwise a
        move; the dead properties are the item's and go with it."""
        target, name = self._destination(dest_path)
        item = source.folder if isinstance(source, FolderCollection) else source.document
        parent_id = item.parent_id if isinstance(item, Folder) else item.folder_id
        with _as_dav_errors():
            if parent_id == target.folder.pk:
                if name != item.name:
                    item = actions.rename(actor=context().user, item=item, name=name)
            else:
                item = actions.move(
                    actor=context().user, item=item, target=target.folder, name=name
                )
        if isinstance(item, Document):
            _apply_client_mtime(item)
        self.forget(source.path, source.get_ref_url())

    def copy(self, source: FolderCollection | DocumentResource, dest_path: str) -> None:
        target, name = self._destination(dest_path)
        existing = self.child(target, name)
        if existing is not None:  # kept by an overwriting COPY: a folder merges, a file
            self._copy_over(source, existing)  # gets the source's content as a new version
            return
        item = source.folder if isinstance(source, FolderCollection) else source.document
        with _as_dav_errors():
            copied = actions.copy(
                actor=context().user, item=item, target=target.folder, name=name, contents=False
            )
            actions.copy_dead_properties(source=item, target=copied)
        if isinstance(copied, Document):
            _apply_client_mtime(copied)
        self.forget(source.path, source.get_ref_url())

    def _copy_over(
        self,
        source: FolderCollection | DocumentResource,
        existing: FolderCollection | DocumentResource,
    ) -> None:
        if isinstance(source, FolderCollection) and isinstance(existing, FolderCollection):
            return
        if not isinstance(source, DocumentResource) or not isinstance(existing, DocumentResource):
            raise DAVError(HTTP_CONFLICT)
        with source.get_content() as content, _as_dav_errors():
            actions.add_version(
                actor=context().user,
                document=existing.document,
                upload=content,
                allow_empty=True,
            )
        existing.document.refresh_from_db(fields=["current"])
        _apply_client_mtime(existing.document)

    def forget(self, path: str, ref_url: str) -> None:
        """What the request cached of a path gone (moved, deleted): its locks and properties."""
        current = context()
        current.properties.clear()
        current.loaded.clear()
        current.locks.clear()


def _libraries_of(user: User) -> dict[str, Library]:
    """The libraries `user` may read, by WebDAV name: every space with documents on whose
    content they may read (its library is made the first time, as the pages do), and their
    own. Three queries, or more the first time a space's library is made."""
    with_documents = Space.objects.filter(space_queries.spaces_with_module("documents"))
    if not user.is_admin:
        with_documents = with_documents.filter(pk__in=space_queries.readable_space_ids(user))
    missing = list(with_documents.filter(document_library__isnull=True)[:200])
    for space in missing:
        actions.space_library(space=space)
    actions.personal_library(user=user)
    libraries = queries.readable_libraries(user)
    named: dict[str, Library] = {}
    for library in libraries:
        if library.owner_id is not None and library.owner_id != user.pk:
            continue
        if not queries.library_rights(user, library).read:
            continue
        named[queries.dav_library_name(library)] = library
    return named


# --- Locks and dead properties -----------------------------------------------------------------


def _library_of_url(url: str) -> str:
    return unquote(url.strip("/").split("/", 1)[0])


def _lock_dict(lock: Lock) -> dict[str, Any]:
    return {
        "root": lock.root,
        "type": "write",
        "scope": lock.scope,
        "depth": lock.depth,
        "owner": lock.owner_xml.encode(),
        "timeout": float(lock.timeout),
        "expire": lock.expires_at.timestamp(),
        "principal": lock.owner.username,
        "token": lock.token,
    }


class LockStorage:
    """WsgiDAV's lock storage over the `Lock` model (its interface: `LockStorageDict`). Creating
    a lock goes through `actions.lock`, releasing one through `actions.unlock`."""

    provider: CercleProvider | None = None

    def __repr__(self) -> str:
        return "cercle.documents.dav.LockStorage"

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def cleanup(self) -> None:
        actions.purge_expired_locks()

    def clear(self) -> None:
        return None

    def _of_library(self, name: str) -> list[Lock]:
        current = context()
        if name not in current.locks:
            prefix = "/" + quote(name)
            current.locks[name] = list(
                queries.active_locks().filter(Q(root=prefix) | Q(root__startswith=prefix + "/"))
            )
        return current.locks[name]

    def get(self, token: str) -> dict[str, Any] | None:
        lock = queries.active_locks().filter(token=token).first()
        return _lock_dict(lock) if lock is not None else None

    def create(self, path: str, lock: dict[str, Any]) -> dict[str, Any]:
        root = normalize_lock_root(path)
        assert self.provider is not None
        current = context()
        resource = self.provider.get_resource_inst(unquote(root), current.environ)
        if not isinstance(resource, FolderCollection | DocumentResource):
            raise DAVError(HTTP_FORBIDDEN)
        item = resource.folder if isinstance(resource, FolderCollection) else resource.document
        timeout = float(lock.get("timeout") or -1)
        with _as_dav_errors():
            made = actions.lock(
                actor=current.user,
                item=item,
                token=generate_lock_token(),
                root=root,
                timeout=int(timeout) if timeout > 0 else actions.MAX_LOCK_SECONDS,
                depth=lock["depth"],
                scope=lock["scope"],
                owner_xml=(lock.get("owner") or b"").decode("utf-8", "replace"),
            )
        current.locks.clear()
        lock.update(_lock_dict(made))
        return lock

    def refresh(self, token: str, *, timeout: float) -> dict[str, Any]:
        lock = queries.active_locks().filter(token=token).first()
        if lock is None:
            raise ValueError("no such lock")
        with _as_dav_errors():
            actions.refresh_lock(
                actor=context().user,
                lock=lock,
                timeout=int(timeout) if timeout > 0 else actions.MAX_LOCK_SECONDS,
            )
        context().locks.clear()
        return _lock_dict(lock)

    def delete(self, token: str) -> bool:
        lock = (
            Lock.objects.filter(token=token)
            .select_related("owner", "document__library__space", "folder__library__space")
            .first()
        )
        if lock is None:
            return False
        current = context()
        current.locks.clear()
        if lock.expires_at <= timezone.now() or (lock.document is None and lock.folder is None):
            actions.forget_lock(token=token)
            return True
        with _as_dav_errors():
            actions.unlock(actor=current.user, lock=lock)
        return True

    def get_lock_list(
        self, path: str, *, include_root: bool, include_children: bool, token_only: bool
    ) -> list[Any]:
        path = normalize_lock_root(path)
        found = []
        for lock in self._of_library(_library_of_url(path)):
            if (include_root and lock.root == path) or (
                include_children and lock.root.startswith(path.rstrip("/") + "/")
            ):
                found.append(lock.token if token_only else _lock_dict(lock))
        return found


def _key(item: Folder | Document) -> tuple[str, int]:
    return ("folder" if isinstance(item, Folder) else "document", item.pk)


class PropertyStorage:
    """WsgiDAV's property manager over `DeadProperty`. WsgiDAV names a resource by its URL; the
    resource told the request's context its URL (`_Item.get_ref_url`), so a property is the
    item's, whatever path reached it. The properties of a folder's members (and the folder's)
    are read in one query, once per request; `/` and `/Shared with me` have none."""

    def __repr__(self) -> str:
        return "cercle.documents.dav.PropertyStorage"

    def _item(self, url: str) -> Folder | Document | None:
        resource = context().items.get(url)
        if isinstance(resource, FolderCollection):
            return resource.folder
        if isinstance(resource, DocumentResource):
            return resource.document
        return None

    def _of(self, url: str) -> dict[str, str]:
        item = self._item(url)
        if item is None:
            return {}
        current = context()
        key = _key(item)
        parent = item.parent_id if isinstance(item, Folder) else item.folder_id
        if key not in current.properties and parent is not None:
            _load_member_properties(parent)
        if key not in current.properties and parent is None:  # a library's root
            current.properties[key] = dict(
                DeadProperty.objects.filter(folder_id=item.pk).values_list("name", "value")
            )
        return current.properties.get(key, {})

    def get_properties(self, norm_url: str, environ: Any = None) -> list[str]:
        return list(self._of(norm_url))

    def get_property(self, norm_url: str, name: str, environ: Any = None) -> str | None:
        return self._of(norm_url).get(name)

    def write_property(
        self,
        norm_url: str,
        name: str,
        property_value: bytes | str,
        dry_run: bool = False,
        environ: Any = None,
    ) -> None:
        item = self._item(norm_url)
        if item is None:
            raise DAVError(HTTP_FORBIDDEN)
        if dry_run:
            return
        value = (
            property_value.decode("utf-8")
            if isinstance(property_value, bytes)
            else str(property_value)
        )
        actions.set_dead_property(item=item, name=name, value=value)
        self._forget()

    def remove_property(
        self, norm_url: str, name: str, dry_run: bool = False, environ: Any = None
    ) -> None:
        item = self._item(norm_url)
        if item is None:
            raise DAVError(HTTP_FORBIDDEN)
        if dry_run:
            return
        actions.remove_dead_properties(item=item, name=name)
        self._forget()

    def remove_properties(self, norm_url: str, environ: Any = None) -> None:
        # After a DELETE: the properties stay with the item in the trash (and come back if it
        # is restored); they are deleted with it when the trash is purged.
        self._forget()

    def copy_properties(self, src_url: str, dest_url: str, environ: Any = None) -> None:
        return None  # `CercleProvider.copy` copies them from item to item

    def move_properties(
        self, src_url: str, dest_url: str, with_children: bool, environ: Any = None
    ) -> None:
        return None  # they are the item's: nothing to do

    def _forget(self) -> None:
        current = context()
        current.properties.clear()
        current.loaded.clear()


def _load_member_properties(parent: int) -> None:
    """The dead properties of a folder's living members and of the folder itself, in one query,
    once per request (into the context's `properties`)."""
    current = context()
    if parent in current.loaded:
        return
    current.loaded.add(parent)
    rows = DeadProperty.objects.filter(
        Q(document__folder_id=parent, document__trashed_at__isnull=True)
        | Q(folder__parent_id=parent, folder__trashed_at__isnull=True)
        | Q(folder_id=parent)
    ).values_list("folder_id", "document_id", "name", "value")
    for folder_id, document_id, name, value in rows:
        owner = ("folder", folder_id) if folder_id else ("document", document_id)
        current.properties.setdefault(owner, {})[name] = value


# The rules for writing dead properties: whoever may change the resource.


def _set_property_value(
    self: FolderCollection | DocumentResource, name: str, value: Any, *, dry_run: bool = False
) -> Any:
    action: queries.Action = "upload" if isinstance(self, FolderCollection) else "version"
    if not self._may(action):
        raise DAVError(HTTP_FORBIDDEN)
    return _DAVResource.set_property_value(self, name, value, dry_run=dry_run)


FolderCollection.set_property_value = _set_property_value
DocumentResource.set_property_value = _set_property_value


# --- The application ---------------------------------------------------------------------------


_applications: dict[str, WsgiDAVApp] = {}
_application_lock = threading.Lock()


def application(mount: str = MOUNT) -> WsgiDAVApp:
    """WsgiDAV's application for one of `MOUNTS` (its hrefs and destinations are under it)."""
    with _application_lock:
        if mount not in _applications:
            provider = CercleProvider()
            locks = LockStorage()
            locks.provider = provider
            _applications[mount] = WsgiDAVApp(
                {
                    "provider_mapping": {"/": provider},
                    "mount_path": mount,
                    "lock_storage": locks,
                    "property_manager": PropertyStorage(),
                    # Cercle authenticates (`dav_view`) and answers errors itself.
                    "middleware_stack": [ErrorPrinter, RequestResolver],
                    "http_authenticator": {"domain_controller": None},
                    "dir_browser": {"enable": False},
                    "hotfixes": {"re_encode_path_info": False, "unquote_path_info": False},
                    # A client sets a file's modification time (`set_last_modified`).
                    "mutable_live_props": ["{DAV:}getlastmodified"],
                    "add_header_MS_Author_Via": True,
                    "block_size": BLOCK_BYTES,
                    "verbose": 0,
                    "logging": {"enable": False},
                    "suppress_version_info": True,
                }
            )
    return _applications[mount]


# --- Authentication ----------------------------------------------------------------------------


def _challenge(message: str, status: int = 401) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return response


def _credentials(request: HttpRequest) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _space, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    login, colon, secret = decoded.partition(":")
    if not colon:
        return None
    return login.strip()[:254], secret


def authenticate(request: HttpRequest) -> User | HttpResponse:
    """The person whose login (username or e-mail) and personal access token the request
    carries; failures count against the same limit as the sign-in form's."""
    credentials = _credentials(request)
    if credentials is None:
        return _challenge(_("Sign in with your username and a personal access token."))
    login, secret = credentials
    key = login.lower()
    if not ratelimit.consume(request, action="login_failed", key=key, dry_run=True):
        return _challenge(_("Too many failed attempts: try again later."), status=429)
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(secret), user__is_active=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        .first()
    )
    user = token.user if token is not None else None
    if user is None or key not in {user.username.lower(), (user.email or "").lower()}:
        ratelimit.consume(request, action="login_failed", key=key)
        return _challenge(_("Wrong username or token."))
    assert token is not None
    if token.last_used_at is None or token.last_used_at < timezone.now() - TOKEN_TOUCH:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return user


# --- The view ----------------------------------------------------------------------------------


def mount_of(path: str) -> str:
    """Which of `MOUNTS` a request's path is under."""
    return MOUNT if path == MOUNT or path.startswith(MOUNT + "/") else LEGACY_MOUNT


def _environ(request: HttpRequest, user: User, body: HttpRequest | IO[bytes]) -> dict[str, Any]:
    environ: dict[str, Any] = {
        key: value
        for key, value in request.META.items()
        if isinstance(value, str) and (key.startswith("HTTP_") or key.isupper())
    }
    mount = mount_of(request.path)
    path = request.path.removeprefix(mount) or "/"
    environ.update(
        {
            "REQUEST_METHOD": request.method or "GET",
            "SCRIPT_NAME": mount,
            "PATH_INFO": path,
            "QUERY_STRING": request.META.get("QUERY_STRING", ""),
            "SERVER_NAME": request.get_host().split(":")[0],
            "SERVER_PORT": request.get_port(),
            "HTTP_HOST": request.get_host(),
            "SERVER_PROTOCOL": request.META.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": request.scheme or "http",
            "wsgi.input": body,
            "wsgi.errors": io.StringIO(),
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgidav.auth.user_name": user.username,
            "wsgidav.auth.realm": REALM,
        }
    )
    environ.pop("HTTP_AUTHORIZATION", None)
    environ.pop("HTTP_COOKIE", None)
    return environ


def _checked_body(request: HttpRequest) -> HttpRequest | IO[bytes] | HttpResponse:
    """The request's body for WsgiDAV: streamed as it is for PUT; for the methods that carry
    XML, read (at most `MAX_XML_BYTES`) and parsed once with defusedxml first, so that an
    entity bomb or an external entity is refused (400) before WsgiDAV's parser sees it."""
    if request.method not in XML_METHODS:
        return request
    data = request.read(MAX_XML_BYTES + 1)
    if len(data) > MAX_XML_BYTES:
        return HttpResponse(_("This request's body is too large."), status=413)
    if data.strip():
        try:
            SafeElementTree.fromstring(data, forbid_dtd=True)
        except (SafeElementTree.ParseError, DefusedXmlException, ValueError):
            return HttpResponse(
                _("The request's body is not valid XML."),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
    request.META["CONTENT_LENGTH"] = str(len(data))
    return io.BytesIO(data)


SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def _preload_tree(top: Folder) -> None:
    """Every living folder and document under `top`, and their dead properties, in three
    queries whatever the tree's size, for a `PROPFIND` with `Depth: infinity`: each folder's
    `get_member_list` then reads them from the context. (A folder inside a folder in the trash
    is never reached: the walk goes from parent to child.)"""
    current = context()
    folders = (
        Folder.objects.filter(
            library_id=top.library_id, path__startswith=top.path, trashed_at__isnull=True
        )
        .exclude(pk=top.pk)
        .order_by("name", "pk")
    )
    tree: dict[int, tuple[list[Folder], list[Document]]] = {}
    ids = [top.pk]
    for folder in folders:
        tree.setdefault(folder.parent_id or 0, ([], []))[0].append(folder)
        ids.append(folder.pk)
    for pk in ids:
        tree.setdefault(pk, ([], []))
    documents = (
        Document.objects.filter(
            library_id=top.library_id,
            folder__path__startswith=top.path,
            trashed_at__isnull=True,
        )
        .select_related("current")
        .order_by("name", "pk")
    )
    for document in documents:
        if document.folder_id in tree:
            tree[document.folder_id][1].append(document)
    for pk in ids:
        current.properties.setdefault(("folder", pk), {})
    for _folders, documents_ in tree.values():
        for document in documents_:
            current.properties.setdefault(("document", document.pk), {})
    _load_tree_properties(top, ids)
    current.tree = tree


def _load_tree_properties(top: Folder, ids: Iterable[int]) -> None:
    """The dead properties of everything under `top`, in one query; the folders `ids` are then
    known to have no others (`_load_member_properties` reads nothing more for them)."""
    current = context()
    rows = DeadProperty.objects.filter(
        Q(folder__library_id=top.library_id, folder__path__startswith=top.path)
        | Q(document__library_id=top.library_id, document__folder__path__startswith=top.path)
    ).values_list("folder_id", "document_id", "name", "value")
    for folder_id, document_id, name, value in rows:
        owner = ("folder", folder_id) if folder_id else ("document", document_id)
        current.properties.setdefault(owner, {})[name] = value
    current.loaded.update(ids)


_MULTISTATUS_START = b'<?xml version="1.0" encoding="utf-8" ?>\n<D:multistatus xmlns:D="DAV:">'

# The live properties `_fast_response` writes itself, as WsgiDAV's `get_property_value` would.
FAST_PROPERTIES = frozenset(
    "{DAV:}" + name
    for name in (
        "resourcetype",
        "creationdate",
        "getcontentlength",
        "getcontenttype",
        "getlastmodified",
        "displayname",
        "getetag",
        "lockdiscovery",
        "supportedlock",
    )
)
_SUPPORTED_LOCK = (
    "<D:supportedlock>"
    + "".join(
        f"<D:lockentry><D:lockscope><D:{scope}/></D:lockscope>"
        "<D:locktype><D:write/></D:locktype></D:lockentry>"
        for scope in ("exclusive", "shared")
    )
    + "</D:supportedlock>"
)
_OK = "HTTP/1.1 " + get_http_status_string(200)
_NOT_FOUND = "HTTP/1.1 " + get_http_status_string(HTTP_NOT_FOUND)


def _live_value(member: FolderCollection | DocumentResource, name: str) -> str | None:
    """The XML of one of `FAST_PROPERTIES` (escaped), or None where WsgiDAV answers 404: the
    same getters, and the same formats (`util.get_rfc3339_time`, `util.get_rfc1123_time`)."""
    local = name[6:]
    if local == "resourcetype":
        if member.is_collection:
            return "<D:resourcetype><D:collection/></D:resourcetype>"
        return "<D:resourcetype/>"
    if local == "lockdiscovery":
        return "<D:lockdiscovery/>"  # only members without a lock come here
    if local == "supportedlock":
        return _SUPPORTED_LOCK
    text: str | None
    if local == "creationdate":
        moment = member.get_creation_date()
        text = dav_util.get_rfc3339_time(moment) if moment is not None else None
    elif local == "getlastmodified":
        moment = member.get_last_modified()
        text = dav_util.get_rfc1123_time(moment) if moment is not None else None
    elif local == "getcontentlength":
        length = member.get_content_length()
        text = str(length) if length is not None else None
    elif local == "getcontenttype":
        text = member.get_content_type()
    elif local == "displayname":
        text = member.get_display_name()
    else:
        text = member.get_etag()
    if text is None:
        return None
    return f"<D:{local}>{xml_escape(text)}</D:{local}>"


def _element(name: str, prefixes: dict[str, str]) -> str:
    """An empty element for a property's name in Clark notation (`{namespace}local`)."""
    if name.startswith("{"):
        namespace, _brace, local = name[1:].partition("}")
        if namespace == "DAV:":
            return f"<D:{local}/>"
        return f"<{prefixes[namespace]}:{local}/>"
    return f"<{name}/>"


def _fast_response(
    member: FolderCollection | DocumentResource, mode: str, names: list[str]
) -> bytes | None:
    """The `<D:response>` of a member written here rather than by WsgiDAV (whose per-property
    work is most of a large listing's time), with the same meaning as its own; None when the
    member has dead properties or a lock (WsgiDAV's answer then)."""
    provider = member.provider
    ref_url = member.get_ref_url()
    if provider.prop_manager.get_properties(ref_url):
        return None
    if provider.lock_manager.get_url_lock_list(ref_url):
        return None
    if mode == "allprop":
        wanted: Iterable[str] = _ALLPROP
        if not member.prevent_locking():
            wanted = (*wanted, "{DAV:}lockdiscovery", "{DAV:}supportedlock")
    else:
        wanted = names
    found: list[str] = []
    missing: list[str] = []
    prefixes: dict[str, str] = {}
    for name in wanted:
        value = _live_value(member, name) if name in FAST_PROPERTIES else None
        if value is not None:
            found.append(value)
        elif mode == "named":  # not a live property it has, and no dead one: 404
            if name.startswith("{") and not name.startswith("{DAV:}"):
                namespace = name[1:].partition("}")[0]
                prefixes.setdefault(namespace, f"NS{len(prefixes) + 1}")
            missing.append(name)
    return _response(prefixes, xml_escape(member.get_href()), found, missing).encode("utf-8")


def _response(
    prefixes: dict[str, str],
    href: str,
    found: list[str],
    missing: list[str],
    *,
    missing_first: bool = False,
) -> str:
    """One `<D:response>`: its namespaces, the href (escaped already), the properties found
    (200) and those missing (404), those first whose first property was asked first
    (`missing_first`: as WsgiDAV's `add_property_response` orders them)."""
    declared = "".join(
        f' xmlns:{prefix}="{xml_escape(namespace, {chr(34): "&quot;"})}"'
        for namespace, prefix in prefixes.items()
    )
    propstats = []
    if found:
        propstats.append(
            f"<D:propstat><D:prop>{''.join(found)}</D:prop><D:status>{_OK}</D:status></D:propstat>"
        )
    if missing:
        empty = "".join(_element(name, prefixes) for name in missing)
        propstats.append(
            f"<D:propstat><D:prop>{empty}</D:prop><D:status>{_NOT_FOUND}</D:status></D:propstat>"
        )
    if missing_first:
        propstats.reverse()
    return f"<D:response{declared}><D:href>{href}</D:href>{''.join(propstats)}</D:response>"


# --- A listing written from rows (`_RowListing`) -----------------------------------------------

# What a listing reads of each member: plain rows, not model instances, their dates (the third
# and fourth values) as UTC texts (`_DateColumns`). A file's folder is read for `infinity` only,
# its author never (`_special_document`: a column less, a tenth of the query).
_FOLDER_ROW = ("pk", "name", "created", "updated", "parent_id", "path", "created_by_id")
_DOCUMENT_ROW = (
    "pk",
    "name",
    "created",
    "modified",  # `DocumentResource.get_last_modified`'s (`_RowListing`)
    "current_id",
    "current__size",
    "current__content_type",
)
_IN_TREE = (*_DOCUMENT_ROW, "folder_id")
_HREF_SAFE = "/" + "!*'()," + "$-_|."  # WsgiDAV's own (`_DAVResource.get_href`)
# A name `quote` would leave as it is but for its spaces (quoted by hand: faster).
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.\-~/!*'(),$| ]*\Z")
# Plain names, one a line (`_plain_names`).
_PLAIN_LINES = re.compile(r"[A-Za-z0-9_.\-~/!*'(),$| \n]*\Z")


def _quoted(name: str) -> str:
    """`quote(name, safe=_HREF_SAFE)`, without its cost for the common names. Its result has
    nothing XML would escape (`&`, `<`, `>` are quoted): it goes in an `href` as it is."""
    if _PLAIN_NAME.match(name):
        return name.replace(" ", "%20")
    return quote(name, safe=_HREF_SAFE)


def _plain_names(rows: list[tuple[Any, ...]]) -> bool:
    """Whether the name (second value) of every row is plain (`_PLAIN_NAME`: nothing to escape,
    only its spaces to quote), by one match over them all rather than one per name. (A name
    holding a line end makes more lines than rows: not plain.)"""
    names = "\n".join([row[1] for row in rows])
    return names.count("\n") == len(rows) - 1 and _PLAIN_LINES.match(names) is not None


# What a member's `<D:response>` says of itself (`_writer`), as expressions of a writer's
# arguments (`_WRITER_ARGUMENTS`): the dates in WsgiDAV's formats (`util.get_rfc3339_time`,
# `util.get_rfc1123_time`) from their UTC texts (`_DateColumns`).
_WRITTEN = {
    "href": "{href}{quoted}",
    "displayname": "{escaped}",
    "creationdate": "{created[:10]}T{created[11:19]}Z",
    "getlastmodified": "{day}{modified[11:19]} GMT",
    "getcontentlength": "{length}",
    "getcontenttype": "{content_type}",
    "getetag": "{pk}-{version}",
}
# A writer's arguments: the href of the member's folder, its name quoted and escaped, its
# creation's and last modification's UTC texts and that day's start in RFC 1123 (`_Days`), and
# a file's length, content type (escaped), id and current version's id (its etag).
_WRITER_ARGUMENTS = (
    "href, quoted, escaped, created, day, modified, length=0, content_type='', pk=0, version=0"
)
_ALLPROP = (
    "{DAV:}resourcetype",
    "{DAV:}creationdate",
    "{DAV:}getcontentlength",
    "{DAV:}getcontenttype",
    "{DAV:}getlastmodified",
    "{DAV:}displayname",
    "{DAV:}getetag",
)
# What a collection does not have (WsgiDAV's `DAVCollection`: None, so 404 when named).
_NOT_OF_FOLDERS = frozenset({"getcontentlength", "getcontenttype", "getetag"})


# A writer (`_writer`): a member's `<D:response>` from its values (`_WRITER_ARGUMENTS`).
_Writer = Callable[..., str]


@functools.lru_cache(maxsize=256)
def _writer_of(slots: tuple[str, ...]) -> Callable[..., _Writer]:
    """What makes the writers of the `<D:response>`s whose values are `slots` (keys of
    `_WRITTEN`), in this order, each between two constant texts: an f-string of the texts and
    of `_WRITTEN`'s expressions, one call per member (its parts' tuple taken by an
    `itemgetter` and joined took a third longer, a `%` template half again). The source holds
    nothing but `_WRITTEN`'s expressions and names: the texts, which may hold a client's
    namespaces, are the arguments of what it returns, never source."""
    texts = [f"_{n}" for n in range(len(slots) + 1)]
    body = "{" + texts[0] + "}"
    for slot, text in zip(slots, texts[1:], strict=True):
        body += _WRITTEN[slot] + "{" + text + "}"
    source = (
        f"def make({', '.join(texts)}):\n"
        f"    def write({_WRITER_ARGUMENTS}):\n"
        f'        return f"{body}"\n'
        "    return write\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "<documents.dav._writer_of>", "exec"), namespace)  # noqa: S102
    make: Callable[..., _Writer] = namespace["make"]
    return make


def _writer(
    *, folder: bool, mode: str, names: list[str], may_lock: bool, whole: bool = False
) -> _Writer:
    """The writer of the `<D:response>` of a member without dead properties or locks: the
    same properties, in the same order, as `_fast_response` writes. `whole`: a file's
    `resourcetype` as WsgiDAV's whole answer writes it (`<D:resourcetype></D:resourcetype>`,
    `_SharedListing`)."""
    if mode == "allprop":
        wanted: tuple[str, ...] = _ALLPROP
        if may_lock:
            wanted = (*wanted, "{DAV:}lockdiscovery", "{DAV:}supportedlock")
    else:
        wanted = tuple(names)
    found: list[str] = []
    slots = ["href"]
    missing: list[str] = []
    prefixes: dict[str, str] = {}
    for name in wanted:
        local = name[6:]
        if name not in FAST_PROPERTIES or (folder and local in _NOT_OF_FOLDERS):
            if mode == "named":  # not a live property it has, and no dead one: 404
                if name.startswith("{") and not name.startswith("{DAV:}"):
                    namespace = name[1:].partition("}")[0]
                    prefixes.setdefault(namespace, f"NS{len(prefixes) + 1}")
                missing.append(name)
        elif local == "resourcetype":
            if folder:
                found.append("<D:resourcetype><D:collection/></D:resourcetype>")
            else:
                found.append("<D:resourcetype></D:resourcetype>" if whole else "<D:resourcetype/>")
        elif local == "lockdiscovery":
            found.append("<D:lockdiscovery/>")
        elif local == "supportedlock":
            found.append(_SUPPORTED_LOCK)
        else:
            found.append(f"<D:{local}>\0</D:{local}>")
            slots.append(local)
    # `\0` (never in XML) marks the values, in the order of `slots`.
    missing_first = whole and bool(missing) and bool(wanted) and missing[0] == wanted[0]
    texts = _response(prefixes, "\0", found, missing, missing_first=missing_first).split("\0")
    if folder:  # its href ends with a slash
        texts[1] = "/" + texts[1]
    return _writer_of(tuple(slots))(*texts)


class _Days(dict[str, str]):
    """RFC 1123's start (`Mon, 07 Dec 2026 `) of the moments of a day, by its date
    (`2026-12-07`), each made once: a moment's UTC text (`_DateColumns`) cut up into
    WsgiDAV's `util.get_rfc1123_time`."""

    def __missing__(self, day: str) -> str:
        weekday = _WEEKDAYS[date.fromisoformat(day).weekday()]
        text = self[day] = f"{weekday}, {day[8:10]} {_MONTHS[day[5:7]]} {day[:4]} "
        return text


class _Escaped(dict[str, str]):
    """Texts escaped for XML, each once (a listing's content types)."""

    def __missing__(self, text: str) -> str:
        escaped = self[text] = xml_escape(text)
        return escaped


# RFC 1123's (and `email.utils.formatdate`'s) names of the days and months.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = {
    f"{number:02d}": name
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}


def _moment(value: datetime | str) -> datetime:
    """A date of `_plain_rows` as a moment: an aware one, or UTC (what SQLite keeps, as Django
    stores it): a UTC text the database wrote (`_DateColumns`) or a naive moment (SQLite's
    driver parses a column's)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _utc_text(moment: datetime | str) -> str:
    """A moment's UTC text to the second (`YYYY-MM-DD HH:MM:SS`), as `_DateColumns` reads the
    dates: RFC 3339 and RFC 1123 are cut up from it (`_WRITTEN`, `_Days`)."""
    return _moment(moment).astimezone(UTC).isoformat(sep=" ")[:19]


def _sqlite_text(moment: Any) -> Func:
    """A moment as SQLite keeps it, its text in UTC (`YYYY-MM-DD HH:MM:SS[.ffffff]`): an
    expression, so the driver does not parse it (Django's converter of `datetime` columns, a
    fifth of a 10,000-file listing's time)."""
    return Func(
        F(moment) if isinstance(moment, str) else moment,
        template="CAST(%(expressions)s AS TEXT)",
        output_field=TextField(),
    )


def _as_is(moment: Any) -> Any:
    return F(moment) if isinstance(moment, str) else moment


def _raw_sqlite(connection: Any) -> bool:
    """SQLite with its moments kept in UTC: `_plain_rows` reads its rows by their SQL."""
    return connection.vendor == "sqlite" and settings.USE_TZ and connection.timezone_name == "UTC"


def _pg_utc_text(moment: Any) -> Func:
    """A moment's UTC text to the second, as SQLite's (`_sqlite_text`) begins: PostgreSQL's
    own moments, parsed by Django's Python `timestamptz` loader (not psycopg's C one), took a
    third of a listing's time."""
    return Func(
        moment,
        template="to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')",
        output_field=TextField(),
    )


@dataclass(frozen=True)
class _DateColumns:
    """How a listing reads its members' dates on a database: each moment as its UTC text
    (`YYYY-MM-DD HH:MM:SS`, then SQLite's fraction of a second), by the expression `text`,
    cut up into RFC 3339 and RFC 1123 as they are written (`_WRITTEN`, `_Days`: a dictionary
    lookup per member); `texts` False: the moments as Django gives them, made those texts by
    `_dated_rows`. Formatting 20,000 dates in Python, each through a moment, took half of a
    10,000-file listing whose files were not all written in the same second; SQLite writing
    RFC 3339 (`substr`), a fifth of its query."""

    text: Callable[[Any], Any]
    texts: bool


def _dates_of(db: str) -> _DateColumns:
    """How a listing reads its dates on the database `db`: UTC texts written by PostgreSQL or
    by SQLite (its moments kept in UTC), else as Django gives them."""
    connection = connections[db]
    if connection.vendor == "postgresql":
        return _DateColumns(_pg_utc_text, True)
    if _raw_sqlite(connection):
        return _DateColumns(_sqlite_text, True)
    return _DateColumns(_as_is, False)


def _dated_rows(rows: list[tuple[Any, ...]], dates: _DateColumns) -> list[tuple[Any, ...]]:
    """Rows (`_FOLDER_ROW`, `_DOCUMENT_ROW`) with their dates as `_DateColumns`' texts."""
    if dates.texts:
        return rows
    return [(row[0], row[1], _utc_text(row[2]), _utc_text(row[3]), *row[4:]) for row in rows]


def _plain_rows(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """A `values_list` query's rows. On SQLite, read by its SQL without Django's converters
    (two thirds of the time of a 10,000-file listing's query), its dates written by the database
    in WsgiDAV's formats (`_dates_of`). (PostgreSQL's driver gives texts too, without Django's
    work.)"""
    connection = connections[queryset.db]
    if not _raw_sqlite(connection):
        return list(queryset)
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
    return rows


_Resource = TypeVar("_Resource", FolderCollection, DocumentResource)
_Model = TypeVar("_Model", bound=Model)


def _partial(model: type[_Model], db: str, **values: Any) -> _Model:
    """An instance of `model` from the `values` read (by attribute name), its other fields
    deferred (read if ever asked, as `QuerySet.only` leaves them)."""
    names = [field.attname for field in model._meta.concrete_fields if field.attname in values]
    return model.from_db(db, names, [values[name] for name in names])


class _RowListing:
    """The members of a folder in a library (`Depth: 1`), or its whole tree (`infinity`), read
    as plain rows in two queries and written by a writer per kind (`_writer`):
    no model instance, no permission call per member (what a member allows here is its
    library's, `CercleProvider.rights`, the same for each). A member with dead properties or a
    lock is made a resource (from its row, without a query) and answered by WsgiDAV, as in
    `_fast_response`. Under `/Shared with me` (a shared folder's members), what a member
    allows is what the shares covering it give (`write_shared`), read in one query."""

    def __init__(self, top: FolderCollection, *, depth: str, mode: str, names: list[str]) -> None:
        self.top = top
        self.depth = depth
        folder = top.folder
        library = folder.library
        current = context()
        self.properties = current.properties
        self.paths: dict[int, str] | None = None  # the folders' paths, by id (`_ancestors`)
        # The paths locked in the library (`LockStorage`: a lock's root is its quoted path).
        locks = top.provider.lock_manager.storage
        assert isinstance(locks, LockStorage)
        self.locked = {
            unquote(lock.root) for lock in locks._of_library(_library_of_url(top.get_ref_url()))
        }
        # What a member allows (`prevent_locking`, offered in `allprop`): in a library, its
        # rights, the same for every member; under `/Shared with me`, the shares covering it:
        # those of the folder listed (`top_write`), and any write share of a member or of a
        # folder between them (`write_shared`, one query).
        self.write_shared: set[tuple[str, int]] = set()
        self.received: queries.ReceivedShares | None = None
        if _is_shared_path(top.path):
            self.top_write = top._may("upload")
            self.received = queries.received_shares(current.user, [library.pk])
            if not self.top_write:
                self.write_shared = self.received.writable()
        else:
            self.top_write = top.cercle.rights(library).write
        self.writers = {
            (folder, may_lock): _writer(folder=folder, mode=mode, names=names, may_lock=may_lock)
            for folder in (True, False)
            for may_lock in (True, False)
        }
        # A large listing kept from an earlier request (`listing_cache`): the same rows (the
        # generation), the same writers (the key), and, read now, no member with dead
        # properties or a lock.
        self.kept: listing_cache.Kept | None = None
        self.key: tuple[Any, ...] | None = None
        generation = listing_cache.generation() if self.received is None else None
        if generation is not None:
            db = folder._state.db or Folder.objects.db
            self.key = (
                generation,
                db,
                connections[db].settings_dict["NAME"],
                folder.pk,
                depth,
                mode,
                tuple(names),
                self.top_write,
                top.path,
                top.get_href(),
            )
            kept = listing_cache.get(self.key)
            if kept is not None:
                if depth == "1":
                    _load_member_properties(folder.pk)
                else:
                    _load_tree_properties(folder, [folder.pk, *kept.folder_ids])
                if self._plain():
                    self.kept = kept
                    return
        if depth == "1":
            folders = Folder.objects.filter(parent=folder, trashed_at__isnull=True)
            documents = Document.objects.filter(folder=folder, trashed_at__isnull=True)
            _load_member_properties(folder.pk)
        else:
            folders = Folder.objects.filter(
                library_id=library.pk, path__startswith=folder.path, trashed_at__isnull=True
            ).exclude(pk=folder.pk)
            documents = Document.objects.filter(
                library_id=library.pk,
                folder__path__startswith=folder.path,
                trashed_at__isnull=True,
            )
        self.db = folders.db
        dates = _dates_of(folders.db)
        folders = folders.annotate(
            created=dates.text("created_at"), updated=dates.text("updated_at")
        )
        self.folders: dict[int, list[tuple[Any, ...]]] = {}
        rows = _plain_rows(folders.order_by("name", "pk").values_list(*_FOLDER_ROW))
        for row in _dated_rows(rows, dates):
            self.folders.setdefault(row[4], []).append(row)
        documents = documents.annotate(
            created=dates.text("created_at"),
            modified=dates.text(
                Coalesce("current__modified_at", "current__created_at", "created_at")
            ),
        )
        columns = _DOCUMENT_ROW if depth == "1" else _IN_TREE
        rows = _plain_rows(documents.order_by("name", "pk").values_list(*columns))
        rows = _dated_rows(rows, dates)
        self.documents: dict[int, list[tuple[Any, ...]]] = {}
        if depth == "1":  # all in the folder listed
            self.documents[folder.pk] = rows
        else:
            for row in rows:  # by folder, as `_DOCUMENT_ROW`s
                self.documents.setdefault(row[7], []).append(row[:7])
        if depth != "1":
            _load_tree_properties(folder, [folder.pk, *self.folders_ids()])
        members = sum(map(len, self.documents.values())) + sum(map(len, self.folders.values()))
        if members < listing_cache.MIN_MEMBERS or not self._plain():
            self.key = None  # not kept

    def _plain(self) -> bool:
        """Whether no member has dead properties or a lock (read on this request): only such
        a listing is kept or given from `listing_cache`."""
        top = self.top
        if any(found for key, found in self.properties.items() if key != _key(top.folder)):
            return False
        prefix = top.path.rstrip("/") + "/"
        return not any(path.startswith(prefix) for path in self.locked)

    def folders_ids(self) -> list[int]:
        return [row[0] for rows in self.folders.values() for row in rows]

    def _special_folder(self, row: tuple[Any, ...], path: str) -> FolderCollection:
        pk, name, created_at, updated_at, parent_id, folder_path, created_by_id = row
        library = self.top.folder.library
        folder = Folder(
            pk=pk,
            library_id=library.pk,
            parent_id=parent_id,
            name=name,
            path=folder_path,
            created_at=_moment(created_at),
            updated_at=_moment(updated_at),
            created_by_id=created_by_id,
        )
        folder.library = library
        return self._known(FolderCollection(self.top.cercle, path, folder, self.top.environ))

    def _special_document(
        self, row: tuple[Any, ...], path: str, folder_id: int
    ) -> DocumentResource:
        pk, name, created_at, modified, current_id, size, content_type = row
        library = self.top.folder.library
        document = _partial(
            Document,
            self.db,
            id=pk,
            library_id=library.pk,
            folder_id=folder_id,
            name=name,
            created_at=_moment(created_at),
            current_id=current_id,
        )
        document.library = library
        if folder_id == self.top.folder.pk:
            document.folder = self.top.folder
        document.current = (
            Version(
                pk=current_id,
                document_id=pk,
                size=size,
                content_type=content_type,
                created_at=_moment(modified),
                modified_at=_moment(modified),
            )
            if current_id is not None
            else None
        )
        return self._known(DocumentResource(self.top.cercle, path, document, self.top.environ))

    def _known(self, resource: _Resource) -> _Resource:
        """A resource WsgiDAV may look up again by its path (a lock's root): no query. Under
        `/Shared with me`, its rights are what the shares read at first give (no query)."""
        current = context()
        current.resources[resource.path] = resource
        if self.received is not None:
            if isinstance(resource, FolderCollection):
                item: Folder | Document = resource.folder
                rights = self.received.rights(resource.folder.ancestor_ids())
            else:
                item = resource.document
                rights = self.received.rights(self._ancestors(item.folder_id), item.pk)
            current.item_rights[_key(item)] = rights
        return resource

    def _ancestors(self, folder_id: int) -> list[int]:
        """`ancestor_ids` of a folder of the listing (the one listed, or one of its tree)."""
        if folder_id == self.top.folder.pk:
            return self.top.folder.ancestor_ids()
        if self.paths is None:
            self.paths = {row[0]: row[5] for rows in self.folders.values() for row in rows}
        return [int(part) for part in self.paths[folder_id].strip("/").split("/") if part]

    def responses(self, special: Callable[[Any], bytes]) -> Iterator[bytes]:
        """The members' `<D:response>`s in WsgiDAV's order (`get_descendants`: a folder's
        subfolders, each followed by its own tree for `infinity`, then its documents),
        `STREAMED_RESPONSES` at a time; `special` answers a member with dead properties or a
        lock. A file's response is one call of its writer (`_writer`) on values taken from its
        row with no other call (a 10,000-file folder is 10,000 of them). A large listing is
        kept as it is sent (`listing_cache`), or given as it was kept."""
        if self.kept is not None:
            yield from self.kept.chunks
            return
        if self.key is None:
            yield from self._written(special)
            return
        chunks = []
        for chunk in self._written(special):
            chunks.append(chunk)
            yield chunk
        kept = listing_cache.Kept(
            chunks=tuple(chunks),
            folder_ids=tuple(self.folders_ids()),
            size=sum(map(len, chunks)),
        )
        listing_cache.put(self.key, kept)

    def _written(self, special: Callable[[Any], bytes]) -> Iterator[bytes]:
        days = _Days()
        types = _Escaped()
        locked = self.locked
        # The members with dead properties (answered by WsgiDAV), by kind.
        described = {
            kind: {pk for (of, pk), found in self.properties.items() if of == kind and found}
            for kind in ("folder", "document")
        }
        described_folders, described_documents = described["folder"], described["document"]
        write_shared = self.write_shared
        writers = self.writers
        infinity = self.depth == "infinity"
        top = self.top
        # A stack of folders being written: (id, path, href, whether its members may be
        # locked, what is left of its subfolders, its documents).
        stack: list[
            tuple[int, str, str, bool, Iterator[tuple[Any, ...]], list[tuple[Any, ...]]]
        ] = [
            (
                top.folder.pk,
                top.path.rstrip("/") + "/",
                top.get_href().rstrip("/") + "/",
                self.top_write,
                iter(self.folders.get(top.folder.pk, ())),
                self.documents.get(top.folder.pk, []),
            )
        ]
        parts: list[str] = []
        append = parts.append
        while stack:
            folder_id, path, href, write, folders, documents = stack[-1]
            row = next(folders, None)
            if row is not None:
                pk, name, created, modified = row[:4]
                member_path = path + name
                quoted = _quoted(name)
                member_write = write or ("folder", pk) in write_shared
                if pk in described_folders or (locked and member_path in locked):
                    append(special(self._special_folder(row, member_path)).decode())
                else:
                    writer = writers[True, member_write]
                    escaped, day = xml_escape(name), days[modified[:10]]
                    append(writer(href, quoted, escaped, created, day, modified))
                if infinity:
                    stack.append(
                        (
                            pk,
                            member_path + "/",
                            href + quoted + "/",
                            member_write,
                            iter(self.folders.get(pk, ())),
                            self.documents.get(pk, []),
                        )
                    )
            else:
                stack.pop()
                writer = writers[False, write]
                for start in range(0, len(documents), STREAMED_RESPONSES):
                    rows = documents[start : start + STREAMED_RESPONSES]
                    plain = _plain_names(rows)
                    for row in rows:
                        pk, name, created, modified, version, size, content_type = row
                        if pk in described_documents or (locked and path + name in locked):
                            member = self._special_document(row, path + name, folder_id)
                            append(special(member).decode())
                            continue
                        if write_shared and not write:
                            writer = writers[False, ("document", pk) in write_shared]
                        if version is None:
                            size, content_type, version = 0, "application/octet-stream", 0
                        if plain or _PLAIN_NAME.match(name):  # as `_quoted`; nothing to escape
                            quoted, escaped = name.replace(" ", "%20"), name
                        else:
                            quoted, escaped = quote(name, safe=_HREF_SAFE), xml_escape(name)
                        day, escaped_type = days[modified[:10]], types[content_type]
                        append(
                            writer(
                                href,
                                quoted,
                                escaped,
                                created,
                                day,
                                modified,
                                size,
                                escaped_type,
                                pk,
                                version,
                            )
                        )
                    if len(parts) >= STREAMED_RESPONSES:
                        yield "".join(parts).encode()
                        parts.clear()
            if len(parts) >= STREAMED_RESPONSES:
                yield "".join(parts).encode()
                parts.clear()
        if parts:
            yield "".join(parts).encode()


# How WsgiDAV's whole answer (`xml_tools.xml_to_bytes`) starts, where its `<D:response>`s
# do not declare `DAV:` again (a response serialised alone does: `_in_whole`).
_WHOLE_MULTISTATUS_START = (
    b"<?xml version='1.0' encoding='UTF-8'?>\n<D:multistatus xmlns:D=\"DAV:\">"
)


def _in_whole(response: bytes) -> bytes:
    """A `<D:response>` serialised alone by lxml, as it is inside a whole answer: without its
    own declaration of `DAV:` (after the response's other namespaces, if any)."""
    end = response.find(b">")
    return response[:end].replace(b' xmlns:D="DAV:"', b"", 1) + response[end:]


class _SharedListing:
    """The members of `/Shared with me` (`Depth: 1`): what others shared with the person
    (`CercleProvider.shared_items`), written by a writer per kind and per right to lock,
    byte for byte as WsgiDAV's whole answer was (`_WHOLE_MULTISTATUS_START`, a file's
    `<D:resourcetype></D:resourcetype>`, `_in_whole`). The items (two queries), what the
    shares give on each (one, `queries.shared_rights_of`), their dead properties (one) and the
    locks under `/Shared with me` (one) are read whatever their number; a member with dead
    properties or a lock is WsgiDAV's answer, as in `_RowListing`."""

    def __init__(self, top: SharedCollection, *, mode: str, names: list[str]) -> None:
        self.top = top
        current = context()
        self.items = top.cercle.shared_items()
        items = list(self.items.values())
        self.rights = queries.shared_rights_of(current.user, items)
        current.item_rights.update(self.rights)
        folders = [item.pk for item in items if isinstance(item, Folder)]
        documents = [item.pk for item in items if isinstance(item, Document)]
        for item in items:
            current.properties.setdefault(_key(item), {})
        if items:
            rows = DeadProperty.objects.filter(
                Q(folder_id__in=folders) | Q(document_id__in=documents)
            ).values_list("folder_id", "document_id", "name", "value")
            for folder_id, document_id, name, value in rows:
                owner = ("folder", folder_id) if folder_id else ("document", document_id)
                current.properties[owner][name] = value
        self.properties = current.properties
        locks = top.provider.lock_manager.storage
        assert isinstance(locks, LockStorage)
        self.locked = {unquote(lock.root) for lock in locks._of_library(queries.SHARED_DAV_NAME)}
        self.writers = {
            (folder, may_lock): _writer(
                folder=folder, mode=mode, names=names, may_lock=may_lock, whole=True
            )
            for folder in (True, False)
            for may_lock in (True, False)
        }

    def responses(self, special: Callable[[Any], bytes]) -> Iterator[bytes]:
        days = _Days()
        top = self.top
        path = "/" + queries.SHARED_DAV_NAME + "/"
        href = top.get_href().rstrip("/") + "/"
        parts: list[str] = []
        for name, item in self.items.items():
            key = _key(item)
            member_path = path + name
            if self.properties.get(key) or member_path in self.locked:
                member: FolderCollection | DocumentResource
                if isinstance(item, Folder):
                    member = FolderCollection(top.cercle, member_path, item, top.environ)
                else:
                    member = DocumentResource(top.cercle, member_path, item, top.environ)
                context().resources[member.path] = member
                parts.append(special(member).decode())
                continue
            may_lock = self.rights[key].write  # `prevent_locking`: upload, or version
            created = _utc_text(item.created_at)
            if isinstance(item, Folder):
                modified = _utc_text(item.updated_at)
                parts.append(
                    self.writers[True, may_lock](
                        href,
                        _quoted(name),
                        xml_escape(item.name),
                        created,
                        days[modified[:10]],
                        modified,
                    )
                )
                continue
            current = item.current
            if current is None:
                length, content_type = 0, "application/octet-stream"
                modified = created
            else:
                length, content_type = current.size, current.content_type
                modified = _utc_text(current.modified_at or current.created_at)
            parts.append(
                self.writers[False, may_lock](
                    href,
                    _quoted(name),
                    xml_escape(item.name),
                    created,
                    days[modified[:10]],
                    modified,
                    length,
                    xml_escape(content_type),
                    item.pk,
                    item.current_id or 0,
                )
            )
            if len(parts) >= STREAMED_RESPONSES:
                yield "".join(parts).encode()
                parts.clear()
        if parts:
            yield "".join(parts).encode()


def _streamed_propfind(
    request: HttpRequest, environ: dict[str, Any], current: Context
) -> HttpResponseBase | None:
    """A `PROPFIND` of a folder with `Depth: 1` or `infinity` (the RFC's default), answered
    `STREAMED_RESPONSES` resources at a time, each sent as soon as it is made, so the answer's
    size never sits in memory: for the common bodies, from plain rows (`_RowListing`, in a
    library) or by `_fast_response` (under `/Shared with me`); otherwise, and for members with
    dead properties or locks, by WsgiDAV's own code (the same properties, dead ones and lock
    discovery included, as its answer). The folder's members (its whole tree for `infinity`),
    their properties and the library's locks are read in a fixed number of queries. Anything
    else (`Depth: 0`, an `If` header, a file, `/`) is WsgiDAV's."""
    depth = environ.get("HTTP_DEPTH", "infinity").lower()
    if depth not in ("1", "infinity") or "HTTP_IF" in environ:
        return None
    app = application(environ["SCRIPT_NAME"])
    provider = app.provider_map.get("/")
    if not isinstance(provider, CercleProvider):
        return None
    try:
        path = dav_util.normalize_path(environ["PATH_INFO"])
    except DAVError:
        return None
    # What WsgiDAV's application puts in the environment before its request server runs.
    environ.update(
        {
            "PATH_INFO": path,
            "wsgidav.app": app,
            "wsgidav.config": app.config,
            "wsgidav.provider": provider,
            "wsgidav.verbose": app.verbose,
        }
    )
    with _in_context(current):
        resource = provider.get_resource_inst(environ["PATH_INFO"], environ)
        shared_top = isinstance(resource, SharedCollection) and depth == "1"
        if not isinstance(resource, FolderCollection) and not shared_top:
            return None
        body = environ["wsgi.input"]
        data = body.getvalue() if isinstance(body, io.BytesIO) else b""
        try:
            request_el = xml_tools.etree.fromstring(data) if data.strip() else None
        except Exception:  # WsgiDAV answers it (400)
            return None
        mode = "allprop"
        names: list[str] = []
        if request_el is not None:
            if request_el.tag != "{DAV:}propfind":
                return None
            found = [node.tag for node in request_el]
            if found == ["{DAV:}allprop"]:
                mode = "allprop"
            elif found == ["{DAV:}propname"] or found == ["{DAV:}name"]:
                return None  # rare: WsgiDAV's
            elif found == ["{DAV:}prop"]:
                mode = "named"
                names = [node.tag for node in request_el[0]]
            else:
                return None
    # The common bodies (allprop, or a list of the live properties clients ask and names
    # nobody stored) are written here (`_fast_response`, and `_RowListing` for the members of a
    # folder in a library); any other `DAV:` name is WsgiDAV's.
    fast = all(name in FAST_PROPERTIES or not name.startswith("{DAV:}") for name in names) and len(
        set(names)
    ) == len(names)
    listing: _RowListing | _SharedListing | None = None
    whole = False  # written as WsgiDAV's whole answer was (`_SharedListing`)
    with _in_context(current):
        if isinstance(resource, SharedCollection):
            if not (fast and ROW_LISTINGS):
                return None  # WsgiDAV's whole answer
            listing = _SharedListing(resource, mode=mode, names=names)
            whole = True
            resources: list[Any] = [resource]
        elif not isinstance(resource, FolderCollection):
            return None
        elif fast and ROW_LISTINGS:
            listing = _RowListing(resource, depth=depth, mode=mode, names=names)
            resources = [resource]
        else:
            if depth == "infinity":
                _preload_tree(resource.folder)
            resources = resource.get_descendants(depth=depth, add_self=True)

    def one(member: Any) -> bytes:
        if fast and isinstance(member, FolderCollection | DocumentResource):
            written = _fast_response(member, mode, names)
            if written is not None:
                return written
        holder = xml_tools.make_multistatus_el()
        if mode == "allprop":
            properties = member.get_properties("allprop")
        else:
            properties = member.get_properties("named", name_list=names)
        dav_util.add_property_response(holder, member.get_href(), properties)
        if whole:  # as in WsgiDAV's whole answer (UTF-8, no character references)
            return b"".join(
                _in_whole(xml_tools.etree.tostring(child, encoding="UTF-8")) for child in holder
            )
        return b"".join(xml_tools.etree.tostring(child) for child in holder)

    def answer() -> Iterator[bytes]:
        yield _WHOLE_MULTISTATUS_START if whole else _MULTISTATUS_START
        for start in range(0, len(resources), STREAMED_RESPONSES):
            with _in_context(current):
                chunk = b"".join(
                    one(member) for member in resources[start : start + STREAMED_RESPONSES]
                )
            yield chunk
        if listing is not None:
            members = listing.responses(one)
            while True:
                with _in_context(current):
                    chunk = next(members, b"")
                if not chunk:
                    break
                yield chunk
        yield b"</D:multistatus>"

    response = StreamingHttpResponse(
        answer(), status=207, content_type="application/xml; charset=utf-8"
    )
    for name, value in SECURITY_HEADERS.items():
        response[name] = value
    return response


@csrf_exempt
def dav_view(request: HttpRequest, path: str = "") -> HttpResponseBase:
    """Every request under `/dav/`."""
    user = authenticate(request)
    if isinstance(user, HttpResponse):
        return user
    body = _checked_body(request)
    if isinstance(body, HttpResponse):
        return body
    environ = _environ(request, user, body)
    current = Context(user=user, method=request.method or "GET", environ=environ)
    if request.method == "PROPFIND":
        streamed = _streamed_propfind(request, environ, current)
        if streamed is not None:
            return streamed
        if request.META.get("HTTP_DEPTH", "").lower() == "infinity":
            # Only a folder's tree is listed whole (`_streamed_propfind`): `/` (every library
            # at once) and the shares are not (RFC 4918, 9.1: this refusal).
            return HttpResponse(
                b'<?xml version="1.0" encoding="utf-8"?>\n'
                b'<D:error xmlns:D="DAV:"><D:propfind-finite-depth/></D:error>',
                status=403,
                content_type="application/xml; charset=utf-8",
            )
    started: dict[str, Any] = {}

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        started["status"] = status
        started["headers"] = headers
        return lambda data: None

    try:
        with _in_context(current):
            chunks = iter(application(environ["SCRIPT_NAME"])(environ, start_response))
            first = next(chunks, b"")
    finally:
        for staged in current.staged:  # a PUT's body not recorded, whatever went wrong
            staged.discard()
    code, _space, reason = started["status"].partition(" ")
    status = int(code)
    streaming = request.method == "GET" and status in (200, 206)

    def rest() -> Iterator[bytes]:
        try:
            if first:
                yield first
            while True:
                with _in_context(current):
                    chunk = next(chunks, None)
                if chunk is None:
                    return
                yield chunk
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    response: HttpResponseBase
    if streaming:
        response = StreamingHttpResponse(rest(), status=status, reason=reason or None)
    else:
        response = HttpResponse(b"".join(rest()), status=status, reason=reason or None)
    for name, value in started["headers"]:
        if name.lower() == "content-type" and value.startswith("application;"):
            value = "application/xml; charset=utf-8"  # WsgiDAV 4.3's answer to a new LOCK
        if name.lower() != "date":  # the server adds its own
            response[name] = value
    for name, value in SECURITY_HEADERS.items():
        response[name] = value
    if streaming:
        response["Content-Disposition"] = "attachment"
    if current.mtime_accepted:
        response["X-OC-Mtime"] = "accepted"
    return response


def _is_shared_path(path: str) -> bool:
    return path.strip("/").split("/", 1)[0] == queries.SHARED_DAV_NAME
