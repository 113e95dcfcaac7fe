"""Background work of notifications (django-tasks): fan-out of space posts, e-mails, digests."""

from __future__ import annotations

from django_tasks import task


@task()
def fan_out_space_post(post_id: int) -> int:
    from cercle.notifications.actions import fan_out_space_post as run

    return run(post_id=post_id)


@task()
def send_notification_email(notification_id: int) -> bool:
    from cercle.notifications.email import send_if_still_unread

    return send_if_still_unread(notification_id=notification_id)


@task()
def send_daily_digests() -> int:
    from cercle.notifications.email import send_digests

    return send_digests()


@task()
def remind_announcement(announcement_id: int, reminder: bool = False) -> int:
    from cercle.feed.actions import send_announcement_reminders

    return send_announcement_reminders(announcement_id=announcement_id, reminder=reminder)
