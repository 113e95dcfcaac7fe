"""`manage.py sync_directory [--dry-run]`: synchronise people with the company directory (LDAP
or Active Directory) now, in this process. Does nothing when no directory is configured, so
`make run`'s loop and a crontab can call it every hour."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cercle.directory import actions, queries
from cercle.directory.models import RunStatus, SyncRun


class Command(BaseCommand):
    help = "Synchronise people with the company directory (LDAP / Active Directory)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only report what would change.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not queries.is_configured():
            self.stdout.write("No company directory is configured: nothing to do.")
            return
        if queries.running() is not None:
            raise CommandError("A synchronisation is already running.")
        run = SyncRun.objects.create(dry_run=options["dry_run"])
        run = actions.run_sync(run_id=run.pk)
        self.stdout.write(
            f"{run.get_status_display()}: {run.found} found, {run.created_count} created, "
            f"{run.updated_count} updated, {run.deactivated_count} deactivated, "
            f"{run.reactivated_count} reactivated, {run.refused_count} refused"
            + (" (dry run: nothing changed)" if run.dry_run else "")
        )
        if run.error:
            self.stderr.write(run.error)
        if run.report.get("held"):
            self.stderr.write(str(run.report["held"]))
        if run.status == RunStatus.FAILED:
            raise CommandError("The synchronisation failed.")
