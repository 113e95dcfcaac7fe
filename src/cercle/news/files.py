"""The cover of an article: an image through the platform's upload policy, kept in
`storages["news"]` (served by the news views to the article's audience only)."""

from __future__ import annotations

from typing import IO

from django.core.files.storage import storages
from django.utils.translation import gettext_lazy

from cercle.core import uploads

COVER_MAX_PX = 2000

COVER = uploads.Purpose(
    "news cover",
    accepts=uploads.IMAGES,
    described=gettext_lazy("JPEG, PNG, GIF or WebP images"),
    image=uploads.ImageRule(shape="fit", max_px=COVER_MAX_PX),
)


def store_cover(upload: IO[bytes], name: str) -> tuple[str, str]:
    """Check then store a cover: (its storage name, its type); `ValidationError` if refused."""
    checked = uploads.check(upload, name, COVER)
    stored = storages["news"].save(checked.storage_name(), checked.content)
    return stored, checked.content_type


def delete_cover(name: str) -> None:
    if name:
        storages["news"].delete(name)
