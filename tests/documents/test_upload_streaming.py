"""Uploads written once, straight to the documents storage (`actions.StagedContent`,
`staging.StagingUploadHandler`), with room reserved in the library while they arrive
(`actions.reserve_room`). Measured on real files: the bytes this process writes
(`/proc/self/io`), the files the storage and the temporary directory hold, the reservation rows.
The same through a real server: `test_upload_streaming_live.py`."""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from cercle.documents import actions
from cercle.documents.models import Document, Reservation
from tests.factories import make_user
from tests.helpers.clients import client_for
from tests.helpers.documents import root_for, stored_files

MB = 1024 * 1024


def written() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise AssertionError("no wchar")


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary directory, one of the test's own, to see what an upload puts there."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


def _post(client: Any, folder: Any, name: str, data: bytes) -> Any:
    return client.post(
        reverse("documents_upload", args=[folder.pk]),
        {"files": [SimpleUploadedFile(name, data)]},
        HTTP_ACCEPT="application/json",
    )


@pytest.mark.django_db
def test_a_form_upload_is_written_once_to_the_storage_and_nowhere_else(
    documents_storage: Path, scratch: Path
) -> None:
    anne = make_user(username="anne")
    root = root_for(owner=anne)
    client = client_for(anne)
    data = os.urandom(3 * MB)
    before = written()
    response = _post(client, root, "plan.bin", data)
    after = written()
    assert response.status_code == 200, response.content
    files = stored_files(documents_storage)
    assert [p.read_bytes() == data for p in files] == [True]
    assert list(scratch.iterdir()) == []  # no temporary file, not even one deleted since
    # Django's handler would have written it to a temporary file, then the action to the
    # storage: twice. Here once (the test client's body is in memory).
    assert 3 * MB <= after - before < 1.4 * 3 * MB, (after - before) / MB
    assert Reservation.objects.count() == 0


@pytest.mark.django_db
def test_a_refused_upload_leaves_no_file_and_no_reservation(
    documents_storage: Path, scratch: Path, settings: Any
) -> None:
    anne = make_user(username="anne")
    root = root_for(owner=anne)
    library = root.library
    library.quota_mb = 4
    library.save(update_fields=["quota_mb"])
    client = client_for(anne)
    # A program (by its content): refused after it was written; the file goes.
    response = _post(client, root, "outil.bin", b"MZ" + os.urandom(2 * MB))
    assert response.status_code == 400
    # Past the room left while it arrives (the declared length fits, the bytes do not: a
    # reservation grows as they come, and is refused).
    response = _post(client, root, "gros.bin", os.urandom(5 * MB))
    assert response.status_code == 507
    assert stored_files(documents_storage) == []
    assert list(scratch.iterdir()) == []
    assert Reservation.objects.count() == 0
    assert not Document.objects.exists()
    # Then what fits goes in, its reservation given back.
    assert _post(client, root, "ok.bin", os.urandom(3 * MB)).status_code == 200
    assert Reservation.objects.count() == 0


@pytest.mark.django_db
def test_a_staged_content_never_recorded_is_deleted_with_its_reservation(
    documents_storage: Path,
) -> None:
    anne = make_user(username="anne")
    library = root_for(owner=anne).library
    library.quota_mb = 10
    library.save(update_fields=["quota_mb"])
    staged = actions.StagedContent("a.bin", library_id=library.pk, declared=6 * MB)
    staged.write(os.urandom(MB))
    assert len(stored_files(documents_storage)) == 1
    assert Reservation.objects.get().size == 6 * MB
    # Another upload cannot take what this one holds.
    with pytest.raises(ValidationError) as refused:
        actions.StagedContent("b.bin", library_id=library.pk, declared=6 * MB)
    assert "quota" in str(refused.value.error_dict["file"][0].code)
    # A body longer than it said grows the reservation, up to the quota.
    staged.write(os.urandom(5 * MB))
    assert Reservation.objects.get().size >= 6 * MB
    with pytest.raises(ValidationError):
        staged.write(os.urandom(5 * MB))
    staged.close()  # the request ends: nothing recorded it
    assert stored_files(documents_storage) == []
    assert Reservation.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_on_two_connections_cannot_both_take_the_room() -> None:
    """Two threads, each with its own database connection, reserve 6 MB of 10 MB at the same
    moment (a barrier): the library's row is locked (`select_for_update` on PostgreSQL; an
    IMMEDIATE transaction on SQLite), so exactly one succeeds. On PostgreSQL: the test
    database of SQLite is shared in memory, whose locks fail at once rather than wait; SQLite
    is shown by the live server's threads (`test_upload_streaming_live.py`)."""
    if connection.vendor == "sqlite":
        pytest.skip("PostgreSQL (DATABASE_URL); SQLite: test_upload_streaming_live.py")
    anne = make_user(username="anne")
    library = root_for(owner=anne).library
    library.quota_mb = 10
    library.save(update_fields=["quota_mb"])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def reserve() -> None:
        try:
            barrier.wait(timeout=30)
            actions.reserve_room(library_id=library.pk, size=6 * MB)
            outcomes.append("reserved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=reserve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["refused", "reserved"]
    assert Reservation.objects.count() == 1
    # Expired, it counts for nothing, and the purge removes it.
    Reservation.objects.update(expires_at="2000-01-01T00:00:00Z")
    assert actions.reserve_room(library_id=library.pk, size=6 * MB) is not None
    assert actions.purge_expired_reservations() == 1


@pytest.mark.django_db
def test_a_staged_content_is_hashed_behind_its_writes_in_order_and_stops_when_done(
    documents_storage: Path,
) -> None:
    """Large blocks are hashed on a thread of their own while the next are written; the digest
    is the content's, in order, whatever the blocks' sizes and types (a buffer its writer fills
    again is hashed as it was written), and the thread is gone once the content is finished or
    discarded."""
    blocks = [os.urandom(size) for size in (10, 300 * 1024, 5, MB, 64 * 1024, 3)] * 3
    staged = actions.StagedContent("a.bin")
    reused = bytearray(256 * 1024)
    expected = hashlib.sha256()
    for n, block in enumerate(blocks):
        staged.write(block)
        expected.update(block)
        reused[:] = bytes([n]) * len(reused)
        staged.write(reused)  # type: ignore[arg-type]
        expected.update(reused)
    stored = staged.finish()
    assert stored.sha256 == expected.hexdigest()
    assert stored.size == sum(len(block) for block in blocks) + len(blocks) * len(reused)
    assert not [t for t in threading.enumerate() if t.name == "cercle-sha256"]
    staged.close()
    assert stored_files(documents_storage) == []
    small = actions.StagedContent("small.txt")
    small.write(b"hello")
    assert small.finish().sha256 == hashlib.sha256(b"hello").hexdigest()
    discarded = actions.StagedContent("b.bin")
    discarded.write(os.urandom(MB))
    discarded.close()
    assert not [t for t in threading.enumerate() if t.name == "cercle-sha256"]
