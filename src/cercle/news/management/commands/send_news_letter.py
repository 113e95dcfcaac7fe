"""`manage.py send_news_letter`: the weekly news letter to everyone due for it (at most one a
week per person, honouring their opt-out and quiet hours). Safe to run daily; `make run` does,
and in production, cron:

    30 7 * * *  cd /srv/cercle && .venv/bin/python manage.py send_news_letter
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cercle.news.letter import send_letters


class Command(BaseCommand):
    help = "Mail the weekly news letter to those due for it."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"News letters sent: {send_letters()}.")
