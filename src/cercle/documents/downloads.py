"""Serving a document's content: streamed from the storage, with HTTP range requests (RFC 9110
§14) — `206 Partial Content` for one satisfiable range, `416` with `Content-Range: bytes */size`
for an unsatisfiable one, the whole file (200) for none, a malformed one, several ranges, or an
`If-Range` that no longer matches — and the upload policy's headers (`cercle.core.uploads.serve`:
nosniff, the sandboxing CSP, a download's Content-Disposition). The SHA-256 is the strong ETag.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any, cast

from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.http import http_date

from cercle.core import uploads
from cercle.documents.models import Version

CHUNK_BYTES = 1024 * 1024  # as `FileResponse` is read (`core.asgi_handler`)
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_COPIED = (
    "Content-Type",
    "Content-Disposition",
    "X-Content-Type-Options",
    "Content-Security-Policy",
    "Cross-Origin-Resource-Policy",
    "Cache-Control",
    "Vary",
)


def parse_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """The (first, last) bytes of a single range; None to serve the whole file (no range, a
    malformed or multiple one); False when unsatisfiable."""
    header = header.strip().replace(" ", "")
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    start, end = match.groups()
    if not start and not end:
        return None
    if len(start) > 19 or len(end) > 19:  # beyond any file: treat as absurd
        return False if start else None
    if not start:  # the last `end` bytes
        suffix = int(end)
        if suffix == 0 or size == 0:
            return False
        return max(size - suffix, 0), size - 1
    first = int(start)
    last = int(end) if end else size - 1
    if end and last < first:
        return None  # invalid: ignored (RFC 9110 §14.1.1)
    if first >= size:
        return False
    return first, min(last, size - 1)


def _read(file: IO[bytes], first: int, length: int) -> Iterator[bytes]:
    try:
        file.seek(first)
        left = length
        while left > 0:
            chunk = file.read(min(CHUNK_BYTES, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
    finally:
        file.close()


def serve_version(
    request: HttpRequest, version: Version, *, name: str, shown_as: str | None = None
) -> HttpResponseBase:
    """The version's content as a download; with `shown_as` (an image's type, or
    application/pdf, decided from the content by the analysis), shown in the browser instead:
    an image inline under the sandbox, a PDF in the browser's viewer (`uploads.serve`)."""
    blob = version.blob
    etag = f'"{blob.sha256}"'
    size = blob.size
    last_modified = http_date(version.created_at.timestamp())
    if request.headers.get("If-None-Match", "").strip() in (etag, f"W/{etag}", "*"):
        not_modified = HttpResponse(status=304)
        not_modified["ETag"] = etag
        return not_modified
    whole = uploads.serve(
        cast(Any, blob.open()),
        name=name,
        content_type=shown_as or version.content_type,
        open_pdf=shown_as == uploads.PDF.content_type,
    )
    whole["ETag"] = etag
    whole["Last-Modified"] = last_modified
    whole["Accept-Ranges"] = "bytes"
    whole["Content-Length"] = str(size)
    wanted = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range", "").strip()
    if not wanted or (if_range and if_range not in (etag, last_modified)):
        return whole
    span = parse_range(wanted, size)
    if span is None:
        return whole
    # Only the file: closing the response would signal the end of the request (and give back
    # the database connection) while the view still answers.
    if whole.file_to_stream is not None:
        whole.file_to_stream.close()
    if span is False:
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        refused["Accept-Ranges"] = "bytes"
        return refused
    assert isinstance(span, tuple)
    first, last = span
    length = last - first + 1
    partial = StreamingHttpResponse(
        _read(blob.open(), first, length) if request.method != "HEAD" else iter(()),
        status=206,
    )
    for header in _COPIED:
        if header in whole:
            partial[header] = whole[header]
    partial["Content-Range"] = f"bytes {first}-{last}/{size}"
    partial["Content-Length"] = str(length)
    partial["Accept-Ranges"] = "bytes"
    partial["ETag"] = etag
    partial["Last-Modified"] = last_modified
    return partial
