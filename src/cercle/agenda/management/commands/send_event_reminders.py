"""`manage.py send_event_reminders`: send the event reminders due (`agenda.reminders`). Meant to
run every minute (`make run`'s loop; cron: `* * * * *`); each reminder leaves once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cercle.agenda.reminders import send_due_reminders


class Command(BaseCommand):
    help = "Send the event reminders that are due (in the app and by e-mail)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Event reminders sent: {send_due_reminders()}.")
