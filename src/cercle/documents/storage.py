"""Where the documents' contents live: the `documents` storage of `settings.STORAGES` (a
directory outside the media root by default, so that no URL serves it; a prefix of the S3
bucket when one is configured). Only `Blob` rows name files there."""

from __future__ import annotations

from django.core.files.storage import Storage, storages


def blob_storage() -> Storage:
    return storages["documents"]
