"""Background work of the feed (django-tasks): telling a space's members about a new post, and
announcement reminders."""

from __future__ import annotations

from django_tasks import task


@task()
def fan_out_space_post(post_id: int) -> int:
    # Imported here: `notifications` enqueues this task, so it imports this module.
    from cercle.feed.notifications import fan_out_space_post as run

    return run(post_id=post_id)


@task()
def remind_announcement(announcement_id: int, reminder: bool = False) -> int:
    # Imported here: the actions enqueue this task, so they import this module.
    from cercle.feed.actions import send_announcement_reminders

    return send_announcement_reminders(announcement_id=announcement_id, reminder=reminder)
