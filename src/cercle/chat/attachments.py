"""Checks on files sent in conversations: size, name, type; images opened and measured."""

from __future__ import annotations

import mimetypes
import re
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

# Shown inline: formats browsers display and Pillow verifies. (No SVG: it can carry scripts.)
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
# Refused outright: programs and scripts that run when opened.
REFUSED_EXTENSIONS = {
    ".exe", ".msi", ".bat", ".cmd", ".com", ".scr", ".pif", ".vbs", ".vbe", ".js", ".jse",
    ".wsf", ".wsh", ".ps1", ".hta", ".cpl", ".jar", ".apk", ".dll", ".sh", ".lnk", ".reg",
}  # fmt: skip
_UNSAFE = re.compile(r"[^\w.\- ()+]", re.UNICODE)


@dataclass
class CheckedUpload:
    name: str
    size: int
    content_type: str
    is_image: bool
    width: int | None = None
    height: int | None = None


def max_bytes() -> int:
    return int(settings.MAX_UPLOAD_MB) * 1024 * 1024


def clean_name(name: str) -> str:
    base = PurePath(name.replace("\\", "/")).name.strip() or "file"
    base = _UNSAFE.sub("_", base).lstrip(".") or "file"
    if len(base) > 150:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 140 - len(ext)] + dot + ext) if dot and len(ext) < 10 else base[:150]
    return base


def check_upload(upload: UploadedFile[bytes]) -> CheckedUpload:
    size = int(upload.size or 0)
    if size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    if size > max_bytes():
        raise ValidationError(
            {
                "file": [
                    _("The file is too large (at most %(max)s MB).")
                    % {"max": settings.MAX_UPLOAD_MB}
                ]
            }
        )
    name = clean_name(upload.name or "file")
    extension = PurePath(name).suffix.lower()
    if extension in REFUSED_EXTENSIONS:
        raise ValidationError({"file": [_("Programs and scripts cannot be sent.")]})
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                image_format = probe.format or ""
                width, height = probe.size
                probe.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):  # fmt: skip
        image_format = ""
        width = height = 0
    finally:
        upload.seek(0)
    if image_format in IMAGE_FORMATS:
        return CheckedUpload(
            name=name,
            size=size,
            content_type=IMAGE_FORMATS[image_format],
            is_image=True,
            width=width,
            height=height,
        )
    guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    # Never served as something a browser would run or render as a page.
    if guessed.startswith(("text/html", "image/svg", "application/xhtml", "text/javascript")):
        guessed = "application/octet-stream"
    return CheckedUpload(name=name, size=size, content_type=guessed, is_image=False)
