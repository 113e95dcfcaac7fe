"""`python manage.py expire_import_jobs`: forget waiting import files, fail interrupted imports.

`make run` runs it every 5 minutes beside the notification mail; in production, run it from cron
or a systemd timer (docs/deployment.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cercle.administration.actions import expire_import_jobs


class Command(BaseCommand):
    help = "Cancel CSV imports left waiting for 24 hours (their file is erased) and mark "
    "imports whose worker stopped as failed."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = expire_import_jobs()
        if options["verbosity"] > 1 or changed:
            self.stdout.write(f"{changed} import(s) expired or marked as interrupted.")
