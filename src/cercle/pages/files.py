"""Images of pages: through the platform's upload policy (`cercle.core.uploads`), kept in
`storages["pages"]` (served by the pages' views to the space's readers only)."""

from __future__ import annotations

from typing import IO

from django.core.files.storage import storages
from django.utils.translation import gettext_lazy

from cercle.core import uploads

IMAGE_MAX_PX = 2400

IMAGE = uploads.Purpose(
    "page image",
    accepts=uploads.IMAGES,
    described=gettext_lazy("JPEG, PNG, GIF or WebP images"),
    image=uploads.ImageRule(shape="fit", max_px=IMAGE_MAX_PX),
)


def store_image(upload: IO[bytes], name: str) -> tuple[str, uploads.CheckedFile]:
    """Check then store an image: its storage name and what the check found;
    `ValidationError` if refused."""
    checked = uploads.check(upload, name, IMAGE)
    stored = storages["pages"].save(checked.storage_name(), checked.content)
    return stored, checked


def delete_image(name: str) -> None:
    if name:
        storages["pages"].delete(name)
