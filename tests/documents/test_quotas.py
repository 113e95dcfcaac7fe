"""Quotas of the document base: usage figures, who sets them, and uploads beyond a quota or the
largest file refused — over the pages' form, the API and WebDAV, with and without a
`Content-Length` — leaving nothing behind in the storage or the database."""

from __future__ import annotations

import base64
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.asgi import ASGIRequest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from cercle.accounts.actions.auth import create_api_token
from cercle.audit.models import AuditEntry
from cercle.documents import actions, dav, listing_cache, queries
from cercle.documents.models import Blob, Document, Library, Version
from tests.factories import add_member, make_admin, make_space, make_user
from tests.helpers.api import api
from tests.helpers.clients import client_for
from tests.helpers.documents import add_file, add_folder, root_for, stored_files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    """The assertions quote the English pages and messages (the site's default is French)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


KB = 1024
MB = 1024 * 1024


@pytest.fixture
def admin() -> Any:
    return make_admin()


@pytest.fixture
def anne() -> Any:
    return make_user()


def limit(admin: Any, folder: Any, mb: int | None) -> Library:
    return actions.set_library_quota(actor=admin, library=folder.library, quota_mb=mb)


def fill(actor: Any, folder: Any, size: int, name: str = "filler.bin") -> Any:
    return add_file(actor, folder, name, os.urandom(size))


def codes(error: ValidationError) -> set[str | None]:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


class Nothing:
    """What the storage and the database hold, to check that a refusal added nothing."""

    def __init__(self, storage: Path) -> None:
        self.storage = storage
        self.files = stored_files(storage)
        self.rows = self.count()

    @staticmethod
    def count() -> tuple[int, int, int]:
        return Document.objects.count(), Version.objects.count(), Blob.objects.count()

    def left(self) -> bool:
        return stored_files(self.storage) == self.files and self.count() == self.rows


# --- Usage ---------------------------------------------------------------------------------------


def test_usage_counts_each_content_once_per_library_versions_included_not_the_trash(
    anne: Any, admin: Any
) -> None:
    root = root_for(owner=anne)
    first, second = os.urandom(100 * KB), os.urandom(50 * KB)
    document = add_file(anne, root, "a.bin", first)
    actions.add_version(actor=anne, document=document, upload=io.BytesIO(second))
    library = root.library
    assert queries.usage(library) == 150 * KB  # the current and the old version
    # The same content again, in another folder and as a copy: counted once.
    folder = add_folder(anne, root, "Copies")
    add_file(anne, folder, "same.bin", first)
    actions.copy(actor=anne, item=Document.objects.get(pk=document.pk), target=folder)
    assert queries.usage(library) == 150 * KB
    # In another library it counts there too.
    space = make_space(owner=anne)
    space_root = root_for(space)
    actions.copy(actor=anne, item=Document.objects.get(pk=document.pk), target=space_root)
    assert queries.usage(space_root.library) == 50 * KB  # a copy holds the current version
    assert queries.usages([library.pk, space_root.library.pk]) == {
        library.pk: 150 * KB,
        space_root.library.pk: 50 * KB,
    }
    # The trash does not count: a folder trashed takes its files with it.
    actions.trash(actor=anne, item=folder)
    assert queries.usage(library) == 150 * KB  # `first` is still held by `a.bin`'s version 1
    actions.trash(actor=anne, item=Document.objects.get(pk=document.pk))
    assert queries.usage(library) == 0
    quota = queries.quota_of(library)
    assert (quota.used, quota.limit, quota.available) == (0, None, None)
    limit(admin, root, 1)
    quota = queries.quota_of(Library.objects.get(pk=library.pk))
    assert (quota.limit, quota.available, quota.own) == (MB, MB, True)


def test_defaults_follow_the_settings_then_the_administrators(
    anne: Any, admin: Any, settings: Any
) -> None:
    settings.DOCUMENTS_SPACE_QUOTA_MB = 7
    settings.DOCUMENTS_PERSON_QUOTA_MB = 3
    mine = root_for(owner=anne).library
    theirs = root_for(make_space(owner=anne)).library
    assert queries.quota_of(mine).limit == 3 * MB
    assert queries.quota_of(theirs).limit == 7 * MB
    actions.set_quota_defaults(actor=admin, space_quota_mb=0, person_quota_mb=5, max_file_mb=None)
    assert queries.quota_of(mine).limit == 5 * MB
    assert queries.quota_of(theirs).limit is None  # 0: no limit
    entry = AuditEntry.objects.get(action="documents.quota_defaults_set")
    assert entry.old_value == {"space_quota_mb": None, "person_quota_mb": None}
    assert entry.new_value == {"space_quota_mb": 0, "person_quota_mb": 5}
    # A library's own quota wins; None puts it back on the default.
    actions.set_library_quota(actor=admin, library=mine, quota_mb=2)
    assert queries.quota_of(mine).limit == 2 * MB
    actions.set_library_quota(actor=admin, library=mine, quota_mb=None)
    assert queries.quota_of(Library.objects.get(pk=mine.pk)).limit == 5 * MB
    assert AuditEntry.objects.filter(action="documents.quota_set").count() == 2
    # The largest file is never above the server's setting.
    settings.DOCUMENTS_MAX_UPLOAD_MB = 10
    with pytest.raises(ValidationError):
        actions.set_quota_defaults(
            actor=admin, space_quota_mb=None, person_quota_mb=None, max_file_mb=11
        )
    actions.set_quota_defaults(
        actor=admin, space_quota_mb=None, person_quota_mb=None, max_file_mb=4
    )
    assert queries.max_file_mb() == 4
    assert actions.max_document_bytes() == 4 * MB


def test_only_administrators_set_quotas(anne: Any) -> None:
    space = make_space(owner=anne)
    library = root_for(space).library
    moderator = make_user()
    add_member(space, moderator, "admin")
    for person in (anne, moderator, make_user()):
        with pytest.raises(PermissionDenied):
            actions.set_library_quota(actor=person, library=library, quota_mb=1)
        with pytest.raises(PermissionDenied):
            actions.set_quota_defaults(
                actor=person, space_quota_mb=1, person_quota_mb=1, max_file_mb=None
            )
    assert Library.objects.get(pk=library.pk).quota_mb is None
    assert not AuditEntry.objects.filter(action__startswith="documents.quota").exists()
    # The administration's page: administrators only.
    assert client_for(anne).get(reverse("admin_documents")).status_code == 403
    assert (
        client_for(moderator)
        .post(reverse("admin_documents"), {"form": "reset", "library": library.pk})
        .status_code
        == 403
    )


def test_the_administration_page_sets_defaults_and_quotas(anne: Any, admin: Any) -> None:
    space = make_space(owner=anne, name="Comptabilité")
    fill(anne, root_for(space), 300 * KB)
    client = client_for(admin)
    url = reverse("admin_documents")
    assert client.get(url).status_code == 200
    saved = client.post(
        url,
        {
            "form": "defaults",
            "defaults-space_quota_mb": "100",
            "defaults-person_quota_mb": "",
            "defaults-max_file_mb": "50",
        },
    )
    assert saved.status_code == 302
    assert queries.default_quota_mb("space") == 100 and queries.max_file_mb() == 50
    bad = client.post(url, {"form": "defaults", "defaults-max_file_mb": "-3"})
    assert bad.status_code == 200 and queries.max_file_mb() == 50
    set_ = client.post(
        url,
        {"form": "quota", "quota-kind": "space", "quota-who": space.slug, "quota-quota_mb": "2"},
    )
    assert set_.status_code == 302
    assert Library.objects.get(space=space).quota_mb == 2
    for_anne = client.post(
        url,
        {
            "form": "quota",
            "quota-kind": "person",
            "quota-who": anne.username,
            "quota-quota_mb": "0",
        },
    )
    assert for_anne.status_code == 302 and Library.objects.get(owner=anne).quota_mb == 0
    unknown = client.post(
        url,
        {
            "form": "quota",
            "quota-kind": "person",
            "quota-who": "nobody-here",
            "quota-quota_mb": "1",
        },
    )
    assert unknown.status_code == 200 and "Nobody has this username" in unknown.content.decode()
    page = client.get(url).content.decode()
    assert "Comptabilité" in page and re.search(r"300[.,]0\s(KB|Ko|Kio)", page)  # its usage
    library = Library.objects.get(space=space)
    client.post(url, {"form": "reset", "library": library.pk})
    assert Library.objects.get(pk=library.pk).quota_mb is None
    client.post(url, {"form": "reset", "library": "nonsense"})  # no 500


# --- The pages' form -----------------------------------------------------------------------------


def test_the_library_page_shows_the_usage_to_who_may_add_files(anne: Any, admin: Any) -> None:
    space = make_space(owner=anne)
    root = root_for(space)
    limit(admin, root, 1)
    fill(anne, root, MB // 2)
    member, reader = make_user(), make_user()
    add_member(space, member)
    page = client_for(member).get(reverse("documents_space", args=[space.slug])).content.decode()
    page = page.replace("\xa0", " ")
    # The figures, in the page's language (French by default): 512 KB used of 1 MB.
    assert 'max="1048576"' in page and 'value="524288"' in page
    start = page.index('id="documents-quota-text"')
    sentence = page[start : page.index("</p>", start)]
    assert len(re.findall(r"512[.,]0\s(?:KB|Ko|Kio)", sentence)) == 2  # used, and available
    assert re.search(r"1[.,]0\s(?:MB|Mo|Mio)", sentence)
    # An open space's reader (not a member) reads the files, not the figures.
    other = client_for(reader).get(reverse("documents_space", args=[space.slug]))
    assert other.status_code == 200 and "<meter" not in other.content.decode()
    mine = client_for(anne).get(reverse("documents_mine")).content.decode()
    assert "<meter" not in mine and "documents-quota" in mine  # no limit: a sentence only


def test_the_library_page_costs_a_bounded_number_of_queries(
    anne: Any, admin: Any, django_assert_max_num_queries: Any
) -> None:
    space = make_space(owner=anne)
    root = root_for(space)
    limit(admin, root, 10)
    for n in range(3):
        fill(anne, root, KB, f"f{n}.bin")
    client = client_for(anne)
    url = reverse("documents_space", args=[space.slug])
    client.get(url)
    listing_cache.bump()  # the usage read again (`queries.kept_usage`), as after any upload
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    for n in range(3, 25):
        fill(anne, root, KB, f"f{n}.bin")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def _post_files(client: Client, folder: Any, *files: tuple[str, bytes], json: bool = False) -> Any:
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    return client.post(
        reverse("documents_upload", args=[folder.pk]),
        {"files": [SimpleUploadedFile(name, data) for name, data in files]},
        **headers,
    )


def test_a_form_upload_beyond_the_quota_is_refused_up_front(
    anne: Any, admin: Any, documents_storage: Path
) -> None:
    root = root_for(owner=anne)
    limit(admin, root, 1)
    fill(anne, root, 600 * KB)
    before = Nothing(documents_storage)
    client = client_for(anne)
    # Its Content-Length is already past the room left (424 KB).
    response = _post_files(client, root, ("big.bin", os.urandom(MB)), json=True)
    assert response.status_code == 507
    assert "Not enough room in this library" in response.json()["detail"]
    assert before.left()
    # Without JavaScript: back to the folder, with the message.
    page = client.get(
        _post_files(client, root, ("big.bin", os.urandom(MB)))["Location"]
    ).content.decode()
    assert "Not enough room in this library" in page
    assert before.left()
    # Several files together: their sum counts.
    response = _post_files(
        client, root, ("a.bin", os.urandom(300 * KB)), ("b.bin", os.urandom(300 * KB)), json=True
    )
    assert response.status_code == 507 and before.left()
    # What fits goes in.
    assert (
        _post_files(client, root, ("small.bin", os.urandom(100 * KB)), json=True).status_code == 200
    )


def test_a_form_upload_is_stopped_while_it_arrives(
    anne: Any, admin: Any, documents_storage: Path
) -> None:
    """A body whose Content-Length leaves room for its wrapping (under 64 KB over the room left)
    passes the first check; its bytes are counted, and the first past the room stops it."""
    root = root_for(owner=anne)
    limit(admin, root, 1)
    fill(anne, root, 600 * KB)
    before = Nothing(documents_storage)
    room = MB - 600 * KB
    response = _post_files(
        client_for(anne), root, ("edge.bin", os.urandom(room + 10 * KB)), json=True
    )
    assert response.status_code == 507, response.content
    assert before.left()


def test_the_largest_file_is_refused_before_it_is_kept(
    anne: Any, admin: Any, documents_storage: Path
) -> None:
    actions.set_quota_defaults(
        actor=admin, space_quota_mb=None, person_quota_mb=None, max_file_mb=1
    )
    root = root_for(owner=anne)
    before = Nothing(documents_storage)
    client = client_for(anne)
    response = _post_files(client, root, ("huge.bin", os.urandom(MB + KB)), json=True)
    assert response.status_code == 413
    assert "at most 1 MB per file" in response.json()["detail"]
    assert before.left()
    # Two files under the limit each are fine (the limit is per file).
    ok = _post_files(
        client, root, ("a.bin", os.urandom(600 * KB)), ("b.bin", os.urandom(600 * KB)), json=True
    )
    assert ok.status_code == 200 and len(ok.json()["added"]) == 2
    # The action refuses it too (the API's and WebDAV's path).
    with pytest.raises(ValidationError) as refused:
        add_file(anne, root, "huge.bin", os.urandom(MB + KB))
    assert codes(refused.value) == {"too_large"}


def test_a_new_version_beyond_the_quota_is_refused(
    anne: Any, admin: Any, documents_storage: Path
) -> None:
    root = root_for(owner=anne)
    document = fill(anne, root, 600 * KB)
    limit(admin, root, 1)
    before = Nothing(documents_storage)
    client = client_for(anne)
    response = client.post(
        reverse("documents_new_version", args=[document.pk]),
        {"file": SimpleUploadedFile("filler.bin", os.urandom(600 * KB))},
    )
    assert response.status_code == 302
    assert "Not enough room" in client.get(response["Location"]).content.decode()
    assert before.left()
    # Old versions count: restoring one adds nothing (its content is already counted).
    actions.add_version(actor=anne, document=document, upload=io.BytesIO(os.urandom(300 * KB)))
    actions.restore_version(actor=anne, document=Document.objects.get(pk=document.pk), number=1)
    assert queries.usage(root.library) == 900 * KB


# --- The API -------------------------------------------------------------------------------------


def test_api_uploads_beyond_the_quota_or_the_largest_file(
    anne: Any, admin: Any, documents_storage: Path
) -> None:
    root = root_for(owner=anne)
    document = fill(anne, root, 600 * KB)
    limit(admin, root, 1)
    _token, secret = create_api_token(user=anne, name="sync")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    before = Nothing(documents_storage)
    # Into a folder: the quota is the action's, before anything is stored.
    response = client.post(
        "/api/v1/files", {"folder_id": root.pk, "file": SimpleUploadedFile("x.bin", os.urandom(MB))}
    )
    assert response.status_code == 400
    assert "Not enough room" in str(response.json()["detail"])
    assert before.left()
    # A new version: counted while it arrives (the file is known from the path).
    response = client.post(
        f"/api/v1/files/{document.pk}/versions",
        {"file": SimpleUploadedFile("x.bin", os.urandom(MB))},
    )
    assert response.status_code == 507 and "Not enough room" in response.json()["detail"]
    assert before.left()
    # The session's client too.
    response = api(anne).post(
        f"/api/v1/files/{document.pk}/versions",
        {"file": SimpleUploadedFile("x.bin", os.urandom(MB))},
    )
    assert response.status_code == 507 and before.left()
    # Past the largest file: 413, while it arrives.
    actions.set_quota_defaults(
        actor=admin, space_quota_mb=None, person_quota_mb=None, max_file_mb=1
    )
    limit(admin, root, None)
    response = client.post(
        "/api/v1/files",
        {"folder_id": root.pk, "file": SimpleUploadedFile("x.bin", os.urandom(MB + KB))},
    )
    assert response.status_code == 413 and "at most 1 MB" in response.json()["detail"]
    assert before.left()
    # Someone else's file: still the 404 it was.
    stranger = api(make_user()).post(
        f"/api/v1/files/{document.pk}/versions", {"file": SimpleUploadedFile("x", b"x")}
    )
    assert stranger.status_code == 404


# --- WebDAV --------------------------------------------------------------------------------------


def _basic(user: Any) -> str:
    _token, secret = create_api_token(user=user, name="WebDAV")
    return "Basic " + base64.b64encode(f"{user.username}:{secret}".encode()).decode()


def _put(auth: str, path: str, data: bytes) -> Any:
    return Client().generic("PUT", path, data, HTTP_AUTHORIZATION=auth)


def _put_without_length(auth: str, path: str, data: bytes) -> Any:
    """A PUT as an ASGI server hands it over when the client sent no Content-Length (chunked):
    the body is read to its end, its size unknown before."""
    scope = {
        "type": "http",
        "method": "PUT",
        "path": path,
        "root_path": "",
        "query_string": b"",
        "headers": [(b"authorization", auth.encode()), (b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "scheme": "http",
        "http_version": "1.1",
    }
    request = ASGIRequest(scope, io.BytesIO(data))
    assert "CONTENT_LENGTH" not in request.META
    return dav.dav_view(request)


def test_webdav_put_beyond_the_quota_is_507_and_leaves_nothing(
    anne: Any, admin: Any, documents_storage: Path
) -> None:
    root = root_for(owner=anne)
    document = fill(anne, root, 600 * KB)
    limit(admin, root, 1)
    auth = _basic(anne)
    before = Nothing(documents_storage)
    # A new file, with its Content-Length: refused before a byte is read.
    response = _put(auth, "/dav/files/My%20documents/new.bin", os.urandom(MB))
    assert response.status_code == 507
    assert before.left()
    # A new version of a file.
    response = _put(auth, "/dav/files/My%20documents/filler.bin", os.urandom(MB))
    assert response.status_code == 507
    assert before.left()
    # Without a Content-Length: counted while it arrives, stopped at the room left.
    response = _put_without_length(auth, "/dav/files/My documents/chunked.bin", os.urandom(MB))
    assert response.status_code == 507
    assert before.left()
    response = _put_without_length(auth, "/dav/files/My documents/filler.bin", os.urandom(MB))
    assert response.status_code == 507
    assert before.left()
    assert Document.objects.get(pk=document.pk).versions.count() == 1
    # What fits goes in, with or without a Content-Length.
    small_put = _put(auth, "/dav/files/My%20documents/small.bin", os.urandom(100 * KB))
    assert small_put.status_code == 201
    small = _put_without_length(auth, "/dav/files/My documents/small2.bin", os.urandom(100 * KB))
    assert small.status_code == 201


def test_webdav_put_past_the_largest_file_is_413(
    anne: Any, admin: Any, documents_storage: Path
) -> None:
    actions.set_quota_defaults(
        actor=admin, space_quota_mb=None, person_quota_mb=None, max_file_mb=1
    )
    root_for(owner=anne)
    auth = _basic(anne)
    before = Nothing(documents_storage)
    assert _put(auth, "/dav/files/My%20documents/big.bin", os.urandom(MB + KB)).status_code == 413
    assert before.left()
    response = _put_without_length(auth, "/dav/files/My documents/big.bin", os.urandom(MB + KB))
    assert response.status_code == 413
    assert before.left()


# --- Restoring and copying -----------------------------------------------------------------------


def test_restoring_from_the_trash_copying_and_moving_count(
    anne: Any, admin: Any, documents_storage: Path
) -> None:
    root = root_for(owner=anne)
    folder = add_folder(anne, root, "Archives")
    old = fill(anne, folder, 600 * KB, "old.bin")
    actions.trash(actor=anne, item=folder)
    fill(anne, root, 600 * KB, "new.bin")
    limit(admin, root, 1)
    # Restoring the folder would bring 600 KB back: refused, the folder stays in the trash.
    with pytest.raises(ValidationError) as refused:
        actions.restore(actor=anne, item=type(folder).objects.get(pk=folder.pk))
    assert codes(refused.value) == {"quota"}
    assert type(folder).objects.get(pk=folder.pk).trashed_at is not None
    # Copying into a full library: refused; a copy of what it holds already is free.
    space = make_space(owner=anne)
    elsewhere = fill(anne, root_for(space), 600 * KB, "theirs.bin")
    with pytest.raises(ValidationError):
        actions.copy(actor=anne, item=elsewhere, target=root)
    new = Document.objects.get(name="new.bin")
    copied = actions.copy(actor=anne, item=new, target=root)
    assert copied.name == "new (2).bin"
    # Moving in from another library: refused too; within the library, free.
    with pytest.raises(ValidationError):
        actions.move(actor=anne, item=elsewhere, target=root)
    assert Document.objects.get(pk=elsewhere.pk).library_id == root_for(space).library_id
    # Room made (the trash does not count, emptying it is not needed): the restore goes through.
    actions.trash(actor=anne, item=Document.objects.get(pk=copied.pk))
    actions.trash(actor=anne, item=new)
    restored = actions.restore(actor=anne, item=type(folder).objects.get(pk=folder.pk))
    assert restored.item.trashed_at is None
    assert queries.usage(root.library) == 600 * KB
    assert Document.objects.get(pk=old.pk).trashed_at is None
