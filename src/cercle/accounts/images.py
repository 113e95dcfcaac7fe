"""Profile photos: checked to be a real image, resized, re-encoded without any metadata."""

from __future__ import annotations

import io
import warnings
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

PHOTO_MAX_PX = 512
ACCEPTED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}
# Refuse decompression bombs well before Pillow's own limit.
MAX_PIXELS = 40_000_000


def max_upload_bytes() -> int:
    return int(settings.MAX_UPLOAD_MB) * 1024 * 1024


def process_photo(upload: IO[bytes], *, size: int | None = None) -> ContentFile[bytes]:
    """A square JPEG (or PNG when transparent) of at most PHOTO_MAX_PX, with no EXIF nor GPS.

    Raises ValidationError with a message for the "photo" field when the file is too big or is
    not an image Pillow can read.
    """
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    if size > max_upload_bytes():
        raise ValidationError(
            _("The photo is too large (at most %(max)s MB).") % {"max": settings.MAX_UPLOAD_MB},
            code="too_large",
        )
    upload.seek(0)
    not_an_image = ValidationError(
        _("Upload a photo in JPEG, PNG, GIF or WebP format."), code="invalid_image"
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise not_an_image
                width, height = probe.size
                if width * height > MAX_PIXELS or width < 1 or height < 1:
                    raise ValidationError(_("The photo has too many pixels."), code="too_large")
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as opened:
                opened.load()
                image: Image.Image = ImageOps.exif_transpose(opened)
                has_alpha = image.mode in ("RGBA", "LA") or (
                    image.mode == "P" and "transparency" in image.info
                )
                image = image.convert("RGBA" if has_alpha else "RGB")
                image = ImageOps.fit(
                    image,
                    (min(PHOTO_MAX_PX, *image.size),) * 2,
                    method=Image.Resampling.LANCZOS,
                )
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise not_an_image from error

    # A fresh image holds pixels only: saving it writes no EXIF, GPS, ICC nor text chunks.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    output = io.BytesIO()
    if has_alpha:
        clean.save(output, format="PNG", optimize=True)
        extension = "png"
    else:
        clean.save(output, format="JPEG", quality=85, optimize=True)
        extension = "jpg"
    return ContentFile(output.getvalue(), name=f"photo.{extension}")
