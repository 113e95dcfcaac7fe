"""Chat tests: close the database connections that socket handlers opened in Channels' worker
thread, so that a PostgreSQL test database can be dropped at the end of the run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from asgiref.sync import SyncToAsync
from django.db import connections


@pytest.fixture(autouse=True)
def _nobody_connected() -> None:
    """Presence kept in this process's memory starts empty for each test."""
    from cercle.chat import presence

    presence.forget_local()


@pytest.fixture(autouse=True)
def _close_worker_connections() -> Iterator[None]:
    yield
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)
