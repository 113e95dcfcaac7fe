"""Background work of announcements (django-tasks): asking each targeted person to confirm, and
reminding those who have not."""

from __future__ import annotations

from django_tasks import task


@task()
def remind_announcement(announcement_id: int, reminder: bool = False) -> int:
    # Imported here: the actions enqueue this task, so they import this module.
    from cercle.announcements.actions import send_announcement_reminders

    return send_announcement_reminders(announcement_id=announcement_id, reminder=reminder)
