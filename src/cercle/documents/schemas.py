"""Input and output schemas of the document base's API (separate, so no model field leaks)."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from cercle.core.schemas import Id
from cercle.spaces.schemas import InSchema, PersonRef


class LibrarySpaceRef(Schema):
    id: int
    slug: str
    name: str


class LibraryOut(Schema):
    id: int
    kind: Literal["space", "personal"]
    name: str
    space: LibrarySpaceRef | None
    root_folder_id: int
    can_write: bool


class LibraryListOut(Schema):
    items: list[LibraryOut]


class FolderRef(Schema):
    id: int
    name: str


class DocumentFolderOut(Schema):
    id: int
    name: str
    library_id: int
    parent_id: int | None
    is_root: bool
    path: list[FolderRef]  # from the root down to this folder
    created_by: PersonRef | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    can_upload: bool
    can_rename: bool
    can_move: bool
    can_delete: bool


class FolderItemOut(Schema):
    type: Literal["folder", "file"]
    id: int
    name: str
    size: int | None
    content_type: str | None
    updated_at: datetime.datetime
    created_by: PersonRef | None


class FolderPageOut(Schema):
    folder: DocumentFolderOut
    items: list[FolderItemOut]
    next_cursor: str | None


class DocumentFileOut(Schema):
    id: int
    name: str
    library_id: int
    folder_id: int
    version: int
    size: int
    content_type: str
    sha256: str
    created_by: PersonRef | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    download_url: str
    can_version: bool
    can_rename: bool
    can_move: bool
    can_delete: bool


class UploadOut(Schema):
    file: DocumentFileOut
    new_document: bool  # false: the folder had a file of that name, this is its new version


class DocumentVersionOut(Schema):
    id: int
    number: int
    size: int
    content_type: str
    sha256: str
    created_by: PersonRef | None
    created_at: datetime.datetime
    restored_from: int | None
    download_url: str


class DocumentVersionListOut(Schema):
    items: list[DocumentVersionOut]


class TrashItemOut(Schema):
    type: Literal["folder", "file"]
    id: int
    name: str
    trashed_at: datetime.datetime
    trashed_by: PersonRef | None
    purge_on: datetime.datetime
    can_restore: bool


class TrashListOut(Schema):
    items: list[TrashItemOut]


class RestoredOut(Schema):
    type: Literal["folder", "file"]
    id: int
    name: str
    folder_id: int
    to_root: bool  # its folder was gone: it came back at the library's root
    renamed: bool  # its name was taken: it came back with a number


class FolderIn(InSchema):
    name: str = Field(max_length=1000)


class FolderPatchIn(InSchema):
    """Rename (`name`), move (`parent_id`), or both."""

    name: str | None = Field(None, max_length=1000)
    parent_id: Id | None = None


class FilePatchIn(InSchema):
    """Rename (`name`), move (`folder_id`), or both."""

    name: str | None = Field(None, max_length=1000)
    folder_id: Id | None = None


class CopyIn(InSchema):
    folder_id: Id


class DocumentLockOut(Schema):
    """A lock on a file ("I am editing this", or a WebDAV client's): others still read it."""

    id: int
    owner: PersonRef
    since: datetime.datetime
    expires_at: datetime.datetime
    depth: str
    mine: bool


class DocumentRefusedOut(Schema):
    """An upload refused while it arrived: the largest file (413) or the library's quota (507)."""

    detail: str


class DocumentShareIn(InSchema):
    """With one person (`username`) or one space I am a member of (`space_id`)."""

    username: str | None = Field(default=None, max_length=150)
    space_id: Id | None = None
    access: Literal["read", "write"] = "read"


class ShareSpaceRef(Schema):
    id: int
    slug: str
    name: str


class ShareOut(Schema):
    id: int
    item_type: Literal["folder", "file"]
    item_id: int
    person: PersonRef | None
    space: ShareSpaceRef | None
    access: Literal["read", "write"]
    created_at: datetime.datetime


class ShareListOut(Schema):
    items: list[ShareOut]


class SharedItemOut(Schema):
    type: Literal["folder", "file"]
    id: int
    name: str
    owner: PersonRef
    access: Literal["read", "write"]
    shared_at: datetime.datetime
    through_spaces: list[str]


class SharedListOut(Schema):
    items: list[SharedItemOut]


class DocumentUploadIn(InSchema):
    """An upload in chunks: a new file `name` in `folder_id` (under its sub-folders `path`,
    "Reports/2026", made when it finishes), or a new version of `file_id`; `size` in bytes."""

    folder_id: Id | None = None
    file_id: Id | None = None
    name: str = Field(default="", max_length=1000)
    path: str = Field(default="", max_length=4000)
    size: int = Field(ge=1, le=2**62)


class DocumentUploadOut(Schema):
    """Where an upload in chunks is: send the next chunk at `offset` (`PUT …?offset=`)."""

    id: str
    name: str
    path: str
    folder_id: int
    file_id: int | None
    size: int
    offset: int
    max_chunk_bytes: int
    expires_at: datetime.datetime
    url: str


class DocumentOffsetOut(Schema):
    """A chunk sent at another offset than the one expected (409): resume from `offset`."""

    detail: str
    offset: int


class DocumentCommentIn(InSchema):
    """A comment's text, in Markdown."""

    body: str = Field(min_length=1, max_length=10_000)


class DocumentCommentOut(Schema):
    id: int
    author: PersonRef
    body: str
    body_html: str
    created_at: datetime.datetime
    edited_at: datetime.datetime | None
    can_edit: bool
    can_delete: bool


class DocumentCommentListOut(Schema):
    items: list[DocumentCommentOut]
