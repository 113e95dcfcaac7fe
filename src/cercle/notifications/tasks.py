"""Background work of notifications (django-tasks): e-mails and digests."""

from __future__ import annotations

from django_tasks import task


@task()
def send_notification_email(notification_id: int) -> bool:
    # Imported here (and below): the mail code schedules these tasks, so it imports this module.
    from cercle.notifications.email import send_if_still_unread

    return send_if_still_unread(notification_id=notification_id)


@task()
def send_daily_digests() -> int:
    from cercle.notifications.email import send_digests

    return send_digests()
