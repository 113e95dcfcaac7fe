"""Background work of the chat (django-tasks): mails about mentions still unread."""

from __future__ import annotations

from django_tasks import task


@task()
def send_mention_email(message_id: int, user_id: int) -> bool:
    # Imported here: chat's actions enqueue this task, so they import this module.
    from cercle.chat.mentions import mail_if_unread

    return mail_if_unread(message_id=message_id, user_id=user_id)
