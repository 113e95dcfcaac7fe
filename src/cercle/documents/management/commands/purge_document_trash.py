"""Deletes for good what has been in the document trash longer than DOCUMENTS_TRASH_DAYS (run it
daily: cron, a systemd timer, or the task `cercle.documents.tasks.purge_trash`), and the locks
that have expired (they already count for nothing: this only removes their rows), and the uploads
in chunks left unfinished past `CERCLE_DOCUMENTS_UPLOAD_HOURS` with their chunks, and the room
reservations of uploads that never ended (a process that died)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from cercle.documents.actions import (
    purge_expired_locks,
    purge_expired_reservations,
    purge_trash,
)
from cercle.documents.upload_sessions import purge_expired_uploads


class Command(BaseCommand):
    help = "Delete for good what has been in the document trash longer than the trash keeps it."

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_trash()
        self.stdout.write(f"{count} item(s) deleted from the document trash.")
        locks = purge_expired_locks()
        self.stdout.write(f"{locks} expired lock(s) removed.")
        uploads = purge_expired_uploads()
        self.stdout.write(f"{uploads} unfinished upload(s) deleted.")
        reservations = purge_expired_reservations()
        self.stdout.write(f"{reservations} expired reservation(s) removed.")
