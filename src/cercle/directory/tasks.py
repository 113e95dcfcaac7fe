"""Background work of the company directory: a synchronisation run (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_directory_sync(run_id: int) -> str:
    # Imported here: the actions enqueue this task, so they import this module.
    from cercle.directory.actions import run_sync

    return str(run_sync(run_id=run_id).status)
