"""Files sent in conversations: chat's purpose for `cercle.core.uploads`.

Any file may be sent except programs and scripts (by content and by name). Images (JPEG, PNG, GIF,
WebP) are re-encoded without their metadata (a photo's GPS position never reaches the others) and
shown inline; PDF, office documents, text and zip archives keep their type; anything else, or a
file whose content does not match its name (a page, an SVG, a fake image), is a plain download of
type application/octet-stream.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy

from cercle.core import uploads
from cercle.core.uploads import CheckedFile

CHAT_ATTACHMENT = uploads.Purpose(
    "chat attachment",
    accepts=uploads.IMAGES | uploads.DOCUMENTS | {uploads.ZIP},
    described=gettext_lazy("any file but programs and scripts"),
    any_other_file=True,
)


def check_upload(upload: UploadedFile[bytes]) -> CheckedFile:
    """A file safe to keep and serve, or a ValidationError for the "file" field."""
    try:
        return uploads.check(upload, upload.name or "file", CHAT_ATTACHMENT)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
