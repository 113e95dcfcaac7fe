"""The scheduled commands of `make run`'s loop and the crontab: real files, real deletions."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from cercle.agenda.models import Event
from cercle.documents import actions as documents_actions
from cercle.documents.models import Document
from cercle.privacy import actions
from cercle.privacy.models import DataExport, RetentionRun
from tests.factories import make_admin, make_event, make_space, make_user
from tests.privacy.conftest import files_under

pytestmark = pytest.mark.django_db


def test_apply_retention_deletes_old_documents_and_events_of_one_space(
    django_capture_on_commit_callbacks: Any, storages: dict[str, Path]
) -> None:
    admin = make_admin()
    owner = make_user()
    archive_space = make_space(owner=owner, name="Archives 2019")
    other_space = make_space(owner=owner, name="Quotidien")
    old_docs = []
    for space, name in ((archive_space, "vieux.txt"), (other_space, "garde.txt")):
        root = documents_actions.root_of(documents_actions.space_library(space=space))
        uploaded = documents_actions.upload_file(
            actor=owner, folder=root, upload=io.BytesIO(name.encode() * 3), name=name
        )
        old_docs.append(uploaded.document.pk)
    Document.objects.filter(pk__in=old_docs).update(
        updated_at=timezone.now() - dt.timedelta(days=400)
    )
    old_event = make_event(organiser=owner, space=archive_space, title="Séminaire 2019")
    Event.objects.filter(pk=old_event.pk).update(last_end=timezone.now() - dt.timedelta(days=400))
    actions.add_policy(actor=admin, target="documents.documents", days=365, space=archive_space)
    actions.add_policy(actor=admin, target="agenda.events", days=365, space=archive_space)
    assert len(files_under(storages["documents"])) == 2

    with django_capture_on_commit_callbacks(execute=True):
        call_command("apply_retention", stdout=io.StringIO())
    assert list(Document.objects.values_list("name", flat=True)) == ["garde.txt"]
    assert not Event.objects.filter(pk=old_event.pk).exists()
    assert len(files_under(storages["documents"])) == 1  # the deleted one's content is gone
    run = RetentionRun.objects.get()
    assert run.deleted == {"documents.documents": 1, "agenda.events": 1}
    assert run.started_by is None


def test_purge_data_exports_deletes_only_expired_files(storages: dict[str, Path]) -> None:
    person = make_user()
    old, fresh = (DataExport.objects.create(person=person) for _ in range(2))
    for export in (old, fresh):
        actions.build_export(export_id=export.pk)
    DataExport.objects.filter(pk=old.pk).update(expires_at=timezone.now() - dt.timedelta(hours=1))
    fresh.refresh_from_db()
    out = io.StringIO()
    call_command("purge_data_exports", stdout=out)
    assert out.getvalue().startswith("1 ")
    assert files_under(storages["privacy"]) == {fresh.file_name}
    old.refresh_from_db()
    assert old.status == DataExport.Status.EXPIRED
