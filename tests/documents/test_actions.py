"""The document base's writes: uploads and versions, deduplication, folders, rename, move, copy,
trash, restore and purge, each audited."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from cercle.audit.models import AuditEntry
from cercle.documents import actions, queries
from cercle.documents.models import Blob, Document, Folder, Version
from tests.factories import make_space, make_user
from tests.helpers.documents import add_file, add_folder, root_for, stored_files, upload
from tests.helpers.files import pdf, windows_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner() -> Any:
    return make_user()


@pytest.fixture
def root(owner: Any) -> Folder:
    return root_for(make_space(owner=owner))


def test_a_space_library_is_made_once_with_one_root(owner: Any) -> None:
    space = make_space(owner=owner)
    first = actions.space_library(space=space)
    assert actions.space_library(space=space) == first
    assert Folder.objects.filter(library=first, parent__isnull=True).count() == 1
    mine = actions.personal_library(user=owner)
    assert mine.owner == owner and actions.personal_library(user=owner) == mine


def test_upload_stores_the_bytes_with_their_hash(
    owner: Any, root: Folder, documents_storage: Path
) -> None:
    data = pdf()
    result = actions.upload_file(
        actor=owner, folder=root, upload=upload("r.pdf", data), name="r.pdf"
    )
    version = result.version
    assert result.is_new_document and version.number == 1
    assert version.blob.sha256 == hashlib.sha256(data).hexdigest()
    assert version.size == len(data) and version.content_type == "application/pdf"
    with version.blob.open() as stored:
        assert stored.read() == data
    assert [p.read_bytes() for p in stored_files(documents_storage)] == [data]
    entry = AuditEntry.objects.get(action="documents.uploaded")
    assert entry.actor == owner and entry.target_id == str(result.document.pk)


def test_a_large_upload_is_hashed_while_copied_in_chunks(owner: Any, root: Folder) -> None:
    data = bytes(range(256)) * (5 * 4096 + 3)  # more than 5 MB, not text
    document = add_file(owner, root, "big.bin", data)
    assert document.current.blob.sha256 == hashlib.sha256(data).hexdigest()
    assert document.current.size == len(data)


def test_same_name_makes_a_new_version_and_same_content_is_stored_once(
    owner: Any, root: Folder, documents_storage: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = add_file(owner, root, "notes.txt", b"one\n")
        again = actions.upload_file(
            actor=owner, folder=root, upload=io.BytesIO(b"two\n"), name="NOTES.txt"
        )
        copy_elsewhere = add_file(owner, add_folder(owner, root, "Ailleurs"), "x.txt", b"one\n")
    assert again.document == first and not again.is_new_document
    assert [v.number for v in queries.versions_of(first)] == [2, 1]
    assert Blob.objects.count() == 2  # "one" once, "two" once
    assert copy_elsewhere.current.blob == first.versions.get(number=1).blob
    assert len(stored_files(documents_storage)) == 2
    assert AuditEntry.objects.filter(action="documents.version_added").count() == 1


def test_restoring_a_version_adds_one_with_the_old_content(owner: Any, root: Folder) -> None:
    document = add_file(owner, root, "a.txt", b"v1\n")
    actions.add_version(actor=owner, document=document, upload=io.BytesIO(b"v2\n"))
    restored = actions.restore_version(actor=owner, document=document, number=1)
    document.refresh_from_db()
    assert restored.number == 3 and restored.restored_from == 1
    assert (
        document.current == restored and restored.blob.sha256 == hashlib.sha256(b"v1\n").hexdigest()
    )
    with pytest.raises(ValidationError):
        actions.restore_version(actor=owner, document=document, number=9)


def test_refused_files_leave_nothing_behind(
    owner: Any, root: Folder, documents_storage: Path
) -> None:
    for name, data in [("setup.exe", windows_program()), ("empty.txt", b""), ("x.sh", b"ls\n")]:
        with pytest.raises(ValidationError) as caught:
            actions.upload_file(actor=owner, folder=root, upload=io.BytesIO(data), name=name)
        assert "file" in caught.value.message_dict
    assert Document.objects.count() == 0 and Blob.objects.count() == 0
    assert stored_files(documents_storage) == []


def test_a_failed_transaction_deletes_what_it_stored(
    owner: Any, root: Folder, documents_storage: Path
) -> None:
    add_folder(owner, root, "report.pdf")  # a folder has the name: refused after storing
    with pytest.raises(ValidationError):
        actions.upload_file(actor=owner, folder=root, upload=io.BytesIO(pdf()), name="report.pdf")
    assert stored_files(documents_storage) == [] and Blob.objects.count() == 0


def test_any_other_file_is_kept_byte_for_byte_as_a_download(owner: Any, root: Folder) -> None:
    from tests.helpers.files import jpeg_with_gps

    photo = jpeg_with_gps()
    html = b"<html><script>alert(1)</script></html>"
    jpeg = add_file(owner, root, "photo.jpg", photo)
    page = add_file(owner, root, "page.html", html)
    assert jpeg.current.blob.sha256 == hashlib.sha256(photo).hexdigest()
    assert jpeg.current.content_type == "application/octet-stream"
    assert page.current.content_type == "application/octet-stream"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("CON", "_CON"),
        ("aux.txt", "_aux.txt"),
        ("a\u202egnp.exe", "agnp.exe"),
        ("  Rapport  final. ", "Rapport final"),
        ("é" * 200, "é" * 150),
    ],
)
def test_names_are_cleaned(given: str, kept: str) -> None:
    assert actions.clean_item_name(given) == kept


@pytest.mark.parametrize("given", ["", "   ", "..", "\x00"])
def test_an_empty_name_is_refused(given: str) -> None:
    with pytest.raises(ValidationError):
        actions.clean_item_name(given)


def test_folders_nest_with_unique_names(owner: Any, root: Folder) -> None:
    a = add_folder(owner, root, "A")
    b = add_folder(owner, a, "B")
    c = add_folder(owner, b, "C")
    assert c.path == f"{root.path}{a.pk}/{b.pk}/{c.pk}/"
    assert [f.name for f in queries.breadcrumbs(c)] == ["", "A", "B", "C"]
    with pytest.raises(ValidationError):
        add_folder(owner, root, "a")  # case does not make another name
    add_file(owner, root, "notes.txt")
    with pytest.raises(ValidationError):
        add_folder(owner, root, "Notes.TXT")


def test_rename(owner: Any, root: Folder) -> None:
    document = add_file(owner, root, "a.txt")
    add_file(owner, root, "b.txt")
    with pytest.raises(ValidationError):
        actions.rename(actor=owner, item=document, name="B.txt")
    actions.rename(actor=owner, item=document, name="c.txt")
    assert Document.objects.get(pk=document.pk).name == "c.txt"
    entry = AuditEntry.objects.get(action="documents.renamed")
    assert entry.old_value == {"name": "a.txt"} and entry.new_value == {"name": "c.txt"}
    with pytest.raises(PermissionDenied):
        actions.rename(actor=owner, item=root, name="root")


def test_move_a_folder_between_libraries(owner: Any, root: Folder) -> None:
    a = add_folder(owner, root, "A")
    b = add_folder(owner, a, "B")
    inner = add_file(owner, b, "inner.txt")
    mine = root_for(owner=owner)
    with pytest.raises(ValidationError):
        actions.move(actor=owner, item=a, target=b)  # into itself
    actions.move(actor=owner, item=a, target=mine)
    a.refresh_from_db()
    b.refresh_from_db()
    inner.refresh_from_db()
    assert a.parent == mine and a.library_id == mine.library_id
    assert b.path == f"{mine.path}{a.pk}/{b.pk}/" and b.library_id == mine.library_id
    assert inner.library_id == mine.library_id
    # Into a library where one may not write: refused.
    other = root_for(make_space())
    with pytest.raises(PermissionDenied):
        actions.move(actor=owner, item=a, target=other)


def test_move_refuses_a_taken_name(owner: Any, root: Folder) -> None:
    sub = add_folder(owner, root, "Sub")
    add_file(owner, sub, "a.txt")
    document = add_file(owner, root, "a.txt", b"other\n")
    with pytest.raises(ValidationError):
        actions.move(actor=owner, item=document, target=sub)


def test_copy_shares_the_blobs(owner: Any, root: Folder) -> None:
    a = add_folder(owner, root, "A")
    add_file(owner, a, "x.txt", b"x\n")
    add_folder(owner, a, "Inner")
    copied = actions.copy(actor=owner, item=a, target=root)
    assert copied.name == "A (2)"
    assert Document.objects.filter(folder=copied, name="x.txt").exists()
    assert Folder.objects.filter(parent=copied, name="Inner").exists()
    assert Blob.objects.count() == 1
    doc_copy = actions.copy(
        actor=owner, item=Document.objects.get(name="x.txt", folder=a), target=a
    )
    assert doc_copy.name == "x (2).txt"


def test_trash_and_restore(owner: Any, root: Folder) -> None:
    folder = add_folder(owner, root, "F")
    document = add_file(owner, folder, "doc.txt")
    actions.trash(actor=owner, item=folder)
    with pytest.raises(queries.NotFound):
        queries.access_document(owner, document.pk)  # hidden with its folder
    restored = actions.restore(actor=owner, item=Folder.objects.get(pk=folder.pk))
    assert not restored.to_root
    assert queries.access_document(owner, document.pk) == document


def test_restore_into_the_root_when_the_folder_is_gone(owner: Any, root: Folder) -> None:
    folder = add_folder(owner, root, "F")
    document = add_file(owner, folder, "doc.txt")
    actions.trash(actor=owner, item=document)
    actions.trash(actor=owner, item=folder)
    add_file(owner, root, "doc.txt", b"another\n")
    restored = actions.restore(actor=owner, item=Document.objects.get(pk=document.pk))
    assert restored.to_root and restored.renamed
    assert restored.item.folder_id == root.pk and restored.item.name == "doc (2).txt"
    assert AuditEntry.objects.filter(action="documents.restored").count() == 1


def test_purge_after_the_trash_days(
    owner: Any,
    root: Folder,
    documents_storage: Path,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.DOCUMENTS_TRASH_DAYS = 30
    with django_capture_on_commit_callbacks(execute=True):
        folder = add_folder(owner, root, "Old")
        add_file(owner, folder, "inside.txt", b"inside\n")
        kept = add_file(owner, root, "kept.txt", b"inside\n")  # same content: the blob stays
        alone = add_file(owner, root, "alone.txt", b"alone\n")
        actions.trash(actor=owner, item=folder)
        actions.trash(actor=owner, item=alone)
        assert actions.purge_trash() == 0  # too recent
        later = timezone.now() + timedelta(days=31)
        assert actions.purge_trash(now=later) == 2
    assert not Folder.objects.filter(pk=folder.pk).exists()
    assert list(Document.objects.all()) == [kept]
    assert Blob.objects.count() == 1 and len(stored_files(documents_storage)) == 1
    assert AuditEntry.objects.filter(action="documents.purged").exists()


def test_purge_command(owner: Any, root: Folder) -> None:
    document = add_file(owner, root, "a.txt")
    actions.trash(actor=owner, item=document)
    Document.objects.filter(pk=document.pk).update(trashed_at=timezone.now() - timedelta(days=40))
    out = io.StringIO()
    call_command("purge_document_trash", stdout=out)
    assert not Document.objects.exists() and not Version.objects.exists()
    assert "1" in out.getvalue()


def test_a_blob_in_use_is_never_deleted(owner: Any, root: Folder) -> None:
    from django.db import IntegrityError, transaction
    from django.db.models import ProtectedError

    document = add_file(owner, root, "a.txt")
    blob = document.current.blob
    assert actions.collect_blobs() == 0
    with pytest.raises((ProtectedError, IntegrityError)), transaction.atomic():
        blob.delete()


def test_folders_nest_deep_but_not_beyond_what_a_path_holds(
    owner: Any, root: Folder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions, "MAX_PATH", len(root.path) + 60)  # a few levels, not 200
    folder = root
    with pytest.raises(ValidationError) as caught:
        for n in range(40):
            folder = add_folder(owner, folder, f"n{n}")
    assert "target" in caught.value.message_dict
    deepest = folder
    top = Folder.objects.get(parent=root)
    other = add_folder(owner, root, "Other")
    with pytest.raises(ValidationError):
        actions.move(actor=owner, item=top, target=other)  # the subtree would go too deep
    assert deepest.path.startswith(top.path)
