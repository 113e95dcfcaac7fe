"""The request id, carried from the request that enqueues a task to the worker that runs it.

`DatabaseBackend` is django-tasks-db's backend, keeping the id of the request (or socket frame)
being served beside the task's arguments (`args_kwargs["cercle"]`, which the worker does not pass
to the task): no task's signature changes. While the worker runs the task, `request_id` and
`task_id` are set (`task_started`), so that its log lines carry them. With the immediate backend
(tests) the task runs inside the request and simply keeps its context.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django_tasks.signals import task_finished, task_started
from django_tasks_db.backend import DatabaseBackend as BaseDatabaseBackend
from django_tasks_db.compat import normalize_json

from cercle.core.operations.context import request_id_var, task_id_var


def _args_kwargs(args: Any, kwargs: Any) -> Any:
    stored: dict[str, Any] = {"args": args, "kwargs": kwargs}
    request_id = request_id_var.get()
    if request_id is not None:
        stored["cercle"] = {"request_id": request_id}
    return normalize_json(stored)


class DatabaseBackend(BaseDatabaseBackend):
    def _task_to_db_task(self, task: Any, args: Any, kwargs: Any) -> Any:
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.create(
            id=self._get_id(),
            args_kwargs=_args_kwargs(args, kwargs),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after,
            backend_name=self.alias,
        )

    async def _atask_to_db_task(self, task: Any, args: Any, kwargs: Any) -> Any:
        from django_tasks_db.models import DBTaskResult

        return await DBTaskResult.objects.acreate(
            id=self._get_id(),
            args_kwargs=_args_kwargs(args, kwargs),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after,
            backend_name=self.alias,
        )


def stored_request_id(task_result: Any) -> str | None:
    db_result = getattr(task_result, "db_result", None)
    stored = getattr(db_result, "args_kwargs", None)
    if not isinstance(stored, dict):
        return None
    value = (stored.get("cercle") or {}).get("request_id")
    return value if isinstance(value, str) else None


@receiver(task_started)
def _task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    """In the worker (django-tasks-db's `db_worker`), before the task runs."""
    if getattr(task_result, "db_result", None) is None:
        return  # the immediate backend: the task runs in its request's own context
    request_id_var.set(stored_request_id(task_result))
    task_id_var.set(str(task_result.id))


@receiver(task_finished)
def _task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    if getattr(task_result, "db_result", None) is None:
        return
    request_id_var.set(None)
    task_id_var.set(None)
