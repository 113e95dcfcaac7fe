"""Uploading in a browser against a real server (uvicorn), on a phone and on a desktop: three
files at once, each with its progress bar — the large one sent in chunks through
/api/v1/files/uploads, with one chunk's connection cut on the way (retried from the offset the
server gives) — then a large upload interrupted by leaving the page, resumed where it stopped
when the same file is chosen again. Every byte is checked on the server."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import log_in

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 768}
MB = 1024 * 1024

SEED = """
from tests.factories import make_user, make_space, PASSWORD
from cercle.documents import actions
anne = make_user(username="anne", email="anne@example.org", first_name="Anne")
space = make_space(owner=anne, name="Projets")
root = actions.root_of(actions.space_library(space=space))
result = {"root": root.pk, "password": PASSWORD}
"""

CHECK = """
import hashlib
from cercle.documents.models import Blob, Document, UploadSession
from cercle.documents.storage import blob_storage
found = {}
for document in Document.objects.filter(folder_id=%(root)d).select_related("current__blob"):
    digest = hashlib.sha256()
    with document.current.blob.open() as content:
        for piece in iter(lambda: content.read(1 << 20), b""):
            digest.update(piece)
    found[document.name] = [document.current.size, digest.hexdigest(), document.current.blob.sha256]
dirs, files = blob_storage().listdir("uploads") if blob_storage().exists("uploads") else ([], [])
# The chunks are appended to one file where the content is kept (`UploadSession.staged_key`):
# none may be left that no content names.
keys = set(Blob.objects.values_list("key", flat=True))
shelves = blob_storage().listdir("blobs")[0] if blob_storage().exists("blobs") else []
orphans = [
    f"blobs/{d}/{f}" for d in shelves for f in blob_storage().listdir("blobs/" + d)[1]
    if f"blobs/{d}/{f}" not in keys
]
result = {"files": found, "sessions": UploadSession.objects.count(), "chunk_dirs": [
    d for d in dirs if blob_storage().listdir("uploads/" + d)[1]] + orphans}
"""


def _file(directory: Path, name: str, size: int) -> tuple[Path, str]:
    path = directory / name
    data = os.urandom(size)
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_upload_three_files_with_progress_and_resume_a_large_one(
    chat_server: tuple[Any, Any],
    chat_context: Callable[..., Any],
    tmp_path: Path,
    viewport: dict[str, int],
) -> None:
    site, _server = chat_server
    facts = site.python(SEED)
    context = chat_context(locale="fr-FR", width=viewport["width"], height=viewport["height"])
    context.set_default_timeout(90_000)
    page = context.new_page()
    log_in(page, "anne", facts["password"])
    folder_url = f"/documents/folders/{facts['root']}/"
    page.goto(folder_url)
    folder_url = page.url  # a library's root is shown at its space's address

    small_a, sha_a = _file(tmp_path, "note.txt", 2000)
    small_b, sha_b = _file(tmp_path, "données.bin", 300_000)
    big, sha_big = _file(tmp_path, "film.bin", 19 * MB + 123)

    # The second chunk's connection is cut once: the script asks where the upload is and goes on.
    offsets: list[int] = []
    cut: list[str] = []

    def chunk(route: Any) -> None:
        offset = int(route.request.url.rsplit("offset=", 1)[1])
        offsets.append(offset)
        if offset > 0 and not cut:
            cut.append(route.request.url)
            route.abort("connectionreset")
            return
        route.continue_()

    page.route("**/api/v1/files/uploads/*?offset=*", chunk)
    page.set_input_files("#documents-files", [str(small_a), str(small_b), str(big)])
    page.locator("form[data-documents-upload] button[type=submit]").click()
    rows = page.locator(".documents-progress li")
    expect(rows).to_have_count(3)
    expect(rows.locator("progress")).to_have_count(3)
    expect(rows.nth(2).locator("label")).to_have_text("film.bin")
    # All done: the page reloads and lists them.
    expect(page.locator(".documents-table a", has_text="film.bin")).to_be_visible(timeout=90_000)
    assert cut, "the chunk was never cut"
    assert offsets[:3] == [0, 8 * MB, 8 * MB], offsets
    checked = site.python(CHECK % {"root": facts["root"]})
    assert checked["files"]["note.txt"][1] == sha_a
    assert checked["files"]["données.bin"][1] == sha_b
    assert checked["files"]["film.bin"] == [19 * MB + 123, sha_big, sha_big]
    assert checked["sessions"] == 0 and checked["chunk_dirs"] == []

    # A large upload interrupted by leaving the page after its first chunk…
    page.unroute("**/api/v1/files/uploads/*?offset=*")
    other, sha_other = _file(tmp_path, "archive.bin", 17 * MB)
    sent: list[int] = []

    def first_only(route: Any) -> None:
        offset = int(route.request.url.rsplit("offset=", 1)[1])
        sent.append(offset)
        if offset > 0:
            route.abort("connectionreset")
            return
        route.continue_()

    page.route("**/api/v1/files/uploads/*?offset=*", first_only)
    with page.expect_response(lambda r: "offset=0" in r.url and r.status == 200):
        page.set_input_files("#documents-files", [str(other)])
        page.locator("form[data-documents-upload] button[type=submit]").click()
    page.goto(folder_url)
    page.unroute("**/api/v1/files/uploads/*?offset=*")
    # …resumes where it stopped when the same file is chosen again: no byte sent twice.
    resumed: list[int] = []
    page.on(
        "request",
        lambda r: (
            resumed.append(int(r.url.rsplit("offset=", 1)[1])) if "offset=" in r.url else None
        ),
    )
    page.set_input_files("#documents-files", [str(other)])
    page.locator("form[data-documents-upload] button[type=submit]").click()
    expect(page.locator(".documents-table a", has_text="archive.bin")).to_be_visible(timeout=90_000)
    assert resumed and resumed[0] == 8 * MB, resumed
    checked = site.python(CHECK % {"root": facts["root"]})
    assert checked["files"]["archive.bin"][1] == sha_other
    assert checked["sessions"] == 0 and checked["chunk_dirs"] == []
