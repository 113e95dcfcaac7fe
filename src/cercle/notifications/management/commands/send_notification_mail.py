"""`manage.py send_notification_mail`: mail due notifications; `--digest`: the daily digests.

Mentions, invitations and announcements are normally mailed by a deferred background task
(`send_notification_emails`, queued when they are created); this sweep is the safety net, meant
for cron (every few minutes), and `--digest` once a day, for example:

    */5 * * * *  cd /srv/cercle && .venv/bin/python manage.py send_notification_mail
    0 7 * * *    cd /srv/cercle && .venv/bin/python manage.py send_notification_mail --digest
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cercle.notifications.email import send_digests, send_due_emails


class Command(BaseCommand):
    help = "Mail the notifications not seen in time; with --digest, send the daily digests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--digest", action="store_true", help="Send the daily digests.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["digest"]:
            self.stdout.write(f"Digests sent: {send_digests()}.")
        else:
            self.stdout.write(f"Notification mails sent: {send_due_emails()}.")
