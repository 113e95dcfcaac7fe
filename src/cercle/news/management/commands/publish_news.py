"""`manage.py publish_news`: notify the audience of the articles that went live since the last
run (scheduled ones included). Their visibility needs no job: this only sends the notifications.
`make run` runs it every minute; in production, cron:

    * * * * *  cd /srv/cercle && .venv/bin/python manage.py publish_news
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cercle.news.actions import announce_live


class Command(BaseCommand):
    help = "Notify the audience of the news articles that went live."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"News articles announced: {announce_live()}.")
