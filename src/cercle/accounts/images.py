"""Profile photos (and spaces' images, which follow the same rule): the purposes for
`cercle.core.uploads`, and `process_photo` that applies them."""

from __future__ import annotations

from typing import IO

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy

from cercle.core import uploads

PHOTO_MAX_PX = 512
# A real image, turned upright, cropped square (at most 512 px), saved as JPEG (PNG when
# transparent) with its pixels only: no EXIF, no GPS.
PROFILE_PHOTO = uploads.Purpose(
    "profile photo",
    accepts=uploads.IMAGES,
    described=gettext_lazy("JPEG, PNG, GIF or WebP images"),
    image=uploads.ImageRule(shape="square", max_px=PHOTO_MAX_PX, output="jpeg_or_png"),
)
SPACE_IMAGE = uploads.Purpose(
    "space image",
    accepts=uploads.IMAGES,
    described=gettext_lazy("JPEG, PNG, GIF or WebP images"),
    image=uploads.ImageRule(shape="square", max_px=PHOTO_MAX_PX, output="jpeg_or_png"),
)


def process_photo(
    upload: IO[bytes], *, purpose: uploads.Purpose = PROFILE_PHOTO
) -> ContentFile[bytes]:
    """A square JPEG (or PNG when transparent) of at most PHOTO_MAX_PX, with no EXIF nor GPS,
    named `photo.jpg` or `photo.png`.

    Raises ValidationError (code `too_large` or `invalid_image`) with one message, for the caller
    to put at its field.
    """
    checked = uploads.check(upload, getattr(upload, "name", None) or "photo", purpose)
    checked.content.seek(0)
    return ContentFile(checked.content.read(), name=f"photo{checked.kind.extensions[0]}")
