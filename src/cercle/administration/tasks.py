"""Background work of the administration: CSV imports and invitation mails (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import_job(job_id: int) -> str:
    from cercle.administration.actions import run_import_job as run

    return run(job_id=job_id)


@task()
def send_invitations(invitation_ids: list[int], language: str) -> int:
    from django.core.mail import get_connection

    from cercle.accounts.actions.people import send_invitation_email

    sent = 0
    # One connection to the mail server for the whole batch (up to 200 invitations).
    with get_connection() as connection:
        for invitation_id in invitation_ids:
            if send_invitation_email(
                invitation_id=invitation_id, language=language, connection=connection
            ):
                sent += 1
    return sent
