"""WebDAV against a real Cercle server (uvicorn, one per session) driven by programs nobody on
the project wrote: the `litmus` compliance suite (basic, copy/move, properties, locks, http),
`rclone` (copy a tree with accented names there and back, check every byte) and `cadaver`.

Their output is parsed and asserted. They are Debian packages (`make system-packages`): absent,
the tests skip, except with CERCLE_REQUIRE_SERVICES=1 (CI), where they fail.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.server import ServerProcess, ServerSite

SEED = """
from tests.factories import make_user, make_space
from cercle.accounts.actions.auth import create_api_token
anne = make_user(username="anne", email="anne@example.org", first_name="Anne")
space = make_space(owner=anne, kind="private", name="Projets")
_token, secret = create_api_token(user=anne, name="WebDAV")
result = {"token": secret, "space": space.slug}
"""

# The suites litmus runs and how many tests each has (litmus 0.13, Debian's package).
SUITES = {"basic": 16, "copymove": 13, "props": 30, "locks": 41, "http": 4}


def _need(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        if os.environ.get("CERCLE_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{program} is required (make system-packages installs it)")
        pytest.skip(f"{program} is not installed (make system-packages)")
    return path


@dataclass
class DavServer:
    server: ServerProcess
    token: str
    space: str
    directory: Path
    site: ServerSite

    @property
    def url(self) -> str:
        return f"{self.server.url}/dav/files/"


@pytest.fixture(scope="session")
def dav_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DavServer]:
    directory = tmp_path_factory.mktemp("dav-live")
    site = ServerSite(directory)
    site.migrate()
    seeded = site.python(SEED)
    server = site.start()
    try:
        yield DavServer(server, seeded["token"], seeded["space"], directory, site)
    finally:
        site.stop()


def _run(args: list[str], *, cwd: Path, env: dict[str, str] | None = None, **kw: Any) -> str:
    done = subprocess.run(
        args,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        **kw,
    )
    return done.stdout + done.stderr


# --- litmus ------------------------------------------------------------------------------------

SUMMARY = re.compile(
    r"<- summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed\. [\d.]+%"
)
RESULT = re.compile(r"^\s*(\d+)\.\s+(\w+)\.*\s+(pass|FAIL|SKIPPED|WARNING)", re.MULTILINE)


def parse_litmus(output: str) -> tuple[dict[str, tuple[int, int, int]], list[str]]:
    """({suite: (run, passed, failed)}, the lines of tests that failed or were skipped)."""
    summaries = {m[1]: (int(m[2]), int(m[3]), int(m[4])) for m in SUMMARY.finditer(output)}
    # litmus writes each test's name twice on one line (progress, then result): the last
    # status on a line is the test's.
    bad = [
        line.strip()
        for line in output.replace("\r", "\n").splitlines()
        if re.search(r"\b(FAIL|SKIPPED)\b", line)
    ]
    return summaries, bad


def test_parse_litmus_reads_its_summaries_and_failures() -> None:
    sample = (
        "-> running `basic':\n 0. init.................. pass\n"
        " 3. put_get............... FAIL (GET of `/x' failed: 404 Not Found)\n"
        "<- summary for `basic': of 16 tests run: 15 passed, 1 failed. 93.8%\n"
    )
    summaries, bad = parse_litmus(sample)
    assert summaries == {"basic": (16, 15, 1)}
    assert bad == ["3. put_get............... FAIL (GET of `/x' failed: 404 Not Found)"]


def test_litmus_passes_in_full(dav_server: DavServer, tmp_path: Path) -> None:
    litmus = _need("litmus")
    output = _run(
        [litmus, "-k", f"{dav_server.url}{dav_server.space}/", "anne", dav_server.token],
        cwd=tmp_path,
    )
    summaries, bad = parse_litmus(output)
    assert bad == [], output[-6000:]
    assert summaries == {name: (count, count, 0) for name, count in SUITES.items()}, output[-6000:]


# --- rclone ------------------------------------------------------------------------------------


def _rclone_env(dav_server: DavServer, rclone: str, cwd: Path) -> dict[str, str]:
    obscured = _run([rclone, "obscure", dav_server.token], cwd=cwd).strip().splitlines()[-1]
    return {
        "RCLONE_CONFIG": str(cwd / "rclone.conf"),
        "RCLONE_CONFIG_CERCLE_TYPE": "webdav",
        "RCLONE_CONFIG_CERCLE_URL": dav_server.url,
        "RCLONE_CONFIG_CERCLE_VENDOR": "other",
        "RCLONE_CONFIG_CERCLE_USER": "anne",
        "RCLONE_CONFIG_CERCLE_PASS": obscured,
    }


def test_rclone_copies_a_tree_there_and_back_byte_for_byte(
    dav_server: DavServer, tmp_path: Path
) -> None:
    rclone = _need("rclone")
    (tmp_path / "rclone.conf").write_text("")
    env = _rclone_env(dav_server, rclone, tmp_path)
    tree = tmp_path / "local"
    files = {
        "Réunion été/compte-rendu.txt": "Compte rendu de la réunion\n".encode(),
        "Réunion été/données/tableau.bin": os.urandom(700_000),
        "ça va.txt": "Ça va ? Très bien.\n".encode(),
        "Œuvres & €uros (2).md": b"# Titre\n",
    }
    for name, data in files.items():
        path = tree / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    remote = f"cercle:{dav_server.space}/sync"
    output = _run([rclone, "copy", str(tree), remote], cwd=tmp_path, env=env)
    assert "ERROR" not in output, output
    checked = _run([rclone, "check", "--download", str(tree), remote], cwd=tmp_path, env=env)
    assert "0 differences found" in checked, checked
    assert f"{len(files)} matching files" in checked, checked
    back = tmp_path / "back"
    output = _run([rclone, "copy", remote, str(back)], cwd=tmp_path, env=env)
    assert "ERROR" not in output, output
    for name, data in files.items():
        assert (back / name).read_bytes() == data, name
    listed = _run([rclone, "lsf", "-R", remote], cwd=tmp_path, env=env).splitlines()
    assert "Réunion été/données/tableau.bin" in listed


def _bisync(
    rclone: str, local: Path, remote: str, cwd: Path, env: dict[str, str], *extra: str
) -> str:
    output = _run(
        [
            rclone,
            "bisync",
            "-v",
            str(local),
            remote,
            "--workdir",
            str(cwd / "bisync-state"),
            *extra,
        ],
        cwd=cwd,
        env=env,
    )
    assert "Bisync successful" in output, output
    assert "ERROR" not in output, output
    return output


def test_rclone_bisync_keeps_a_tree_with_accented_names_in_step_both_ways(
    dav_server: DavServer, tmp_path: Path
) -> None:
    """`rclone bisync` needs modification times it can set: with `vendor=owncloud` rclone sends
    `X-OC-Mtime` with each upload and reads `getlastmodified` back."""
    rclone = _need("rclone")
    (tmp_path / "rclone.conf").write_text("")
    env = {**_rclone_env(dav_server, rclone, tmp_path), "RCLONE_CONFIG_CERCLE_VENDOR": "owncloud"}
    local = tmp_path / "local"
    files = {
        "Équipe/réunion été.txt": "Réunion d'été\n".encode(),
        "Équipe/Données/chiffres.csv": b"a;b\n1;2\n",
        "à supprimer.txt": b"bient\xc3\xb4t parti\n",
        "Noël.md": "# Noël\n".encode(),
    }
    for name, data in files.items():
        (local / name).parent.mkdir(parents=True, exist_ok=True)
        (local / name).write_bytes(data)
    remote = f"cercle:{dav_server.space}/bisync"
    _run([rclone, "mkdir", remote], cwd=tmp_path, env=env)
    first = _bisync(rclone, local, remote, tmp_path, env, "--resync")
    assert "Resync" in first, first
    listed = _run([rclone, "lsf", "-R", "--files-only", remote], cwd=tmp_path, env=env)
    assert set(listed.splitlines()) == set(files), listed
    # The modification times the server keeps are the local files' (to the second).
    times = _run([rclone, "lsl", remote], cwd=tmp_path, env=env)
    stamp = (local / "Noël.md").stat().st_mtime
    remote_line = next(line for line in times.splitlines() if line.endswith("Noël.md"))
    day, clock = remote_line.split()[1:3]
    remote_stamp = datetime.strptime(f"{day} {clock[:8]}", "%Y-%m-%d %H:%M:%S").timestamp()
    assert abs(remote_stamp - int(stamp)) <= 1, (remote_line, stamp)

    # Changes on both sides: one edited and one added locally, one added and one deleted on
    # the server (by another client), then bisync.
    later = time.time() + 5
    (local / "Équipe/réunion été.txt").write_bytes("Réunion d'été, version 2\n".encode())
    os.utime(local / "Équipe/réunion été.txt", (later, later))
    (local / "Équipe/Données/nouveau été.txt").write_bytes("Ajouté ici\n".encode())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "là-bas.txt").write_bytes("Ajouté sur le serveur\n".encode())
    _run(
        [rclone, "copyto", str(elsewhere / "là-bas.txt"), f"{remote}/Équipe/là-bas.txt"],
        cwd=tmp_path,
        env=env,
    )
    _run([rclone, "deletefile", f"{remote}/à supprimer.txt"], cwd=tmp_path, env=env)
    second = _bisync(rclone, local, remote, tmp_path, env)
    assert (local / "Équipe/là-bas.txt").read_bytes() == "Ajouté sur le serveur\n".encode()
    assert not (local / "à supprimer.txt").exists()
    checked = _run([rclone, "check", "--download", str(local), remote], cwd=tmp_path, env=env)
    assert "0 differences found" in checked, checked
    assert "5 matching files" in checked, checked
    # Nothing changed since: bisync finds nothing to do.
    third = _bisync(rclone, local, remote, tmp_path, env)
    assert "No changes found" in third, (second, third)


# --- cadaver -----------------------------------------------------------------------------------


def test_cadaver_puts_locks_and_gets(dav_server: DavServer, tmp_path: Path) -> None:
    cadaver = _need("cadaver")
    (tmp_path / ".netrc").write_text(
        f"machine 127.0.0.1 login anne password {dav_server.token}\n", encoding="utf-8"
    )
    (tmp_path / ".netrc").chmod(0o600)
    (tmp_path / "note.txt").write_text("Bonjour de cadaver\n", encoding="utf-8")
    script = "\n".join(
        [
            "mkcol cadaver",
            "cd cadaver",
            "put note.txt",
            "lock note.txt",
            "discover note.txt",
            "unlock note.txt",
            "get note.txt copie.txt",
            "propset note.txt couleur bleu",
            "propget note.txt couleur",
            "ls",
            "quit",
        ]
    )
    output = _run(
        [cadaver, f"{dav_server.url}{dav_server.space}/"],
        cwd=tmp_path,
        env={"HOME": str(tmp_path)},
        input=script + "\n",
    )
    assert "Uploading note.txt" in output and "succeeded" in output, output
    assert "Locking `note.txt': succeeded" in output, output
    assert "Unlocking `note.txt': succeeded" in output, output
    assert "Downloading" in output, output
    assert "bleu" in output, output
    assert "failed" not in output.lower(), output
    copied = tmp_path / "copie.txt"
    assert copied.read_text(encoding="utf-8") == "Bonjour de cadaver\n"


# --- Quotas: a PUT without a Content-Length (chunked) -------------------------------------------

QUOTA_SEED = """
from cercle.accounts.models import User
from cercle.documents import actions
from tests.factories import make_admin, make_space
anne = User.objects.get(username="anne")
space = make_space(owner=anne, kind="private", name="Quota")
library = actions.space_library(space=space)
actions.set_library_quota(actor=make_admin(), library=library, quota_mb=1)
result = {"space": space.slug, "library": library.pk}
"""

COUNT = """
from cercle.documents.models import Blob, Document
documents = Document.objects.filter(library_id=%d).count()
result = {"documents": documents, "blobs": Blob.objects.count()}
"""


def _chunked_put(dav_server: DavServer, path: str, size: int) -> int:
    """A PUT whose body is sent in chunks, with no Content-Length: the server learns its size
    only by reading it."""

    def body() -> Iterator[bytes]:
        left = size
        while left > 0:
            yield os.urandom(min(64 * 1024, left))
            left -= 64 * 1024

    connection = http.client.HTTPConnection("127.0.0.1", dav_server.server.port, timeout=120)
    try:
        credentials = base64.b64encode(f"anne:{dav_server.token}".encode()).decode()
        connection.request(
            "PUT",
            path,
            body=body(),
            headers={"Authorization": f"Basic {credentials}"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_a_chunked_put_beyond_the_quota_is_507_and_leaves_nothing(dav_server: DavServer) -> None:
    made = dav_server.site.python(QUOTA_SEED)
    blobs = dav_server.site.python(COUNT % made["library"])["blobs"]
    stored = sorted(p for p in (dav_server.directory / "documents").rglob("*") if p.is_file())
    assert _chunked_put(dav_server, f"/dav/files/{made['space']}/big.bin", 2 * 1024 * 1024) == 507
    assert dav_server.site.python(COUNT % made["library"]) == {"documents": 0, "blobs": blobs}
    after = sorted(p for p in (dav_server.directory / "documents").rglob("*") if p.is_file())
    assert after == stored
    # Under the quota, the same way in: stored.
    assert _chunked_put(dav_server, f"/dav/files/{made['space']}/small.bin", 100 * 1024) == 201
    assert dav_server.site.python(COUNT % made["library"])["documents"] == 1
