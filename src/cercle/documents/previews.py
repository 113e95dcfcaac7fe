"""What a file's page shows of its content, in the browser, without running anything from it:

- an image (JPEG, PNG, GIF, WebP, recognised by its bytes) as an `<img>` of the file itself,
  served inline with `nosniff` and the sandboxing policy (`views.view`);
- a PDF in the browser's own viewer (an `<iframe>` of the file served with
  `core.uploads.PDF_VIEWER_POLICY`), and its first page as a picture (the thumbnail);
- text: as it is; Markdown rendered and sanitised like pages (`core.markdown`); CSV as a table
  of its first `CSV_ROWS` rows;
- office documents (DOCX, XLSX, PPTX, ODT, ODS, ODP) and HTML: their extracted text, as plain
  text (no renderer here turns them into pages).

The state of the text extraction (`Blob.text_state`) is told in words (`text_state_label`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from cercle.core.markdown import render_markdown
from cercle.documents import extraction
from cercle.documents.models import Blob, Document

SHOWN_BYTES = 256 * 1024  # of a text file shown on its page
SHOWN_CHARS = 50_000  # of the extracted text shown on a page
CSV_ROWS = 100
CSV_COLUMNS = 30
IMAGE_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}
OFFICE_KINDS = frozenset({"docx", "xlsx", "pptx", "odt", "ods", "odp", "markup"})


@dataclass
class Preview:
    kind: str  # "image", "pdf", "markdown", "csv", "text", "extracted", "" (none)
    html: SafeString = field(default_factory=lambda: mark_safe(""))  # rendered Markdown
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    cut: bool = False  # only the beginning is shown


def text_state_label(blob: Blob) -> str:
    """The extraction's state in words, for the file's page ("" when there is nothing to say)."""
    state = blob.text_state
    if state == extraction.PENDING:
        return _("The text of this file is being extracted.")
    if state == extraction.TRUNCATED:
        return _("Only the beginning of the text is searched (%(count)s characters).") % {
            "count": f"{extraction.max_chars():,}".replace(",", "\u202f")
        }
    if state == extraction.EMPTY:
        return _("No text was found in this file.")
    if state == extraction.TOO_LARGE:
        return _("Text not extracted: file too large.")
    if state == extraction.TIMED_OUT:
        return _("Text not extracted: timed out.")
    if state == extraction.MEMORY:
        return _("Text not extracted: it needed too much memory.")
    if state == extraction.UNSUPPORTED:
        return _("Text not extracted: unsupported type.")
    if state == extraction.UNREADABLE:
        return _("Text not extracted: the file could not be read (damaged or protected).")
    return ""


def image_type(blob: Blob) -> str | None:
    return IMAGE_TYPES.get(blob.kind)


def _head(blob: Blob) -> tuple[str, bool]:
    with blob.open() as file:
        data = file.read(SHOWN_BYTES + 1)
    cut = len(data) > SHOWN_BYTES
    return data[:SHOWN_BYTES].decode("utf-8", errors="ignore").lstrip("\ufeff"), cut


def _csv_rows(text: str) -> list[list[str]]:
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            rows.append([cell[:500] for cell in row[:CSV_COLUMNS]])
            if len(rows) >= CSV_ROWS:
                break
    except csv.Error:
        pass
    return rows


def preview_of(document: Document) -> Preview:
    version = document.current
    if version is None:
        return Preview("")
    blob = version.blob
    if image_type(blob):
        return Preview("image")
    if blob.kind == "pdf":
        return Preview("pdf")
    if blob.kind == "text":
        text, cut = _head(blob)
        content_type = version.content_type
        if content_type == "text/markdown":
            return Preview("markdown", html=mark_safe(render_markdown(text)), cut=cut)  # noqa: S308 (sanitised)
        if content_type in ("text/csv", "text/tab-separated-values"):
            rows = _csv_rows(text)
            return Preview("csv", rows=rows, cut=cut or len(rows) >= CSV_ROWS)
        return Preview("text", text=text, cut=cut)
    if blob.kind in OFFICE_KINDS and blob.text_state in (extraction.DONE, extraction.TRUNCATED):
        try:
            text = blob.extracted.text
        except Blob.extracted.RelatedObjectDoesNotExist:
            return Preview("")
        return Preview(
            "extracted",
            text=text[:SHOWN_CHARS],
            cut=len(text) > SHOWN_CHARS or blob.text_state == extraction.TRUNCATED,
        )
    return Preview("")
