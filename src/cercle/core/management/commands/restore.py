"""`manage.py restore <file>`: an archive of `manage.py backup` back into this installation,
then `migrate` (docs/deployment.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cercle.core import backup


class Command(BaseCommand):
    help = (
        "Restore a backup written by `backup` (database and files), then apply the migrations. "
        "Stop the web and worker processes first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the archive to restore")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace an installation that already has people or files",
        )
        parser.add_argument(
            "--no-migrate",
            action="store_true",
            help="leave the database at the backup's migration state",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        say = self.stdout.write if options["verbosity"] > 0 else (lambda _text: None)
        manifest = backup.restore(
            options["file"], force=options["force"], migrate=not options["no_migrate"], say=say
        )
        if options["verbosity"] > 0:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Restored the backup of {manifest['created_at']} "
                    f"(Cercle {manifest['cercle_version']})."
                )
            )
