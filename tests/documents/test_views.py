"""The document base's pages: the Documents tab and "My documents", uploads with and without
JavaScript, folders, versions, move, trash; downloads byte for byte, with ranges."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cercle.accounts.actions.auth import create_api_token
from cercle.documents import actions, listing_cache
from cercle.documents.models import Document, Folder, Version
from tests.factories import add_member, make_space, make_user
from tests.helpers.clients import client_for
from tests.helpers.documents import add_file, add_folder, root_for
from tests.helpers.files import pdf

pytestmark = pytest.mark.django_db

DATA = os.urandom(300_000)


@pytest.fixture
def owner() -> Any:
    return make_user()


@pytest.fixture
def space(owner: Any) -> Any:
    return make_space(owner=owner, kind="private")


@pytest.fixture
def stored(owner: Any, space: Any) -> Document:
    return add_file(owner, root_for(space), "data.bin", DATA)


def test_the_documents_tab_and_page(owner: Any, space: Any) -> None:
    client = client_for(owner)
    add_file(owner, root_for(space), "compte-rendu.txt")
    response = client.get(reverse("space", args=[space.slug]))
    assert reverse("documents_space", args=[space.slug]) in response.content.decode()
    page = client.get(reverse("documents_space", args=[space.slug]))
    assert page.status_code == 200 and "compte-rendu.txt" in page.content.decode()
    # Someone outside a private space: not found.
    assert (
        client_for(make_user()).get(reverse("documents_space", args=[space.slug])).status_code
        == 404
    )


def test_documents_off_hides_the_tab_and_the_page(owner: Any, space: Any) -> None:
    space.module_settings = {**space.module_settings, "documents": False}
    space.save(update_fields=["module_settings"])
    client = client_for(owner)
    url = reverse("documents_space", args=[space.slug])
    assert url not in client.get(reverse("space", args=[space.slug])).content.decode()
    assert client.get(url).status_code == 404


def test_my_documents_is_in_the_account_menu(owner: Any) -> None:
    client = client_for(owner)
    assert reverse("documents_mine") in client.get(reverse("home")).content.decode()
    page = client.get(reverse("documents_mine"))
    assert page.status_code == 200


def test_upload_many_files_without_javascript(owner: Any, space: Any) -> None:
    root = root_for(space)
    client = client_for(owner)
    response = client.post(
        reverse("documents_upload", args=[root.pk]),
        {
            "files": [
                SimpleUploadedFile("a.txt", b"a\n"),
                SimpleUploadedFile("b.pdf", pdf()),
                SimpleUploadedFile("evil.exe", b"MZ\x90\x00" + b"\x00" * 100),
            ]
        },
    )
    assert response.status_code == 302
    assert sorted(Document.objects.values_list("name", flat=True)) == ["a.txt", "b.pdf"]
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("2" in t for t in texts) and any("evil.exe" in t for t in texts)


def test_upload_one_file_from_the_script(owner: Any, space: Any) -> None:
    root = root_for(space)
    client = client_for(owner)
    url = reverse("documents_upload", args=[root.pk])
    ok = client.post(
        url, {"files": SimpleUploadedFile("a.txt", b"a\n")}, HTTP_ACCEPT="application/json"
    )
    assert ok.status_code == 200 and ok.json() == {"added": ["a.txt"], "versioned": []}
    again = client.post(
        url, {"files": SimpleUploadedFile("a.txt", b"b\n")}, HTTP_ACCEPT="application/json"
    )
    assert again.json() == {"added": [], "versioned": ["a.txt"]}
    refused = client.post(
        url, {"files": SimpleUploadedFile("e.txt", b"")}, HTTP_ACCEPT="application/json"
    )
    assert refused.status_code == 400 and "e.txt" in refused.json()["detail"]
    nothing = client.post(url, {}, HTTP_ACCEPT="application/json")
    assert nothing.status_code == 400


def test_a_reader_cannot_upload(owner: Any) -> None:
    open_space = make_space(owner=owner, kind="open")
    root = root_for(open_space)
    reader = client_for(make_user())  # not a member: reads an open space, does not write
    assert reader.get(reverse("documents_space", args=[open_space.slug])).status_code == 200
    response = reader.post(
        reverse("documents_upload", args=[root.pk]), {"files": SimpleUploadedFile("a.txt", b"a")}
    )
    assert response.status_code == 403
    assert not Document.objects.exists()


def test_folder_page_sorts_and_costs_fixed_queries(
    owner: Any, space: Any, django_assert_max_num_queries: Any
) -> None:
    root = root_for(space)
    folder = add_folder(owner, root, "Projet")
    for n in range(3):
        add_file(owner, folder, f"f{n}.txt", b"x" * (n + 1))
    client = client_for(owner)
    url = reverse("documents_folder", args=[folder.pk])
    client.get(url)
    listing_cache.bump()  # the usage read again (`queries.kept_usage`), as after any upload
    with django_assert_max_num_queries(30) as few:
        client.get(url + "?sort=size&order=desc")
    for n in range(3, 30):
        add_file(owner, folder, f"f{n}.txt", b"x" * (n + 1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url + "?sort=size&order=desc").content.decode()
    assert page.index("f29.txt") < page.index("f0.txt")
    assert client.get(url + "?sort=nonsense").status_code == 200


def test_folder_page_is_read_a_page_at_a_time_by_a_cursor(
    owner: Any, space: Any, settings: Any, monkeypatch: Any
) -> None:
    """The documents of a folder come `PAGE_SIZE` at a time (5 here), by every sort and in both
    orders; each page costs the same queries; a cursor that was not made here is a 400."""
    from cercle.documents import queries

    monkeypatch.setattr(queries, "PAGE_SIZE", 5)
    root = root_for(space)
    folder = add_folder(owner, root, "Beaucoup")
    add_folder(owner, folder, "Sous-dossier")
    names = [f"fichier {n:02d}.txt" for n in range(12)]
    for n, name in enumerate(names):
        add_file(owner, folder, name, b"x" * (n + 1))
    client = client_for(owner)
    url = reverse("documents_folder", args=[folder.pk])
    for sort, order, expected in [
        ("name", "asc", names),
        ("name", "desc", names[::-1]),
        ("size", "desc", names[::-1]),
        ("size", "asc", names),
    ]:
        seen: list[str] = []
        query = f"?sort={sort}&order={order}"
        pages = 0
        while True:
            response = client.get(url + query)
            assert response.status_code == 200
            page = response.content.decode()
            pages += 1
            assert ("Sous-dossier" in page) == (pages == 1)
            seen += [name for name in sorted(names, key=page.find) if name in page]
            if 'rel="next"' not in page:
                break
            query = "?" + page.split('href="?', 2)[-1].split('"', 1)[0].replace("&amp;", "&")
        assert pages == 3, sort
        assert seen == expected, (sort, order)
    assert client.get(url + "?after=bm9uc2Vuc2U").status_code == 400
    assert client.get(url + "?sort=size&after=WyJ4Il0").status_code == 400


def test_new_folder_rename_move_delete_restore(owner: Any, space: Any) -> None:
    root = root_for(space)
    client = client_for(owner)
    client.post(reverse("documents_new_folder", args=[root.pk]), {"name": "Archives"})
    folder = Folder.objects.get(name="Archives")
    bad = client.post(reverse("documents_new_folder", args=[root.pk]), {"name": "  "})
    assert bad.status_code == 302 and Folder.objects.count() == 2
    document = add_file(owner, root, "a.txt")
    client.post(reverse("documents_rename", args=["file", document.pk]), {"name": "b.txt"})
    document.refresh_from_db()
    assert document.name == "b.txt"
    page = client.get(reverse("documents_move", args=["file", document.pk]))
    assert page.status_code == 200 and "Archives" in page.content.decode()
    client.post(reverse("documents_move", args=["file", document.pk]), {"target": folder.pk})
    document.refresh_from_db()
    assert document.folder == folder
    refused = client.post(reverse("documents_move", args=["file", document.pk]), {"target": "x"})
    assert refused.status_code == 400
    client.post(reverse("documents_delete", args=["folder", folder.pk]))
    folder.refresh_from_db()
    assert folder.trashed_at is not None
    trash = client.get(reverse("documents_trash", args=[root.library_id]))
    assert "Archives" in trash.content.decode()
    response = client.post(reverse("documents_restore", args=["folder", folder.pk]))
    assert response.status_code == 302
    folder.refresh_from_db()
    assert folder.trashed_at is None
    assert client.get(reverse("documents_rename", args=["nonsense", 1])).status_code in (404, 405)
    assert client.post(reverse("documents_rename", args=["nonsense", 1])).status_code == 404


def test_restoring_into_a_gone_folder_says_so(owner: Any, space: Any) -> None:
    root = root_for(space)
    folder = add_folder(owner, root, "F")
    document = add_file(owner, folder, "x.txt")
    actions.trash(actor=owner, item=document)
    actions.trash(actor=owner, item=folder)
    client = client_for(owner)
    response = client.post(reverse("documents_restore", args=["file", document.pk]))
    notes = list(get_messages(response.wsgi_request))
    assert [n.level_tag for n in notes] == ["warning"] and "x.txt" in str(notes[0])
    document.refresh_from_db()
    assert document.folder == root and document.trashed_at is None


def test_versions_page_new_version_and_restore(owner: Any, stored: Document) -> None:
    client = client_for(owner)
    client.post(
        reverse("documents_new_version", args=[stored.pk]),
        {"file": SimpleUploadedFile("whatever.bin", b"\x00\x01second")},
    )
    page = client.get(reverse("documents_file", args=[stored.pk])).content.decode()
    assert "whatever.bin" not in page and stored.name in page
    assert Version.objects.filter(document=stored).count() == 2
    client.post(reverse("documents_restore_version", args=[stored.pk, 1]))
    stored.refresh_from_db()
    assert (
        stored.current.number == 3
        and stored.current.blob.sha256 == hashlib.sha256(DATA).hexdigest()
    )
    first = Version.objects.get(document=stored, number=2)
    response = client.get(reverse("documents_download_version", args=[first.pk]))
    assert b"".join(response.streaming_content) == b"\x00\x01second"


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_download_byte_for_byte_with_safe_headers(owner: Any, stored: Document) -> None:
    response = client_for(owner).get(reverse("documents_download", args=[stored.pk]))
    assert response.status_code == 200 and _body(response) == DATA
    assert response["Content-Length"] == str(len(DATA))
    assert response["Accept-Ranges"] == "bytes"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["ETag"] == f'"{hashlib.sha256(DATA).hexdigest()}"'


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=100-", 100, len(DATA) - 1),
        ("bytes=-500", len(DATA) - 500, len(DATA) - 1),
        ("bytes=299990-999999999", 299990, len(DATA) - 1),
        ("bytes=0-0", 0, 0),
        (f"bytes={len(DATA) - 1}-", len(DATA) - 1, len(DATA) - 1),
        ("bytes=-999999999", 0, len(DATA) - 1),
    ],
)
def test_ranges(owner: Any, stored: Document, header: str, first: int, last: int) -> None:
    response = client_for(owner).get(
        reverse("documents_download", args=[stored.pk]), HTTP_RANGE=header
    )
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(DATA)}"
    assert response["Content-Length"] == str(last - first + 1)
    assert _body(response) == DATA[first : last + 1]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_ranges_reassemble_the_file(owner: Any, stored: Document) -> None:
    client = client_for(owner)
    url = reverse("documents_download", args=[stored.pk])
    parts = []
    for start in range(0, len(DATA), 65_536):
        end = min(start + 65_535, len(DATA) - 1)
        parts.append(_body(client.get(url, HTTP_RANGE=f"bytes={start}-{end}")))
    assert b"".join(parts) == DATA


@pytest.mark.parametrize("header", [f"bytes={len(DATA)}-", "bytes=999999999-", "bytes=-0"])
def test_unsatisfiable_ranges(owner: Any, stored: Document, header: str) -> None:
    response = client_for(owner).get(
        reverse("documents_download", args=[stored.pk]), HTTP_RANGE=header
    )
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(DATA)}"


@pytest.mark.parametrize(
    "header",
    ["bytes=abc", "bytes=0-1,5-6", "items=0-5", "bytes=9-2", "bytes=-", "bytes=" + "9" * 40],
)
def test_ranges_ignored_serve_the_whole_file(owner: Any, stored: Document, header: str) -> None:
    response = client_for(owner).get(
        reverse("documents_download", args=[stored.pk]), HTTP_RANGE=header
    )
    assert response.status_code == 200 and _body(response) == DATA


def test_if_range_and_if_none_match(owner: Any, stored: Document) -> None:
    client = client_for(owner)
    url = reverse("documents_download", args=[stored.pk])
    etag = f'"{hashlib.sha256(DATA).hexdigest()}"'
    assert client.get(url, HTTP_RANGE="bytes=0-3", HTTP_IF_RANGE=etag).status_code == 206
    stale = client.get(url, HTTP_RANGE="bytes=0-3", HTTP_IF_RANGE='"other"')
    assert stale.status_code == 200 and _body(stale) == DATA
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_head_and_token_downloads(owner: Any, stored: Document) -> None:
    url = reverse("documents_download", args=[stored.pk])
    head = client_for(owner).head(url, HTTP_RANGE="bytes=0-9")
    assert head.status_code == 206 and head["Content-Length"] == "10"
    _token, secret = create_api_token(user=owner, name="sync")
    response = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200 and _body(response) == DATA
    assert Client().get(url, HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    stranger = make_user()
    assert client_for(stranger).get(url).status_code == 404
    assert client_for(owner).post(url).status_code == 405


def test_a_member_cannot_delete_someone_elses_file(
    owner: Any, space: Any, stored: Document
) -> None:
    member = make_user()
    add_member(space, member)
    response = client_for(member).post(reverse("documents_delete", args=["file", stored.pk]))
    assert response.status_code == 403
    stored.refresh_from_db()
    assert stored.trashed_at is None
