"""`python -m cercle strip_photo_metadata`: photos sent in conversations before the upload policy
(`cercle.core.uploads`) kept their metadata, GPS position included; this re-encodes them once.

Run it once after upgrading (docs/administration.md); running it again changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cercle.chat.actions import strip_old_photo_metadata


class Command(BaseCommand):
    help = "Re-encode the photos sent in conversations before the upload policy, without their "
    "metadata (EXIF, GPS)."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = strip_old_photo_metadata()
        self.stdout.write(f"{changed} photo(s) re-encoded without their metadata.")
