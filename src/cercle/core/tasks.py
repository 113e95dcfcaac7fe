"""Queueing background tasks so that they only ever see what their transaction committed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_tasks_db.backend import DatabaseBackend


def enqueue_with_transaction(task: Any, *args: Any) -> None:
    """Queue `task(*args)` to run once the current transaction has committed.

    With the database task backend the task is written inside the transaction: one commit (one
    disk flush) instead of two, and no task lost if the process stops between them. With any
    other backend (Redis queues, the immediate one of the tests) it is queued after commit."""
    # The database backend (and cercle.core.operations' subclass) writes the task's row with the
    # connection in use: inside the transaction, the row commits (or rolls back) with the data
    # the task reads.
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))
