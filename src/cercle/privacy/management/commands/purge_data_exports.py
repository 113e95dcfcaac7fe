"""Delete the downloads of personal data past their time (run daily: `make run`, the crontab)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cercle.privacy.actions import purge_expired_exports


class Command(BaseCommand):
    help = "Delete the downloads of personal data past their time."

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_expired_exports()
        self.stdout.write(f"{count} expired download(s) deleted.")
