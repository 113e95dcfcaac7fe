"""Background work of accounts (django-tasks): invitation mails."""

from __future__ import annotations

from django.core.mail import get_connection
from django_tasks import task


@task()
def send_invitations(invitation_ids: list[int], language: str, site_url: str = "") -> int:
    """`site_url`: the address the request that queued them reached the server at (links)."""
    # Imported here: the actions enqueue this task, so they import this module.
    from cercle.accounts.actions.people import send_invitation_email

    sent = 0
    # One connection to the mail server for the whole batch (up to 200 invitations).
    with get_connection() as connection:
        for invitation_id in invitation_ids:
            if send_invitation_email(
                invitation_id=invitation_id,
                language=language,
                connection=connection,
                site_url=site_url,
            ):
                sent += 1
    return sent
