"""Background work of the document base (django-tasks). Each task imports its action inside its
body: `actions` enqueues these tasks (the actions ↔ tasks pair of docs/contributing.md)."""

from __future__ import annotations

from django_tasks import task


@task()
def purge_trash() -> int:
    """What the trash has kept long enough, deleted for good (see the management command)."""
    from cercle.documents.actions import purge_trash as purge  # actions imports this module
    from cercle.documents.upload_sessions import purge_expired_uploads  # imports actions

    count = purge()
    purge_expired_uploads()
    return count


@task()
def analyse_blob(blob_id: int) -> str:
    """A new content's kind, thumbnail and text (`actions.analyse_blob`)."""
    from cercle.documents.actions import analyse_blob as analyse  # actions imports this module

    return analyse(blob_id=blob_id)
