"""A picture of a PDF's first page, to show a document on a card before it is opened (the
notice an announcement asks to confirm). Rendered by PDFium (`pypdfium2`, Chromium's own PDF
engine), then written by Pillow as a PNG: what is served is a plain image, never the PDF's
content."""

from __future__ import annotations

import io
import logging
from typing import IO

import pypdfium2
from PIL import Image

logger = logging.getLogger(__name__)

# Wide enough for a card on a desktop (two pixels per CSS pixel on a phone of 360 px).
PREVIEW_WIDTH = 720
# A page at most this many times taller than wide (a long receipt) is cut there.
MAX_RATIO = 2


def pdf_first_page_png(source: IO[bytes], *, width: int = PREVIEW_WIDTH) -> bytes | None:
    """The first page of the PDF read from `source` as PNG bytes, `width` pixels wide; None when
    it is no readable PDF (damaged, encrypted, empty)."""
    try:
        document = pypdfium2.PdfDocument(source.read())
    except pypdfium2.PdfiumError:
        return None
    try:
        if len(document) == 0:
            return None
        page = document[0]
        page_width, _height = page.get_size()
        if page_width <= 0:
            return None
        bitmap = page.render(scale=width / page_width)
        picture: Image.Image = bitmap.to_pil().convert("RGB")
    except (pypdfium2.PdfiumError, ValueError, OSError) as error:
        logger.info("no preview for a PDF: %s", error)
        return None
    finally:
        document.close()
    if picture.height > MAX_RATIO * picture.width:
        picture = picture.crop((0, 0, picture.width, MAX_RATIO * picture.width))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
