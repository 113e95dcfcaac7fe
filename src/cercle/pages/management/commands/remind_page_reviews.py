"""`manage.py remind_page_reviews`: remind the owners of pages whose "review by" date has come
(a notification, mailed as each person's preferences say), once per date. Run daily: `make run`
runs it with the other daily commands; in production, cron:

    0 8 * * *  cd /srv/cercle && venv/bin/python -m cercle remind_page_reviews
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cercle.pages.actions import remind_reviews


class Command(BaseCommand):
    help = "Remind the owners of pages whose review date has come (once per date)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Page owners reminded: {remind_reviews()}.")
