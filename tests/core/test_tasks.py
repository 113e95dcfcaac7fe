"""Tasks queued with `enqueue_with_transaction` commit or roll back with their transaction."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from cercle.core.tasks import enqueue_with_transaction
from cercle.feed.tasks import fan_out_space_post

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_BACKEND = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": []},
}


@pytest.fixture
def database_tasks(settings: Any) -> None:
    # django_tasks drops its backends when the TASKS setting changes.
    settings.TASKS = DATABASE_BACKEND


def test_with_the_database_backend_the_task_row_goes_with_the_transaction(
    database_tasks: Any,
) -> None:
    from django_tasks_db.models import DBTaskResult

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        enqueue_with_transaction(fan_out_space_post, 1)
        assert DBTaskResult.objects.count() == 1  # written in the transaction, not after
        raise Rollback
    assert DBTaskResult.objects.count() == 0
    with transaction.atomic():
        enqueue_with_transaction(fan_out_space_post, 2)
    assert DBTaskResult.objects.get().args_kwargs["args"] == [2]


def test_with_another_backend_the_task_is_queued_after_commit() -> None:
    from django.db import connection

    with transaction.atomic():
        enqueue_with_transaction(fan_out_space_post, 3)
        # Not run nor written yet: waiting for the commit (the tests' immediate backend).
        assert len(connection.run_on_commit) == 1
