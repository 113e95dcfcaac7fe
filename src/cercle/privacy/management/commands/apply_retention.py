"""Apply the retention policies and the audit log's retention (run daily: `make run`, the
crontab of docs/deployment.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cercle.privacy.actions import run_retention


class Command(BaseCommand):
    help = "Apply the retention policies (never to content under a legal hold)."

    def handle(self, *args: Any, **options: Any) -> None:
        run = run_retention()
        total = sum(run.deleted.values())
        self.stdout.write(
            f"{total} item(s) deleted {run.deleted}; "
            f"{run.audit_entries_deleted} audit entrie(s) past their time deleted."
        )
