"""Files attached to posts: the feed's purpose for `cercle.core.uploads`, and the count limit.

Images (JPEG, PNG, WebP, GIF) are re-encoded without their metadata; PDF, office documents
(Word, Excel, PowerPoint, OpenDocument) and UTF-8 text are kept as sent, each recognised by its
content; anything else (programs, HTML, SVG, archives…) is refused.
"""

from __future__ import annotations

from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cercle.core import uploads
from cercle.core.uploads import CheckedFile

MAX_FILES = 10
POST_ATTACHMENT = uploads.Purpose(
    "post attachment",
    accepts=uploads.IMAGES | uploads.DOCUMENTS,
    described=gettext_lazy("images, PDF, office documents and text files"),
)

__all__ = ["MAX_FILES", "POST_ATTACHMENT", "CheckedFile", "check_upload", "check_uploads"]


def check_upload(upload: IO[bytes], original_name: str) -> CheckedFile:
    """A file safe to keep and serve, or a ValidationError for the "attachments" field."""
    try:
        return uploads.check(upload, original_name, POST_ATTACHMENT)
    except ValidationError as error:
        raise ValidationError({"attachments": error.messages}) from error


def check_uploads(uploads_: list[tuple[IO[bytes], str]]) -> list[CheckedFile]:
    if len(uploads_) > MAX_FILES:
        raise ValidationError(
            {"attachments": [_("At most %(max)d files per post.") % {"max": MAX_FILES}]}
        )
    return [check_upload(upload, name) for upload, name in uploads_]
