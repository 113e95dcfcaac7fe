"""Background work of the administration: CSV imports (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import_job(job_id: int) -> str:
    # Imported here: the actions enqueue this task, so they import this module.
    from cercle.administration.actions import run_import_job as run

    return run(job_id=job_id)
