"""Background work of notifications (django-tasks): e-mails, digests and pushes."""

from __future__ import annotations

from django_tasks import task


@task()
def send_notification_email(notification_id: int) -> bool:
    """One notification (the tasks queued before `send_notification_emails`, kept so that those
    still waiting at an upgrade run)."""
    # Imported here (and below): the mail code schedules these tasks, so it imports this module.
    from cercle.notifications.email import send_if_still_unread

    return send_if_still_unread(notification_id=notification_id)


@task()
def send_notification_emails(notification_ids: list[int]) -> int:
    """Mail each of these notifications still unread after the delay (`send_if_still_unread`);
    how many mails. One task for the notifications written together (an announcement to the
    whole organisation is one task per 500 people, not one each)."""
    from cercle.notifications.email import send_each_if_still_unread

    return send_each_if_still_unread(notification_ids)


@task()
def send_daily_digests() -> int:
    from cercle.notifications.email import send_digests

    return send_digests()


@task()
def push_notifications(notification_ids: list[int]) -> int:
    """Push new notifications to their recipients' devices (`push.deliver`)."""
    from cercle.notifications.push import deliver

    return deliver(notification_ids)


@task()
def clear_pushed(marked: dict[str, list[int] | None]) -> int:
    """Tell people's devices to close their notifications read (`push.clear`); keys are person
    ids as text (task arguments travel as JSON)."""
    from cercle.notifications.push import clear

    return clear({int(person): ids for person, ids in marked.items()})
