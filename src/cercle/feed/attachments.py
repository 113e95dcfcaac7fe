"""Checking files attached to posts: size, count, and that the content is what its name says.

Images (JPEG, PNG, WebP, GIF) must open with Pillow; JPEG, PNG and WebP are re-encoded, which
drops their metadata (EXIF, GPS) and anything hidden after the image. Documents are accepted by
extension *and* content signature (PDF, the zip-based office formats, plain UTF-8 text); anything
else (executables, HTML, SVG…) is refused.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_FILES = 10
MAX_PIXELS = 40_000_000
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".gif"}
ZIP_DOCUMENTS = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".odp": "application/vnd.oasis.opendocument.presentation",
}
TEXT_DOCUMENTS = {".txt": "text/plain", ".csv": "text/csv", ".md": "text/markdown"}


@dataclass
class CheckedFile:
    name: str
    content: ContentFile[bytes]
    content_type: str
    size: int
    is_image: bool
    width: int | None = None
    height: int | None = None


def max_bytes() -> int:
    return int(getattr(settings, "MAX_UPLOAD_MB", 10)) * 1024 * 1024


def _clean_name(name: str) -> str:
    name = (name or "file").replace("\x00", "")  # PostgreSQL cannot store NUL
    base = PurePosixPath(name.replace("\\", "/")).name.strip() or "file"
    return base[:200]


def _read(upload: IO[bytes], name: str) -> bytes:
    upload.seek(0, io.SEEK_END)
    size = upload.tell()
    if size > max_bytes():
        raise ValidationError(
            {
                "attachments": [
                    _("%(name)s is too large (at most %(max)s MB).")
                    % {"name": name, "max": getattr(settings, "MAX_UPLOAD_MB", 10)}
                ]
            }
        )
    if size == 0:
        raise ValidationError({"attachments": [_("%(name)s is empty.") % {"name": name}]})
    upload.seek(0)
    return upload.read()


def _image(data: bytes, name: str) -> CheckedFile:
    refused = ValidationError(
        {"attachments": [_("%(name)s is not an image we can read.") % {"name": name}]}
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format or ""
                probe.verify()
            if fmt not in IMAGE_TYPES:
                raise refused
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise refused
                if fmt == "GIF":
                    output = data  # re-encoding would lose the animation; verified above
                else:
                    image.load()
                    buffer = io.BytesIO()
                    clean: Image.Image = image
                    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                        clean = image.convert("RGB")
                    clean.save(buffer, format=fmt)  # no exif= argument: metadata dropped
                    output = buffer.getvalue()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise refused from error
    return CheckedFile(
        name=name,
        content=ContentFile(output),
        content_type=IMAGE_TYPES[fmt],
        size=len(output),
        is_image=True,
        width=width,
        height=height,
    )


def check_upload(upload: IO[bytes], original_name: str) -> CheckedFile:
    """A file safe to keep and serve, or a ValidationError for the "attachments" field."""
    name = _clean_name(original_name)
    data = _read(upload, name)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in IMAGE_EXTENSIONS:
        return _image(data, name)
    content_type = ""
    if suffix == ".pdf" and data.startswith(b"%PDF-"):
        content_type = "application/pdf"
    elif suffix in ZIP_DOCUMENTS and data.startswith(b"PK\x03\x04"):
        content_type = ZIP_DOCUMENTS[suffix]
    elif suffix in TEXT_DOCUMENTS:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            content_type = ""
        else:
            content_type = TEXT_DOCUMENTS[suffix]
    if not content_type:
        raise ValidationError(
            {
                "attachments": [
                    _(
                        "%(name)s cannot be attached: images, PDF, office documents and text "
                        "files only."
                    )
                    % {"name": name}
                ]
            }
        )
    return CheckedFile(
        name=name,
        content=ContentFile(data),
        content_type=content_type,
        size=len(data),
        is_image=False,
    )


def check_uploads(uploads: list[tuple[IO[bytes], str]]) -> list[CheckedFile]:
    if len(uploads) > MAX_FILES:
        raise ValidationError(
            {"attachments": [_("At most %(max)d files per post.") % {"max": MAX_FILES}]}
        )
    return [check_upload(upload, name) for upload, name in uploads]
