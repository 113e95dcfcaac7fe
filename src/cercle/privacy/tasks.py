"""Background work of personal data: building a person's ZIP (django-tasks)."""

from __future__ import annotations

from django_tasks import task


@task()
def build_data_export(export_id: int) -> str:
    # Imported here: the actions enqueue this task, so they import this module.
    from cercle.privacy.actions import build_export

    return build_export(export_id=export_id)
