"""Uploads through a real server (uvicorn, `cercle.asgi:application`, SQLite), measured from the
outside: the bytes the server process writes (`/proc/<pid>/io`, `wchar`: every write(2) it
makes, to files, the database and sockets), the files its documents storage holds, and the
reservations in its database.

- a file sent by WebDAV `PUT` or by the API's multipart `POST` is written once (before, the
  ASGI spool, a temporary file and the storage: three times);
- a client that goes away mid-body leaves no file and no reservation behind;
- two uploads that together go past the library's quota cannot both succeed: the second is
  refused (`507`) before its body is sent, while the first is under way.
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers.server import ServerProcess, ServerSite

SEED = """
from tests.factories import make_user
from cercle.accounts.actions.auth import create_api_token
from cercle.documents import actions
anne = make_user(username="anne", email="anne@example.org", first_name="Anne")
_token, secret = create_api_token(user=anne, name="uploads")
root = actions.root_of(actions.personal_library(user=anne))
full = actions.create_folder(actor=anne, parent=root, name="plein")
bob = make_user(username="bob", email="bob@example.org", first_name="Bob")
_token, bob_secret = create_api_token(user=bob, name="uploads")
bob_library = actions.personal_library(user=bob)
bob_library.quota_mb = 10
bob_library.save(update_fields=["quota_mb"])
import io
small = actions.upload_file(
    actor=bob, folder=actions.root_of(bob_library), upload=io.BytesIO(b"petit"),
    name="petit.txt",
)
result = {"token": secret, "root": root.pk, "bob": bob_secret, "bob_file": small.document.pk}
"""

MB = 1024 * 1024


@dataclass
class Live:
    server: ServerProcess
    site: ServerSite
    token: str
    bob: str
    root: int
    bob_file: int

    @property
    def documents(self) -> Path:
        return self.site.directory / "documents"

    def written(self) -> int:
        """Bytes the server process has written so far (all its write(2) calls)."""
        for line in Path(f"/proc/{self.server.process.pid}/io").read_text().splitlines():
            if line.startswith("wchar:"):
                return int(line.split()[1])
        raise AssertionError("no wchar")

    def stored(self) -> set[Path]:
        return {p for p in self.documents.rglob("*") if p.is_file()}

    def reservations(self) -> int:
        with sqlite3.connect(self.site.directory / "cercle.sqlite3", timeout=30) as db:
            return int(db.execute("SELECT count(*) FROM documents_reservation").fetchone()[0])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    site = ServerSite(tmp_path_factory.mktemp("uploads-live"))
    site.migrate()
    seeded = site.python(SEED)
    server = site.start()
    try:
        yield Live(server, site, seeded["token"], seeded["bob"], seeded["root"], seeded["bob_file"])
    finally:
        site.stop()


def _settled(live: Live, expected: set[Path]) -> None:
    """Waits (at most 30 s, a loaded machine) for the storage to hold `expected` and the
    database no reservation."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if live.stored() == expected and live.reservations() == 0:
            return
        time.sleep(0.1)
    assert live.stored() == expected
    assert live.reservations() == 0


def test_a_put_and_an_api_upload_are_written_once(live: Live) -> None:
    size = 4 * MB
    for name, send in (
        (
            "dav.bin",
            lambda client, data: client.put(
                f"{live.server.url}/dav/files/My%20documents/dav.bin",
                content=data,
                auth=("anne", live.token),
            ),
        ),
        (
            "api.bin",
            lambda client, data: client.post(
                f"{live.server.url}/api/v1/files",
                data={"folder_id": str(live.root)},
                files={"file": ("api.bin", data)},
                headers={"Authorization": f"Bearer {live.token}"},
            ),
        ),
    ):
        data = os.urandom(size)
        before_files = live.stored()
        with httpx.Client(timeout=120) as client:
            before = live.written()
            response = send(client, data)
            after = live.written()
        assert response.status_code in (200, 201), (name, response.status_code, response.text)
        new = live.stored() - before_files
        # One new file, the content itself, at its place in the storage.
        assert [p.read_bytes() == data for p in new] == [True], name
        assert hashlib.sha256(new.pop().read_bytes()).digest() == hashlib.sha256(data).digest()
        # Its bytes written once (plus the database, the log, the answer): before this change
        # the spool, a temporary copy and the storage made it 3 × the size.
        assert size <= after - before < 1.4 * size, (name, (after - before) / size)


def _send_part_and_vanish(live: Live, request: bytes, body: bytes, total: int) -> None:
    """A client that announces `total` bytes, sends `body`, then goes away."""
    before = live.stored()
    with socket.create_connection(("127.0.0.1", live.server.port)) as sock:
        sock.sendall(request + body)
        # The server writes the part it got where the file is to be kept, room reserved.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            grown = [p for p in live.stored() - before if p.stat().st_size > 0]
            if grown and live.reservations() == 1:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the server did not start writing")
        assert len(body) < total
    _settled(live, before)


def test_a_client_gone_mid_body_leaves_nothing(live: Live) -> None:
    total = 8 * MB
    part = os.urandom(2 * MB)
    # Bob's library has a quota: room is reserved when the body starts.
    put = (
        b"PUT /dav/files/My%20documents/half.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Basic " + _basic("bob", live.bob) + b"\r\n"
        b"Content-Length: " + str(total).encode() + b"\r\n\r\n"
    )
    _send_part_and_vanish(live, put, part, total)
    boundary = b"----cercle-test-boundary"
    head = (
        b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; '
        b'filename="half.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
    )
    file_id = live.bob_file
    post = (
        b"POST /api/v1/files/" + str(file_id).encode() + b"/versions HTTP/1.1\r\n"
        b"Host: 127.0.0.1\r\nAuthorization: Bearer " + live.bob.encode() + b"\r\n"
        b"Content-Type: multipart/form-data; boundary=" + boundary + b"\r\n"
        b"Content-Length: " + str(total + len(head) + 64).encode() + b"\r\n\r\n"
    )
    _send_part_and_vanish(live, post, head + part, total)


def _basic(user: str, secret: str) -> bytes:
    return base64.b64encode(f"{user}:{secret}".encode())


def test_two_uploads_past_the_quota_cannot_both_succeed(live: Live) -> None:
    """Bob has 10 MB; two PUTs of 6 MB each, the second sent while the first is under way."""
    size = 6 * MB
    first_body = os.urandom(size)
    before = live.stored()

    def head(name: str) -> bytes:
        return (
            f"PUT /dav/files/My%20documents/{name} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
            + b"Authorization: Basic "
            + _basic("bob", live.bob)
            + f"\r\nContent-Length: {size}\r\n\r\n".encode()
        )

    with socket.create_connection(("127.0.0.1", live.server.port)) as first:
        first.sendall(head("un.bin") + first_body[:MB])
        deadline = time.monotonic() + 30
        while live.reservations() != 1:
            assert time.monotonic() < deadline, "no reservation for the first upload"
            time.sleep(0.05)
        # The second: refused on its headers alone, before a byte of its body is sent.
        with socket.create_connection(("127.0.0.1", live.server.port)) as second:
            second.sendall(head("deux.bin"))
            answer = _response(second)
        assert answer.startswith(b"HTTP/1.1 507"), answer[:200]
        first.sendall(first_body[MB:])
        answer = _response(first)
        assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
    _settled(live, live.stored())
    new = live.stored() - before
    assert [p.read_bytes() == first_body for p in new] == [True]
    # Sent at the same moment from two threads: one of them only.
    bodies = [os.urandom(size), os.urandom(size)]
    with httpx.Client(timeout=120, auth=("bob", live.bob)) as client:
        client.delete(f"{live.server.url}/dav/files/My%20documents/un.bin")

    def put(index: int) -> int:
        with httpx.Client(timeout=120, auth=("bob", live.bob)) as client:
            return client.put(
                f"{live.server.url}/dav/files/My%20documents/t{index}.bin",
                content=_slowly(bodies[index]),
                headers={"Content-Length": str(size)},
            ).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(put, [0, 1]))
    assert statuses == [201, 507], statuses
    _settled(live, live.stored())


def _slowly(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), MB):
        yield data[start : start + MB]
        time.sleep(0.05)


def _response(sock: socket.socket) -> bytes:
    sock.settimeout(60)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data
