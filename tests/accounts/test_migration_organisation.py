"""The organisation's settings survive the model's move from `administration` to `accounts`
(accounts 0006, administration 0003): only Django's idea of the model moves, the row stays."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("administration", "0002_import_job"), ("accounts", "0005_person_manager")]
AFTER = [("administration", "0003_delete_organisation"), ("accounts", "0006_organisation")]


@pytest.fixture
def executor(scratch_database: None) -> Iterator[MigrationExecutor]:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor


def test_the_organisation_keeps_its_settings(executor: MigrationExecutor) -> None:
    old = executor.loader.project_state(BEFORE).apps.get_model("administration", "Organisation")
    old.objects.create(pk=1, name="Acme", signup_domains="acme.fr", lock_hr_fields=True)

    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("accounts", "Organisation")
    organisation = new.objects.get(pk=1)
    assert (organisation.name, organisation.signup_domains, organisation.lock_hr_fields) == (
        "Acme",
        "acme.fr",
        True,
    )
