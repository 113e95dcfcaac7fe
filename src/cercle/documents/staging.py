"""Uploads of the pages' forms and of the API written once, straight to the documents storage.

Django's own upload handlers keep a file in memory or in a temporary file, which the action then
copies to the storage: with the ASGI server's spool, three writes of every byte. Here the request's
body is read as it arrives (`core.asgi_handler.StreamedBody` past 5 MB), `core.uploads`'
`CappedUploadHandler` counts it, and `StagingUploadHandler` writes each file's bytes into an
`actions.StagedContent`: at its final place in the storage, hashed on the way, with the room it
needs reserved in the library before its first byte (the body's `Content-Length`) and grown as it
arrives. The action then records it without copying it.

`staged_uploads(request)` wraps a view: whatever happens (a refusal, a client gone mid-body, a
content refused, an error), every staged file the action has not recorded is deleted and its
reservation given back when the view ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest

from cercle.core import uploads
from cercle.documents import actions, queries

_STAGED = "cercle_staged_uploads"


class StagingUploadHandler(FileUploadHandler):
    """Writes each file of a multipart body into an `actions.StagedContent` as it arrives. With
    `library_id` (the target's library, known before the body), room is reserved there first:
    a refusal stops the upload (`StopUpload`) with the quota's message, for the view to give."""

    # Django's parser reads the body by the smallest of its handlers' chunks (64 kB by default):
    # 1 MB blocks pass 16 times fewer through the parser, the counting and the writes.
    chunk_size = 1024 * 1024

    def __init__(
        self, request: HttpRequest, library_id: int | Callable[[], int | None] | None
    ) -> None:
        super().__init__(request)
        # A function is asked once the body starts (the API's person is known then).
        self.library_of = library_id
        self.library_id: int | None = None
        self.declared: int | None = None
        # `file`, once a file starts: the one being written (Django's parser closes it, so
        # deletes it, when the upload stops).

    def handle_raw_input(
        self,
        input_data: Any,
        META: dict[str, Any],
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        self.library_id = self.library_of() if callable(self.library_of) else self.library_of
        # The body's length less its wrapping (boundaries, a few fields) for the first file;
        # the reservation grows if the files bring more.
        self.declared = max(content_length - uploads.MULTIPART_SLACK, 0) if content_length else 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        try:
            staged = actions.StagedContent(
                self.file_name or "file",
                content_type=self.content_type or "application/octet-stream",
                file_bytes=queries.max_file_mb() * queries.MB,
                file_message=queries.file_too_large(queries.max_file_mb() * queries.MB),
                library_id=self.library_id,
                declared=self.declared,
            )
        except ValidationError as error:
            self._stop(error)
        self.file = staged
        self.declared = 0  # reserved by the first file; the next ones grow their own
        getattr(self.request, _STAGED).append(staged)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        try:
            self.file.write(raw_data)
        except ValidationError as error:
            self._stop(error)
        return None

    def file_complete(self, file_size: int) -> actions.StagedContent:
        staged: actions.StagedContent = self.file
        staged.seek(0)
        return staged

    def upload_interrupted(self) -> None:
        staged = getattr(self, "file", None)
        if staged is not None:
            staged.discard()

    def _stop(self, error: ValidationError) -> None:
        code = "too_large"
        messages: list[str] = []
        for found in error.error_dict.get("file", []) if hasattr(error, "error_dict") else []:
            messages.extend(found.messages)
            code = "quota" if found.code == "quota" else code
        if not hasattr(error, "error_dict"):
            messages = list(error.messages)
            code = "quota" if error.code == "quota" else code
        refused = uploads.UploadRefusal(" ".join(messages), code)  # type: ignore[arg-type]
        setattr(self.request, uploads.REFUSAL_ATTRIBUTE, refused)
        self.upload_interrupted()
        raise StopUpload(connection_reset=True)


def stage_uploads(request: HttpRequest, library_id: int | Callable[[], int | None] | None) -> None:
    """Puts `StagingUploadHandler` in place of Django's handlers (after `core.uploads`'
    `CappedUploadHandler`, if there): call it before anything reads the body."""
    if not hasattr(request, _STAGED):
        setattr(request, _STAGED, [])
    handlers = [h for h in request.upload_handlers if isinstance(h, uploads.CappedUploadHandler)]
    request.upload_handlers = [*handlers, StagingUploadHandler(request, library_id)]


@contextmanager
def staged_uploads(request: HttpRequest) -> Iterator[None]:
    """Deletes, when the view ends, every file staged for `request` that no action recorded."""
    if not hasattr(request, _STAGED):
        setattr(request, _STAGED, [])
    try:
        yield
    finally:
        for staged in getattr(request, _STAGED):
            staged.discard()
