"""The text, or the thumbnail, of one stored file: run in a process of its own by
`documents.extraction`, never imported by the server or the worker.

    python -B -m cercle.documents.extractor text|thumbnail KIND PATH \
        MAX_CHARS MAX_PAGES MEMORY_MB SECONDS

The process first limits itself (address space `RLIMIT_AS`, CPU time `RLIMIT_CPU`, no core
file), and only then imports the libraries that read the file: pypdfium2 (PDF), python-docx,
openpyxl, python-pptx, odfpy, nh3 (HTML). None of them expands XML entities: odfpy parses
through defusedxml, openpyxl uses defusedxml when it is installed (it is), python-docx and
python-pptx give lxml `resolve_entities=False` — a billion-laughs part is refused, and the limits
stand behind that in any case. No parser is
written here: the code walks what the libraries give. A hostile file can exhaust this process's
memory or time, not the worker's.

`text` writes the text as UTF-8 on stdout, at most MAX_CHARS characters, and ends with the exit
code `TRUNCATED` when it stopped there (or at MAX_PAGES pages); `thumbnail` writes a JPEG of at
most `THUMBNAIL_SIZE` pixels a side. Other exit codes say why nothing came (see the constants);
the parent also treats a signal (SIGXCPU, SIGKILL from its own timeout) as "timed out".

Nothing from Django is imported: the process starts in a fraction of a second.
"""

from __future__ import annotations

import contextlib
import io
import resource
import sys
import warnings
import zipfile
from collections.abc import Callable, Iterable
from typing import Any

OK = 0
TRUNCATED = 10
UNSUPPORTED = 11
UNREADABLE = 12
MEMORY = 13
TOO_LARGE = 14

THUMBNAIL_SIZE = 320
# Pixels an image may have before it is refused unread (a decompression bomb): core.uploads'
# own limit for images people send.
MAX_PIXELS = 40_000_000
# An office file (a zip) whose parts would unpack to more than this is not opened at all.
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024
MAX_ZIP_MEMBERS = 20_000


class Full(Exception):
    """The text reached its cap."""


class Collector:
    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.size = 0
        self.parts: list[str] = []
        self.truncated = False

    def add(self, text: str | None) -> None:
        if not text:
            return
        text = text.strip()
        if not text:
            return
        room = self.cap - self.size
        if len(text) + 1 > room:
            self.parts.append(text[: max(room, 0)])
            self.size = self.cap
            self.truncated = True
            raise Full
        self.parts.append(text)
        self.size += len(text) + 1

    def text(self) -> str:
        return "\n".join(self.parts)


def _limit(memory_mb: int, seconds: int) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _check_zip(path: str) -> None:
    """An office file's parts, before any library unpacks them: a zip bomb stops here."""
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise TooLarge
        if sum(member.file_size for member in members) > MAX_UNZIPPED_BYTES:
            raise TooLarge


class TooLarge(Exception):
    pass


# --- Text, one function per kind. ------------------------------------------------------------


def _pdf(path: str, out: Collector, max_pages: int) -> None:
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        pages = len(document)
        for index in range(min(pages, max_pages)):
            page = document[index]
            textpage = page.get_textpage()
            try:
                out.add(textpage.get_text_bounded())
            finally:
                textpage.close()
                page.close()
        if pages > max_pages:
            out.truncated = True
    finally:
        document.close()


def _docx(path: str, out: Collector, max_pages: int) -> None:
    import docx

    _check_zip(path)
    document = docx.Document(path)
    for paragraph in document.paragraphs:
        out.add(paragraph.text)
    for table in document.tables:
        for row in table.rows:
            out.add("\t".join(cell.text for cell in row.cells))


def _xlsx(path: str, out: Collector, max_pages: int) -> None:
    import openpyxl

    _check_zip(path)
    # A file object: given a path, openpyxl wants it to end in .xlsx (stored blobs have no
    # extension).
    workbook = openpyxl.load_workbook(open(path, "rb"), read_only=True, data_only=True)  # noqa: SIM115
    try:
        for sheet in workbook.worksheets:
            out.add(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                out.add("\t".join(str(value) for value in row if value is not None))
    finally:
        workbook.close()


def _pptx(path: str, out: Collector, max_pages: int) -> None:
    import pptx

    _check_zip(path)
    presentation = pptx.Presentation(path)
    for slide in presentation.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                out.add(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                for row in shape.table.rows:
                    out.add("\t".join(cell.text for cell in row.cells))
        if slide.has_notes_slide:
            out.add(slide.notes_slide.notes_text_frame.text)


def _odf(path: str, out: Collector, max_pages: int) -> None:
    from odf import teletype
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    _check_zip(path)
    document = load(path)
    paragraphs = {(TEXTNS, "p"), (TEXTNS, "h")}

    def walk(node: Any) -> None:
        # Iterative (a deep tree must not exhaust the stack): paragraphs in document order.
        stack = [node]
        while stack:
            current = stack.pop()
            if getattr(current, "qname", None) in paragraphs:
                out.add(teletype.extractText(current))
                continue
            stack.extend(reversed(getattr(current, "childNodes", [])))

    walk(document.body)


def _html(path: str, out: Collector, max_pages: int) -> None:
    import html

    import nh3

    with open(path, "rb") as file:
        raw = file.read(out.cap * 8)
    # nh3 (ammonia): every tag removed, script and style with their content; then the entities.
    plain = html.unescape(nh3.clean(raw.decode("utf-8", errors="replace"), tags=set()))
    for line in plain.splitlines():
        out.add(" ".join(line.split()))


EXTRACTORS: dict[str, Callable[[str, Collector, int], None]] = {
    "pdf": _pdf,
    "docx": _docx,
    "xlsx": _xlsx,
    "pptx": _pptx,
    "odt": _odf,
    "ods": _odf,
    "odp": _odf,
    "markup": _html,
}


def text(kind: str, path: str, max_chars: int, max_pages: int) -> int:
    extract = EXTRACTORS.get(kind)
    if extract is None:
        return UNSUPPORTED
    out = Collector(max_chars)
    with contextlib.suppress(Full):
        extract(path, out, max_pages)
    _write(out.text().encode("utf-8", errors="replace"))
    return TRUNCATED if out.truncated else OK


# --- Thumbnails. -------------------------------------------------------------------------------


def thumbnail(kind: str, path: str) -> int:
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    if kind in ("jpeg", "png", "gif", "webp"):
        with Image.open(path) as opened:
            opened.draft("RGB", (THUMBNAIL_SIZE * 2, THUMBNAIL_SIZE * 2))
            picture = ImageOps.exif_transpose(opened)
            picture.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    elif kind == "pdf":
        from cercle.core.previews import pdf_first_page_png

        with open(path, "rb") as file:
            png = pdf_first_page_png(file, width=THUMBNAIL_SIZE * 2)
        if png is None:
            return UNREADABLE
        picture = Image.open(io.BytesIO(png))
        picture.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
    else:
        return UNSUPPORTED
    if picture.mode in ("RGBA", "LA", "P"):
        picture = picture.convert("RGBA")
        background = Image.new("RGB", picture.size, "white")
        background.paste(picture, mask=picture.getchannel("A"))
        picture = background
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="JPEG", quality=80, optimize=True)
    _write(buffer.getvalue())
    return OK


def _write(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _out_of_memory(error: BaseException | None) -> bool:
    """Memory running out shows in many ways besides MemoryError: a library that cannot be
    mapped ("failed to map segment"), an allocation refused in C code."""
    while error is not None:
        message = str(error)
        if isinstance(error, MemoryError) or any(
            sign in message for sign in ("failed to map segment", "Cannot allocate memory")
        ):
            return True
        error = error.__cause__ or error.__context__
    return False


def main(argv: Iterable[str]) -> int:
    mode, kind, path, max_chars, max_pages, memory_mb, seconds = list(argv)
    _limit(int(memory_mb), int(seconds))
    try:
        if mode == "text":
            return text(kind, path, int(max_chars), int(max_pages))
        if mode == "thumbnail":
            return thumbnail(kind, path)
    except MemoryError:
        return MEMORY
    except TooLarge:
        return TOO_LARGE
    except Exception as error:  # whatever a damaged or hostile file makes a library raise
        if "DecompressionBomb" in type(error).__name__:
            return TOO_LARGE
        if _out_of_memory(error):
            return MEMORY
        print(f"{type(error).__name__}: {error}"[:500], file=sys.stderr)
        return UNREADABLE
    return UNSUPPORTED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
