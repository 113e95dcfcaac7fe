"""Background work of the document base (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from cercle.documents.actions import purge_trash as purge


@task()
def purge_trash() -> int:
    """What the trash has kept long enough, deleted for good (see the management command)."""
    return purge()
