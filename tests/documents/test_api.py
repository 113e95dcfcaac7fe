"""The document base's API: libraries, folders listed with a cursor, files uploaded by
multipart, versions, downloads with ranges, trash and restore; bad input a 4xx with a reason,
never a 500."""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cercle.accounts.actions.auth import create_api_token
from cercle.accounts.models import Role
from cercle.documents import actions, upload_sessions
from cercle.documents.models import Document, Folder
from tests.factories import add_member, make_space, make_user
from tests.helpers.api import api, assert_4xx, call
from tests.helpers.clients import client_for
from tests.helpers.documents import add_file, add_folder, root_for

pytestmark = pytest.mark.django_db

DATA = os.urandom(200_000)


def _upload(client: Client, folder_id: Any, name: str, data: bytes) -> Any:
    return client.post(
        "/api/v1/files", {"folder_id": folder_id, "file": SimpleUploadedFile(name, data)}
    )


def test_libraries_list_mine_and_the_spaces() -> None:
    person = make_user()
    space = make_space(owner=person)
    client = api(person)
    opened = client.get(f"/api/v1/spaces/{space.pk}/library").json()
    assert opened["kind"] == "space" and opened["space"]["slug"] == space.slug
    items = client.get("/api/v1/libraries").json()["items"]
    assert [i["kind"] for i in items] == ["personal", "space"]
    assert items[0]["can_write"] is True
    assert client.get(f"/api/v1/libraries/{items[1]['id']}").json()["id"] == items[1]["id"]
    stranger = api(make_user())
    assert stranger.get(f"/api/v1/libraries/{items[0]['id']}").status_code == 404
    space.module_settings = {**space.module_settings, "documents": False}
    space.save(update_fields=["module_settings"])
    assert client.get(f"/api/v1/spaces/{space.pk}/library").status_code == 404


def test_token_upload_detail_versions_and_download() -> None:
    person = make_user()
    root = root_for(owner=person)
    _token, secret = create_api_token(user=person, name="sync")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    created = _upload(client, root.pk, "data.bin", DATA)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["new_document"] is True
    detail = body["file"]
    assert detail["sha256"] == hashlib.sha256(DATA).hexdigest() and detail["size"] == len(DATA)
    again = _upload(client, root.pk, "DATA.bin", b"\x00second")
    assert again.status_code == 201 and again.json()["new_document"] is False
    assert again.json()["file"]["version"] == 2
    file_id = detail["id"]
    versions = client.get(f"/api/v1/files/{file_id}/versions").json()["items"]
    assert [v["number"] for v in versions] == [2, 1]
    old = client.get(versions[1]["download_url"])
    assert b"".join(old.streaming_content) == DATA
    restored = client.post(f"/api/v1/files/{file_id}/versions/1/restore")
    assert restored.status_code == 201 and restored.json()["restored_from"] == 1
    download = client.get(f"/api/v1/files/{file_id}/download", HTTP_RANGE="bytes=100-199")
    assert download.status_code == 206
    assert b"".join(download.streaming_content) == DATA[100:200]
    assert download["Content-Range"] == f"bytes 100-199/{len(DATA)}"
    whole = client.get(f"/api/v1/files/{file_id}/download")
    assert b"".join(whole.streaming_content) == DATA
    assert whole["X-Content-Type-Options"] == "nosniff"
    assert (
        client.get(f"/api/v1/files/{file_id}/download", HTTP_RANGE="bytes=999999-").status_code
        == 416
    )
    new = client.post(
        f"/api/v1/files/{file_id}/versions", {"file": SimpleUploadedFile("x", b"third\n")}
    )
    assert new.status_code == 201 and new.json()["number"] == 4


def test_folders_listed_with_a_cursor() -> None:
    person = make_user()
    root = root_for(owner=person)
    for n in range(5):
        add_folder(person, root, f"Dossier {n}")
    for n in range(7):
        add_file(person, root, f"fichier-{n}.txt", f"{n}\n".encode())
    client = api(person)
    seen: list[tuple[str, str]] = []
    cursor = ""
    for _page in range(10):
        page = client.get(f"/api/v1/folders/{root.pk}?limit=3&cursor={cursor}").json()
        seen += [(i["type"], i["name"]) for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [("folder", f"Dossier {n}") for n in range(5)] + [
        ("file", f"fichier-{n}.txt") for n in range(7)
    ]
    assert client.get(f"/api/v1/folders/{root.pk}?cursor=abc").status_code == 400
    assert client.get(f"/api/v1/folders/{root.pk}?limit=0").status_code == 422


def test_create_rename_move_delete_restore_over_the_api() -> None:
    person = make_user()
    space = make_space(owner=person)
    root = root_for(space)
    client = api(person)
    made = call(client, "post", f"/api/v1/folders/{root.pk}/folders", {"name": "Projets"})
    assert made.status_code == 201
    folder_id = made.json()["id"]
    assert (
        call(client, "post", f"/api/v1/folders/{root.pk}/folders", {"name": "projets"}).status_code
        == 400
    )
    renamed = call(client, "patch", f"/api/v1/folders/{folder_id}", {"name": "Projets 2026"})
    assert renamed.json()["name"] == "Projets 2026"
    assert call(client, "patch", f"/api/v1/folders/{folder_id}", {}).status_code == 400
    document = add_file(person, root, "plan.txt")
    moved = call(client, "patch", f"/api/v1/files/{document.pk}", {"folder_id": folder_id})
    assert moved.json()["folder_id"] == folder_id
    # Into My documents, another library.
    mine = root_for(owner=person)
    call(client, "patch", f"/api/v1/folders/{folder_id}", {"parent_id": mine.pk})
    document.refresh_from_db()
    assert document.library_id == mine.library_id
    assert (
        call(client, "patch", f"/api/v1/folders/{folder_id}", {"parent_id": folder_id}).status_code
        == 400
    )
    copied = call(client, "post", f"/api/v1/files/{document.pk}/copy", {"folder_id": root.pk})
    assert copied.status_code == 201 and copied.json()["name"] == "plan.txt"
    assert client.delete(f"/api/v1/folders/{folder_id}").status_code == 204
    assert client.get(f"/api/v1/files/{document.pk}").status_code == 404
    trash = client.get(f"/api/v1/libraries/{mine.library_id}/trash").json()["items"]
    assert [(t["type"], t["name"]) for t in trash] == [("folder", "Projets 2026")]
    back = client.post(f"/api/v1/folders/{folder_id}/restore")
    assert back.status_code == 200 and back.json()["to_root"] is False
    assert client.post(f"/api/v1/folders/{folder_id}/restore").status_code == 404
    assert client.delete(f"/api/v1/files/{document.pk}").status_code == 204
    assert client.post(f"/api/v1/files/{document.pk}/restore").json()["type"] == "file"


def test_rights_over_the_api() -> None:
    owner, member, reader = make_user(), make_user(), make_user()
    space = make_space(owner=owner, kind="open")
    add_member(space, member)
    root = root_for(space)
    document = add_file(owner, root, "owner.txt")
    # A reader of an open space: reads, may not write.
    response = _upload(api(reader), root.pk, "x.txt", b"x\n")
    assert response.status_code == 403 and "detail" in response.json()
    assert api(reader).get(f"/api/v1/files/{document.pk}").status_code == 200
    # A member: uploads, may not delete someone else's file.
    assert _upload(api(member), root.pk, "m.txt", b"m\n").status_code == 201
    assert api(member).delete(f"/api/v1/files/{document.pk}").status_code == 403
    assert Document.objects.get(pk=document.pk).trashed_at is None


def test_bad_uploads_are_refused_with_a_reason() -> None:
    person = make_user()
    root = root_for(owner=person)
    client = api(person)
    program = _upload(client, root.pk, "x.exe", b"MZ" + b"\x00" * 200)
    assert_4xx(program)
    assert_4xx(_upload(client, root.pk, "empty.txt", b""))
    assert_4xx(_upload(client, 2**70, "a.txt", b"a"))
    assert_4xx(_upload(client, "x", "a.txt", b"a"))
    assert_4xx(client.post("/api/v1/files", {"folder_id": root.pk}))
    assert not Document.objects.exists()


HUGE = 2**70
BODIES: list[Any] = [
    "{",
    "[]",
    {"name": "\x00", "folder_id": HUGE, "parent_id": HUGE},
    {"name": "x" * 10_000, "folder_id": -1, "parent_id": 0},
    {"name": "", "folder_id": "x", "parent_id": []},
    {"name": "..", "parent_id": None},
    {"name": ["x"], "folder_id": {}},
]
QUERIES = ["", "?cursor=%00", "?cursor=eyJ4IjogMX0", "?limit=-1&cursor=" + "x" * 2000]


def test_no_input_makes_a_500() -> None:
    person = make_user()
    space = make_space(owner=person)
    root = root_for(space)
    folder = add_folder(person, root, "F")
    document = add_file(person, folder, "f.txt")
    trashed = add_file(person, folder, "t.txt", b"t\n")
    actions.trash(actor=person, item=trashed)
    valid = {
        "library_id": str(root.library_id),
        "space_id": str(space.pk),
        "folder_id": str(folder.pk),
        "file_id": str(document.pk),
        "number": "1",
        "comment_id": str(actions.add_comment(actor=person, document=document, body="Hi").pk),
        "upload_id": str(
            upload_sessions.start_upload(actor=person, size=10, folder=folder, name="u.txt").pk
        ),
    }
    schema = Client().get("/api/v1/openapi.json").json()
    operations = [
        (method, path)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if "documents" in op.get("tags", [])
    ]
    assert len(operations) >= 20
    client = Client(raise_request_exception=False)
    client.force_login(person)
    failures = []
    for method, path in operations:
        params = re.findall(r"{(\w+)}", path)
        variants = [dict.fromkeys(params)] + [
            {**dict.fromkeys(params), name: odd}
            for name in params
            for odd in (str(HUGE), "%00", "%C2%B2", "x" * 300, "-1", "0")
        ]
        for variant in variants:
            if method == "delete" and all(v is None for v in variant.values()):
                continue
            url = path
            for name, odd in variant.items():
                url = url.replace("{" + name + "}", valid[name] if odd is None else odd)
            if method in ("post", "patch"):
                responses = [
                    getattr(client, method)(
                        url,
                        b if isinstance(b, str) else json.dumps(b),
                        content_type="application/json",
                    )
                    for b in BODIES
                ]
                responses.append(client.post(url, {"folder_id": "\x00", "file": "notafile"}))
            else:
                responses = [getattr(client, method)(url + q) for q in QUERIES]
            for response in responses:
                if response.status_code >= 500 or (
                    response.status_code >= 400
                    and response["Content-Type"].startswith("application/json")
                    and "detail" not in response.json()
                ):
                    failures.append((method, url[:80], response.status_code))
    assert failures == []
    assert Folder.objects.filter(pk=folder.pk, trashed_at__isnull=True).exists()


def test_a_librarys_root_cannot_be_copied_and_nothing_changes() -> None:
    """Found by the fuzzer: copying a library's root folder into another library was a 500 (a
    folder without a name). It is a 400 now, and nothing is written."""
    admin = make_user(role=Role.ADMIN)
    first, second = root_for(make_space(owner=admin)), root_for(make_space(owner=admin))
    folders = Folder.objects.count()
    response = client_for(admin).post(
        f"/api/v1/folders/{first.pk}/copy",
        {"folder_id": second.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "folder" in response.json()["detail"]
    assert Folder.objects.count() == folders
