"""Spaces 0004: the four `module_*` columns become `module_settings`, every space's choices kept
(documents and agenda included, for when their modules are installed), and back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("spaces", "0003_organisation_description_translated")]
AFTER = [("spaces", "0004_module_settings")]


@pytest.fixture
def executor(scratch_database: None) -> Iterator[MigrationExecutor]:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor


def test_each_space_keeps_its_modules_both_ways(executor: MigrationExecutor) -> None:
    old = executor.loader.project_state(BEFORE).apps.get_model("spaces", "Space")
    everything = old.objects.create(name="Tout", slug="tout")
    quiet = old.objects.create(
        name="Calme", slug="calme", module_chat=False, module_documents=False
    )
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("spaces", "Space")
    assert new.objects.get(pk=everything.pk).module_settings == {
        "wall": True,
        "documents": True,
        "agenda": True,
        "chat": True,
    }
    assert new.objects.get(pk=quiet.pk).module_settings == {
        "wall": True,
        "documents": False,
        "agenda": True,
        "chat": False,
    }

    executor.loader.build_graph()
    executor.migrate(BEFORE)
    back = old.objects.get(pk=quiet.pk)
    assert (back.module_wall, back.module_documents, back.module_agenda, back.module_chat) == (
        True,
        False,
        True,
        False,
    )
