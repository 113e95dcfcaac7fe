"""`manage.py backup <file>`: the database and the files in one archive (docs/deployment.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cercle.core import backup


class Command(BaseCommand):
    help = (
        "Write a backup of the database and the files (media, documents, data downloads) to one "
        "tar archive, while the server keeps running."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the archive to write (must not exist)")

    def handle(self, *args: Any, **options: Any) -> None:
        say = self.stdout.write if options["verbosity"] > 0 else None
        manifest = backup.backup(options["file"], say=say or (lambda _text: None))
        remote = manifest["remote_storages"]
        if remote:
            self.stderr.write(
                "Not in the archive: the files of "
                + ", ".join(remote)
                + ", kept in object storage (back the bucket up with its own tools)."
            )
        if say:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Backup written to {options['file']} ({len(manifest['members'])} members, "
                    f"Cercle {manifest['cercle_version']})."
                )
            )
