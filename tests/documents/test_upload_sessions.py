"""Uploads in chunks, resumable (`/api/v1/files/uploads`): byte-for-byte round trips, resuming
after an interrupted chunk, offsets out of place, the largest file and the quota checked at the
start and at each chunk, and nothing left behind — no chunk in the storage, no session row —
after a finish, a cancel, a refusal or an expiry."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import UnreadablePostError
from django.test import Client
from django.utils import timezone, translation

from cercle.audit.models import AuditEntry
from cercle.documents import actions, queries, upload_sessions
from cercle.documents.models import Blob, Document, Folder, Reservation, UploadSession
from cercle.documents.storage import blob_storage
from tests.factories import add_member, make_admin, make_space, make_user
from tests.helpers.api import api, call
from tests.helpers.documents import add_file, add_folder, root_for, stored_files

pytestmark = pytest.mark.django_db

KB = 1024
MB = 1024 * 1024
START = "/api/v1/files/uploads"
OCTETS = "application/octet-stream"


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def anne() -> Any:
    return make_user(first_name="Anne")


@pytest.fixture
def space(anne: Any) -> Any:
    return make_space(owner=anne)


@pytest.fixture
def root(space: Any) -> Any:
    return root_for(space)


def chunks_left(storage: Path) -> list[Path]:
    """What the storage holds that no content (`Blob`) is: the files of uploads under way."""
    kept = set(Blob.objects.values_list("key", flat=True))
    return [p for p in stored_files(storage) if p.relative_to(storage).as_posix() not in kept]


def start(client: Client, **payload: Any) -> Any:
    return call(client, "POST", START, payload)


def put(client: Client, url: str, offset: int, data: bytes, **headers: Any) -> Any:
    return client.put(
        f"{url}?offset={offset}", data, content_type="application/octet-stream", **headers
    )


def send_all(client: Client, url: str, data: bytes, chunk: int, offset: int = 0) -> Any:
    response = None
    while offset < len(data):
        response = put(client, url, offset, data[offset : offset + chunk])
        assert response.status_code == 200, response.content
        offset = response.json()["offset"]
    return response


def written() -> int:
    """The bytes this process has written so far (`/proc/self/io`)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise AssertionError("no wchar")


def download(client: Client, file_id: int) -> bytes:
    response = client.get(f"/api/v1/files/{file_id}/download")
    assert response.status_code == 200
    return b"".join(cast(Any, response).streaming_content)


def test_round_trip_byte_for_byte_in_uneven_chunks(
    anne: Any, root: Any, documents_storage: Path
) -> None:
    data = os.urandom(3 * MB + 12345)
    client = api(anne)
    made = start(client, folder_id=root.pk, name="archive.bin", size=len(data))
    assert made.status_code == 201, made.content
    session = made.json()
    assert session["offset"] == 0 and session["size"] == len(data)
    assert session["max_chunk_bytes"] == upload_sessions.MAX_CHUNK_BYTES
    last = send_all(client, session["url"], data, chunk=MB - 7)
    assert last.json()["offset"] == len(data)
    # The chunks are appended to one file, where the content will be kept.
    [staged] = chunks_left(documents_storage)
    assert staged.read_bytes() == data
    before = written()
    finished = client.post(session["url"] + "/finish")
    # Finishing records that file where it is: it reads it (its SHA-256), it does not copy it.
    assert written() - before < 0.1 * len(data), (written() - before) / MB
    assert [p for p in stored_files(documents_storage)] == [staged]
    assert finished.status_code == 201, finished.content
    body = finished.json()
    assert body["new_document"] is True
    assert body["file"]["name"] == "archive.bin"
    assert body["file"]["size"] == len(data)
    assert body["file"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert download(client, body["file"]["id"]) == data
    # The chunks and the session are gone; the upload is audited once, as a whole upload is.
    assert chunks_left(documents_storage) == []
    assert not UploadSession.objects.exists()
    assert AuditEntry.objects.filter(action="documents.uploaded").count() == 1
    assert client.get(session["url"]).status_code == 404


def test_an_interrupted_chunk_is_resumed_from_the_offset_the_server_gives(
    anne: Any, root: Any, documents_storage: Path
) -> None:
    data = os.urandom(2 * MB + 99)
    client = api(anne)
    url = start(client, folder_id=root.pk, name="video.bin", size=len(data)).json()["url"]
    assert put(client, url, 0, data[:MB]).json()["offset"] == MB
    # The connection drops while the second chunk is sent: it never reaches the view (the
    # server reads a body whole before; `test_upload_sessions_live` cuts a real socket).
    assert len(chunks_left(documents_storage)) == 1
    # Another client (the page reloaded) asks where the upload is and goes on from there.
    again = api(anne)
    offset = again.get(url).json()["offset"]
    assert offset == MB
    send_all(again, url, data, chunk=MB, offset=offset)
    finished = again.post(url + "/finish")
    assert finished.status_code == 201
    assert download(again, finished.json()["file"]["id"]) == data
    assert chunks_left(documents_storage) == []


def test_offsets_out_of_place_are_refused_with_where_to_resume(
    anne: Any, root: Any, documents_storage: Path
) -> None:
    data = os.urandom(300 * KB)
    client = api(anne)
    url = start(client, folder_id=root.pk, name="a.bin", size=len(data)).json()["url"]
    ahead = put(client, url, 100 * KB, data[100 * KB : 200 * KB])
    assert ahead.status_code == 409
    assert ahead.json()["offset"] == 0
    assert put(client, url, 0, data[: 100 * KB]).status_code == 200
    # The same chunk again (a retry whose answer was lost): refused, the offset says it came.
    again = put(client, url, 0, data[: 100 * KB])
    assert again.status_code == 409 and again.json()["offset"] == 100 * KB
    beyond = put(client, url, 100 * KB, os.urandom(250 * KB))
    assert beyond.status_code == 400
    for bad in ("-1", "x", ""):
        response = client.put(
            f"{url}?offset={bad}", b"abc", content_type="application/octet-stream"
        )
        assert response.status_code == 422
    assert client.put(url, b"abc", content_type="application/octet-stream").status_code == 422
    empty = put(client, url, 100 * KB, b"")
    assert empty.status_code in (400, 411)
    early = client.post(url + "/finish")
    assert early.status_code == 400
    assert "102400 of 307200 bytes" in str(early.json()["detail"])
    assert client.get(url).json()["offset"] == 100 * KB
    assert len(chunks_left(documents_storage)) == 1
    # What arrived is intact: the rest completes the file exactly.
    send_all(client, url, data, chunk=100 * KB, offset=100 * KB)
    finished = client.post(url + "/finish")
    assert download(client, finished.json()["file"]["id"]) == data
    # A second finish finds nothing.
    assert client.post(url + "/finish").status_code == 404


def test_a_session_is_its_creators_only(anne: Any, space: Any, root: Any) -> None:
    bernard = make_user(first_name="Bernard")
    add_member(space, bernard)
    url = start(api(anne), folder_id=root.pk, name="a.bin", size=10).json()["url"]
    other = api(bernard)
    assert other.get(url).status_code == 404
    assert put(other, url, 0, b"0123456789").status_code == 404
    assert other.post(url + "/finish").status_code == 404
    assert other.delete(url).status_code == 404
    for bad in ("nope", "00000000-0000-0000-0000-000000000000", "x" * 300):
        assert other.get(f"{START}/{bad}").status_code == 404
    assert Client().get(url).status_code == 401
    assert UploadSession.objects.count() == 1


def test_start_is_refused_without_the_right_or_with_bad_input(anne: Any, root: Any) -> None:
    outsider = make_user()
    refused = start(api(outsider), folder_id=root.pk, name="a.bin", size=10)
    assert refused.status_code in (403, 404)
    client = api(anne)
    assert start(client, folder_id=root.pk, name="a.bin", size=0).status_code == 422
    assert start(client, folder_id=root.pk, name="a.bin").status_code == 422
    assert start(client, name="a.bin", size=10).status_code == 400
    document = add_file(anne, root, "n.txt")
    both = start(client, folder_id=root.pk, file_id=document.pk, size=10)
    assert both.status_code == 400
    assert start(client, folder_id=root.pk, name="", size=10).status_code == 400
    assert start(client, folder_id=999_999, name="a.bin", size=10).status_code == 404
    assert not UploadSession.objects.exists()


def test_the_largest_file_and_the_quota_are_checked_before_any_byte(
    anne: Any, root: Any, documents_storage: Path
) -> None:
    admin = make_admin()
    actions.set_quota_defaults(
        actor=admin, space_quota_mb=None, person_quota_mb=None, max_file_mb=1
    )
    client = api(anne)
    large = start(client, folder_id=root.pk, name="big.bin", size=MB + 1)
    assert large.status_code == 413
    assert "at most 1 MB" in large.json()["detail"]
    actions.set_quota_defaults(
        actor=admin, space_quota_mb=None, person_quota_mb=None, max_file_mb=None
    )
    actions.set_library_quota(actor=admin, library=root.library, quota_mb=1)
    full = start(client, folder_id=root.pk, name="big.bin", size=MB + 1)
    assert full.status_code == 507
    assert not UploadSession.objects.exists()


def test_the_quota_is_checked_again_at_each_chunk_and_a_refusal_leaves_nothing(
    anne: Any, root: Any, documents_storage: Path
) -> None:
    admin = make_admin()
    actions.set_library_quota(actor=admin, library=root.library, quota_mb=3)
    data = os.urandom(2 * MB)
    client = api(anne)
    url = start(client, folder_id=root.pk, name="big.bin", size=len(data)).json()["url"]
    assert put(client, url, 0, data[:MB]).status_code == 200
    # The session holds its room: someone else's file that would need it is refused.
    with pytest.raises(ValidationError) as refused_file:
        add_file(anne, root, "filler.bin", os.urandom(MB + 10 * KB))
    assert "Not enough room in this library" in str(refused_file.value)
    # Meanwhile an administrator lowers the quota: the next chunk no longer fits.
    actions.set_library_quota(actor=admin, library=root.library, quota_mb=1)
    refused = put(client, url, MB, data[MB:])
    assert refused.status_code == 507
    assert "Not enough room in this library" in refused.json()["detail"]
    assert chunks_left(documents_storage) == []
    assert not UploadSession.objects.exists()
    assert not Reservation.objects.exists()
    assert client.get(url).status_code == 404
    assert Document.objects.filter(name="big.bin").count() == 0


def test_losing_the_right_mid_transfer_ends_the_session(
    anne: Any, space: Any, root: Any, documents_storage: Path
) -> None:
    bernard = make_user()
    membership = add_member(space, bernard)
    client = api(bernard)
    url = start(client, folder_id=root.pk, name="b.bin", size=20).json()["url"]
    assert put(client, url, 0, b"0123456789").status_code == 200
    membership.delete()
    assert put(client, url, 10, b"0123456789").status_code in (403, 404)
    assert chunks_left(documents_storage) == []
    assert not UploadSession.objects.exists()


def test_a_new_version_of_a_file_and_a_file_into_sub_folders(
    anne: Any, root: Any, documents_storage: Path
) -> None:
    client = api(anne)
    document = add_file(anne, root, "plan.txt", b"first\n")
    url = start(client, file_id=document.pk, size=7).json()["url"]
    put(client, url, 0, b"second\n")
    finished = client.post(url + "/finish").json()
    assert finished["new_document"] is False
    assert finished["file"]["id"] == document.pk and finished["file"]["version"] == 2
    # A file of a dropped folder: its sub-folders are made, an existing one reused.
    add_folder(anne, root, "Rapports")
    made = start(client, folder_id=root.pk, name="q1.txt", path="Rapports/2026/", size=5)
    assert made.json()["path"] == "Rapports/2026"
    put(client, made.json()["url"], 0, b"hello")
    placed = client.post(made.json()["url"] + "/finish").json()["file"]
    folder = Folder.objects.get(pk=placed["folder_id"])
    assert folder.name == "2026" and folder.parent is not None
    assert folder.parent.name == "Rapports" and folder.parent.parent_id == root.pk
    assert Folder.objects.filter(name="Rapports").count() == 1
    assert chunks_left(documents_storage) == []


def test_a_program_is_refused_at_the_finish_and_nothing_is_left(
    anne: Any, root: Any, documents_storage: Path
) -> None:
    client = api(anne)
    data = b"MZ" + os.urandom(5000)
    url = start(client, folder_id=root.pk, name="setup.exe", size=len(data)).json()["url"]
    put(client, url, 0, data)
    refused = client.post(url + "/finish")
    assert refused.status_code == 400
    assert stored_files(documents_storage) == []
    assert not UploadSession.objects.exists()
    assert not Document.objects.exists()


class _CutShort(io.RawIOBase):
    """A request's body that gives `data`, then ends (`gone`: the client went away)."""

    def __init__(self, data: bytes, *, gone: bool = False) -> None:
        super().__init__()
        self.data, self.gone = data, gone

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if not self.data and self.gone:
            raise UnreadablePostError("The client went away before the end of its request.")
        size = len(self.data) if size is None or size < 0 else size
        piece, self.data = self.data[:size], self.data[size:]
        return piece


def test_a_chunk_is_written_once_and_one_cut_short_changes_nothing(
    anne: Any, root: Any, documents_storage: Path
) -> None:
    """A chunk's body goes straight into the session's file, as it is read (written once, no
    temporary copy first); a chunk that does not arrive whole is cut off the file again and
    the session's offset does not move (a first chunk leaves no file at all)."""
    data = os.urandom(3 * MB)
    client = api(anne)
    url = start(client, folder_id=root.pk, name="a.bin", size=len(data)).json()["url"]
    session = UploadSession.objects.get()
    for gone in (False, True):
        with pytest.raises((ValidationError, UnreadablePostError)):
            upload_sessions.receive_chunk(
                actor=anne,
                session=session,
                offset=0,
                data=_CutShort(data[:MB], gone=gone),
                length=2 * MB,
            )
        assert chunks_left(documents_storage) == []
    before = written()
    assert put(client, url, 0, data[:MB]).json()["offset"] == MB
    assert written() - before < 1.2 * MB, (written() - before) / MB  # before: 2 MB (a spool)
    [staged] = chunks_left(documents_storage)
    for gone in (False, True):
        session.refresh_from_db()
        with pytest.raises((ValidationError, UnreadablePostError)) as refused:
            upload_sessions.receive_chunk(
                actor=anne,
                session=session,
                offset=MB,
                data=_CutShort(data[MB : MB + 300 * KB], gone=gone),
                length=MB,
            )
        if not gone:
            assert refused.value.error_dict["chunk"][0].code == "incomplete"  # type: ignore[union-attr]
        assert staged.read_bytes() == data[:MB]
        assert client.get(url).json()["offset"] == MB
    send_all(client, url, data, chunk=MB, offset=MB)
    finished = client.post(url + "/finish")
    assert finished.status_code == 201
    assert finished.json()["file"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert download(client, finished.json()["file"]["id"]) == data
    assert chunks_left(documents_storage) == []


def test_a_chunk_after_the_finish_or_a_cancel_touches_nothing(
    anne: Any, root: Any, documents_storage: Path
) -> None:
    """A late chunk (the same one sent again) finds no session: it neither writes into the
    file recorded as the content nor leaves a file of its own."""
    data = os.urandom(100 * KB)
    client = api(anne)
    url = start(client, folder_id=root.pk, name="a.bin", size=len(data)).json()["url"]
    session = UploadSession.objects.get()
    send_all(client, url, data, chunk=50 * KB)
    assert client.post(url + "/finish").status_code == 201
    [kept] = stored_files(documents_storage)
    # Sent again by a request that found the session just before it finished.
    with pytest.raises(queries.NotFound):
        upload_sessions.receive_chunk(
            actor=anne, session=session, offset=0, data=io.BytesIO(data[: 50 * KB]), length=50 * KB
        )
    assert stored_files(documents_storage) == [kept] and kept.read_bytes() == data
    url = start(client, folder_id=root.pk, name="b.bin", size=len(data)).json()["url"]
    session = UploadSession.objects.get()
    assert client.delete(url).status_code == 204
    with pytest.raises(queries.NotFound):
        upload_sessions.receive_chunk(
            actor=anne, session=session, offset=0, data=io.BytesIO(data[:10]), length=10
        )
    assert stored_files(documents_storage) == [kept]


def test_cancel_and_expiry_delete_the_chunks(anne: Any, root: Any, documents_storage: Path) -> None:
    client = api(anne)
    url = start(client, folder_id=root.pk, name="a.bin", size=20).json()["url"]
    put(client, url, 0, b"0123456789")
    assert client.delete(url).status_code == 204
    assert chunks_left(documents_storage) == []
    assert client.get(url).status_code == 404
    # Left unfinished: past its expiry it is no longer usable, and the purge deletes it.
    url = start(client, folder_id=root.pk, name="b.bin", size=20).json()["url"]
    put(client, url, 0, b"0123456789")
    kept = start(client, folder_id=root.pk, name="c.bin", size=20).json()["url"]
    put(client, kept, 0, b"0123456789")
    UploadSession.objects.filter(name="b.bin").update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert client.get(url).status_code == 404
    out = io.StringIO()
    call_command("purge_document_trash", stdout=out)
    assert "1 unfinished upload(s) deleted." in out.getvalue()
    assert [s.name for s in UploadSession.objects.all()] == ["c.bin"]
    assert len(chunks_left(documents_storage)) == 1


def test_a_chunk_costs_a_fixed_number_of_queries(
    anne: Any, root: Any, django_assert_max_num_queries: Any
) -> None:
    client = api(anne)
    url = start(client, folder_id=root.pk, name="a.bin", size=100 * KB).json()["url"]
    put(client, url, 0, os.urandom(10 * KB))
    with django_assert_max_num_queries(20):
        put(client, url, 10 * KB, os.urandom(10 * KB))
    for offset in range(20 * KB, 100 * KB, 10 * KB):
        put(client, url, offset, os.urandom(10 * KB))
    with django_assert_max_num_queries(20):
        assert put(client, url, 100 * KB - 1, b"x").status_code == 409


def test_space_quota_person_library(anne: Any, documents_storage: Path) -> None:
    """My documents take uploads in chunks too; a second space's member cannot use its id."""
    mine = root_for(owner=anne)
    client = api(anne)
    url = start(client, folder_id=mine.pk, name="moi.txt", size=3).json()["url"]
    put(client, url, 0, b"abc")
    assert client.post(url + "/finish").status_code == 201
    other = make_space(owner=make_user())
    refused = start(client, folder_id=root_for(other).pk, name="x.txt", size=3)
    assert refused.status_code in (403, 404)


# --- The room a session reserves ----------------------------------------------------------------


def test_two_sessions_that_together_pass_the_quota_the_second_is_refused_at_its_start(
    anne: Any, root: Any, documents_storage: Path
) -> None:
    actions.set_library_quota(actor=make_admin(), library=root.library, quota_mb=3)
    client = api(anne)
    first = start(client, folder_id=root.pk, name="a.bin", size=2 * MB)
    assert first.status_code == 201, first.content
    held = Reservation.objects.get()
    assert held.size == 2 * MB and held.library_id == root.library_id
    assert UploadSession.objects.get().reservation_id == held.pk
    # Before any byte of either: the second does not fit beside the first's reservation.
    second = start(api(anne), folder_id=root.pk, name="b.bin", size=2 * MB)
    assert second.status_code == 507
    assert second.json()["detail"].startswith("Not enough room in this library: ")
    assert UploadSession.objects.count() == 1 and Reservation.objects.count() == 1
    # A whole upload (the form, WebDAV) counts it too; what fits beside it is taken.
    assert start(client, folder_id=root.pk, name="c.bin", size=MB).status_code == 201
    assert Reservation.objects.count() == 2
    assert stored_files(documents_storage) == []


def test_a_cancelled_or_expired_session_gives_its_room_back(
    anne: Any, root: Any, documents_storage: Path
) -> None:
    actions.set_library_quota(actor=make_admin(), library=root.library, quota_mb=3)
    client = api(anne)
    url = start(client, folder_id=root.pk, name="a.bin", size=2 * MB).json()["url"]
    assert put(client, url, 0, os.urandom(MB)).status_code == 200
    assert start(client, folder_id=root.pk, name="b.bin", size=2 * MB).status_code == 507
    assert client.delete(url).status_code == 204
    assert not Reservation.objects.exists()
    # Its room is free again: the same size starts now.
    again = start(client, folder_id=root.pk, name="b.bin", size=2 * MB)
    assert again.status_code == 201
    # Past the session's expiry its reservation counts for nothing, and the purge removes both.
    session = UploadSession.objects.get()
    assert session.reservation is not None
    assert session.reservation.expires_at == session.expires_at
    past = timezone.now() - timedelta(minutes=1)
    UploadSession.objects.update(expires_at=past)
    Reservation.objects.update(expires_at=past)
    assert start(client, folder_id=root.pk, name="c.bin", size=2 * MB).status_code == 201
    call_command("purge_document_trash", stdout=io.StringIO())
    assert [s.name for s in UploadSession.objects.all()] == ["c.bin"]
    assert Reservation.objects.count() == 1
    assert Reservation.objects.get().pk == UploadSession.objects.get().reservation_id


def test_finishing_hands_the_reservation_over_and_does_not_count_the_file_twice(
    anne: Any, root: Any, documents_storage: Path
) -> None:
    # A file that takes all but a little of the room: counted twice (its reservation and its
    # size), it would be refused at the finish.
    actions.set_library_quota(actor=make_admin(), library=root.library, quota_mb=3)
    data = os.urandom(3 * MB - 100 * KB)
    client = api(anne)
    url = start(client, folder_id=root.pk, name="big.bin", size=len(data)).json()["url"]
    send_all(client, url, data, chunk=MB)
    finished = client.post(url + "/finish")
    assert finished.status_code == 201, finished.content
    assert download(client, finished.json()["file"]["id"]) == data
    assert not Reservation.objects.exists() and not UploadSession.objects.exists()
    assert chunks_left(documents_storage) == []
    # A new version in chunks of a file, in a full library: the same content costs nothing, a
    # different one of the same size does not fit beside it.
    document = Document.objects.get(name="big.bin")
    same = start(client, file_id=document.pk, size=50 * KB)
    assert same.status_code == 201
    assert start(client, file_id=document.pk, size=60 * KB).status_code == 507
    put(client, same.json()["url"], 0, os.urandom(50 * KB))
    assert client.post(same.json()["url"] + "/finish").status_code == 201
    assert not Reservation.objects.exists()


def test_a_session_refused_at_the_finish_gives_its_room_back(
    anne: Any, root: Any, documents_storage: Path
) -> None:
    actions.set_library_quota(actor=make_admin(), library=root.library, quota_mb=3)
    client = api(anne)
    data = b"MZ" + os.urandom(5000)
    url = start(client, folder_id=root.pk, name="setup.exe", size=len(data)).json()["url"]
    put(client, url, 0, data)
    assert client.post(url + "/finish").status_code == 400
    assert not Reservation.objects.exists()
    assert stored_files(documents_storage) == []


def test_bad_input_reserves_nothing(anne: Any, root: Any, documents_storage: Path) -> None:
    actions.set_library_quota(actor=make_admin(), library=root.library, quota_mb=3)
    client = api(anne)
    for payload in (
        {"folder_id": root.pk, "name": "a.bin", "size": 0},
        {"folder_id": root.pk, "name": "a.bin", "size": -5},
        {"folder_id": root.pk, "name": "", "size": 10},
        {"folder_id": root.pk, "name": "a.bin", "path": "/".join("x" * 30), "size": 10},
        {"folder_id": 999_999, "name": "a.bin", "size": 10},
        {"name": "a.bin", "size": 10},
        {"folder_id": root.pk, "name": "a.bin", "size": 4 * MB},
    ):
        response = start(client, **payload)
        assert 400 <= response.status_code < 500 or response.status_code == 507, payload
    assert start(make_user_client(), folder_id=root.pk, name="a.bin", size=10).status_code in (
        403,
        404,
    )
    assert not Reservation.objects.exists() and not UploadSession.objects.exists()
    assert stored_files(documents_storage) == []


def make_user_client() -> Client:
    return api(make_user())


def test_a_storage_without_local_paths_keeps_each_chunk_apart_and_reserves_too(
    anne: Any, root: Any, settings: Any
) -> None:
    """S3 and the like cannot append: each chunk is its own file, read in order at the finish."""
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {"BACKEND": "tests.helpers.documents.PathlessStorage"},
    }
    actions.set_library_quota(actor=make_admin(), library=root.library, quota_mb=3)
    storage = blob_storage()
    data = os.urandom(2 * MB + 5)
    client = api(anne)
    url = start(client, folder_id=root.pk, name="s3.bin", size=len(data)).json()["url"]
    session = UploadSession.objects.get()
    assert session.staged_key == "" and session.reservation is not None
    assert start(client, folder_id=root.pk, name="b.bin", size=2 * MB).status_code == 507
    send_all(client, url, data, chunk=MB)
    assert [name for name, _size in UploadSession.objects.get().parts] == [
        session.part_name(i) for i in range(3)
    ]
    finished = client.post(url + "/finish")
    assert finished.status_code == 201, finished.content
    assert download(client, finished.json()["file"]["id"]) == data
    assert not storage.exists(session.part_name(0)) and not Reservation.objects.exists()


def test_the_apis_upload_with_its_folder_in_the_address_reserves_before_the_body(
    anne: Any, root: Any, documents_storage: Path
) -> None:
    """`POST /api/v1/files?folder_id=…`: the library is known before the body, so the room is
    reserved first and a file that does not fit beside an upload under way is refused before a
    byte of it is written. Without it, the file is written, then refused by the action."""
    actions.set_library_quota(actor=make_admin(), library=root.library, quota_mb=3)
    client = api(anne)
    assert start(client, folder_id=root.pk, name="a.bin", size=2 * MB).status_code == 201
    data = os.urandom(2 * MB)

    def post(address: str, folder_id: int = root.pk) -> Any:
        return client.post(
            address, {"folder_id": folder_id, "file": SimpleUploadedFile("b.bin", data)}
        )

    before = written()
    refused = post(f"/api/v1/files?folder_id={root.pk}")
    assert refused.status_code == 507, refused.content
    assert refused.json()["detail"].startswith("Not enough room in this library: ")
    assert written() - before < MB  # not a byte of the file kept
    before = written()
    late = post("/api/v1/files")
    assert late.status_code == 400
    assert written() - before >= 2 * MB  # written, then deleted
    assert stored_files(documents_storage) == []
    assert Reservation.objects.count() == 1  # the session's only
    data = os.urandom(512 * KB)
    # The address and the form must name the same folder; a folder that is not one is refused.
    other = add_folder(anne, root, "Autre")
    mismatch = post(f"/api/v1/files?folder_id={other.pk}")
    assert mismatch.status_code == 400
    assert "not the one in the form" in str(mismatch.json()["detail"])
    assert post("/api/v1/files?folder_id=abc").status_code == 400
    assert stored_files(documents_storage) == [] and Reservation.objects.count() == 1
    # What fits is reserved, then handed over: recorded, and the room held only by the session.
    made = post(f"/api/v1/files?folder_id={root.pk}")
    assert made.status_code == 201, made.content
    assert download(client, made.json()["file"]["id"]) == data
    assert Reservation.objects.count() == 1
    assert Document.objects.filter(name="b.bin").count() == 1
