#!/usr/bin/env python3
"""The document base through a real server (uvicorn, `cercle.asgi:application`, SQLite): a 1 GB
file uploaded (WebDAV PUT) and downloaded (GET), against a plain `cp` of the same file on the
same disk, with the server's peak memory; and a folder of 10,000 files listed by the pages
(a page at a time), the API (cursor) and WebDAV (PROPFIND Depth 1).

- Throughput is MB/s of wall time, from a client on loopback: `curl` by default (C, libcurl:
  `--upload-file` for the WebDAV PUT, `--form file=@…` for the API, `--output` for downloads,
  and its own `time_total` for the PROPFINDs), or httpx (`--client httpx`, Python, 1 MB
  blocks). The baseline is `cp` of the same file on the same disk then `sync`; every transfer is
  timed to the end of a `sync` too (the page cache warm for both). curl's CPU time is reported
  beside the server's. The uploaded and downloaded bytes are checked (SHA-256) outside the
  timings.
- Memory: the server's resident set before the transfers (`VmRSS`) and its peak after each
  (`VmHWM`, /proc): the growth must not depend on the file's size.
- Listing: each page of the folder's page (200 files) and of the API (`limit` 100) followed to
  the end, `--rounds` times; PROPFIND Depth 1 of the whole folder, `--propfind-rounds` times.

    .venv/bin/python bench/documents_transfer_bench.py --size-mb 1024 --files 10000

It writes the files (twice the size, plus the copy) under `--dir` and deletes them after. Only
127.0.0.1 is ever targeted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.helpers.server import ServerSite  # noqa: E402  (after the path is set)

sys.path.insert(0, str(ROOT / "bench"))

from common import median_and_p99, migrate_and_seed  # noqa: E402

BLOCK = 1024 * 1024

SEED = """
import io
from django.conf import settings
from django.test import Client
from tests.factories import make_user
from cercle.accounts.actions.auth import create_api_token
from cercle.documents import actions
from cercle.documents.models import Document, Version
anne = make_user(username="anne", first_name="Anne")
_token, secret = create_api_token(user=anne, name="bench")
root = actions.root_of(actions.personal_library(user=anne))
folder = actions.create_folder(actor=anne, parent=root, name="liste")
# One content for all: the listing is what is measured, not 10,000 uploads.
first = actions.upload_file(
    actor=anne, folder=folder, upload=io.BytesIO(b"file 0\\n"), name="fichier 00000.txt"
)
documents = Document.objects.bulk_create(
    [
        Document(library=folder.library, folder=folder, name=f"fichier {{n:05d}}.txt",
                 created_by=anne)
        for n in range(1, {files})
    ],
    batch_size=500,
)
versions = Version.objects.bulk_create(
    [
        Version(document=d, number=1, blob=first.version.blob, size=first.version.size,
                content_type="text/plain", created_by=anne)
        for d in documents
    ],
    batch_size=500,
)
# Each file written at its own moment, as in a real folder (a listing writes each date).
from datetime import timedelta
from django.utils import timezone
now = timezone.now()
for n, (d, v) in enumerate(zip(documents, versions), start=1):
    d.current = v
    d.created_at = now - timedelta(minutes=n)
    d.updated_at = now - timedelta(minutes=3 * n)
    v.modified_at = now - timedelta(seconds=7 * n)
Document.objects.bulk_update(documents, ["current", "created_at", "updated_at"], batch_size=500)
Version.objects.bulk_update(versions, ["modified_at"], batch_size=500)
client = Client()
client.force_login(anne)
result = {{
    "token": secret,
    "root": root.pk,
    "folder": folder.pk,
    "cookie": settings.SESSION_COOKIE_NAME,
    "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
}}
"""


def memory_kb(pid: int) -> dict[str, int]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _colon, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat): on a loaded machine, the
    work done, where wall time mostly measures the wait for a core."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while block := source.read(BLOCK):
            yield block


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def make_file(path: Path, size_mb: int) -> None:
    with path.open("wb") as out:
        for _ in range(size_mb):
            out.write(os.urandom(BLOCK))


def _curl(*arguments: str) -> tuple[int, float]:
    """curl (C, libcurl: the client costs little beside the server) with `arguments` (the
    answer's body to /dev/null unless they give an `--output`): its HTTP status and its own
    `time_total` (seconds, without its start-up)."""
    output = [] if "--output" in arguments else ["--output", "/dev/null"]
    done = subprocess.run(
        [
            "curl",
            "--silent",
            "--show-error",
            *output,
            "--write-out",
            "\n%{http_code} %{time_total}",
            *arguments,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    status, _space, seconds = done.stdout.strip().rpartition("\n")[2].partition(" ")
    return int(status), float(seconds)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _fresh_content(path: Path) -> None:
    """New content for the next round (its first bytes), so that its upload is stored anew and
    not found already stored (identical content is kept once)."""
    with path.open("r+b") as file:
        file.write(os.urandom(16))


def bench_transfer(
    server_url: str,
    pid: int,
    token: str,
    root: int,
    work: Path,
    size_mb: int,
    *,
    client: str = "curl",
    rounds: int = 1,
) -> list[str]:
    """The file uploaded and downloaded by WebDAV and by the API, each timed to the end of a
    `sync` (as the baseline, `cp` then `sync`), by `client`: curl (default) or httpx; `rounds`
    times, each with content of its own, each transfer against its round's `cp && sync`. The
    downloads are written to the disk (as `cp` writes its copy) and, with curl, also to
    /dev/null: what the server sends, without the client's own writes."""
    source = work / "source.bin"
    make_file(source, size_mb)
    size = source.stat().st_size
    before = memory_kb(pid)["VmRSS"]
    dav_url = f"{server_url}/dav/files/My%20documents/gros.bin"
    back = work / "back.bin"
    # label -> one (seconds, share of cp, server CPU, client CPU or None, growth kB) per round
    measures: dict[str, list[tuple[float, float, float, float | None, int]]] = {}

    for _ in range(rounds):
        _fresh_content(source)
        expected = sha256(source)
        os.sync()
        # cp && sync of the same file on the same disk (twice: the second is the one kept).
        for _ in range(2):
            cpu_before = _children_cpu()
            started = time.perf_counter()
            subprocess.run(["cp", str(source), str(work / "copy.bin")], check=True)
            subprocess.run(["sync"], check=True)
            cp_seconds = time.perf_counter() - started
            cp_cpu = _children_cpu() - cpu_before
            (work / "copy.bin").unlink()
            os.sync()
        measures.setdefault("cp && sync (same disk)", []).append((cp_seconds, 1.0, 0.0, cp_cpu, 0))

        def measured(
            label: str,
            transfer: Callable[[], None],
            cp_seconds: float = cp_seconds,
            expected: str = expected,
        ) -> None:
            server_cpu = cpu_seconds(pid)
            client_cpu = _children_cpu()
            started = time.perf_counter()
            transfer()
            subprocess.run(["sync"], check=True)
            seconds = time.perf_counter() - started
            measures.setdefault(f"{label}, {client}", []).append(
                (
                    seconds,
                    cp_seconds / seconds,
                    cpu_seconds(pid) - server_cpu,
                    _children_cpu() - client_cpu if client == "curl" else None,
                    memory_kb(pid)["VmHWM"] - before,
                )
            )
            if back.exists():
                assert sha256(back) == expected, f"the downloaded file differs ({label})"
                back.unlink()
            os.sync()

        if client == "curl":
            _curl_transfers(server_url, token, root, work, source, dav_url, back, measured)
        else:
            _httpx_transfers(server_url, token, root, source, size, dav_url, back, measured)
    source.unlink()
    rows = []
    for label, rounds_measured in measures.items():
        seconds = statistics.median(m[0] for m in rounds_measured)
        shares = [m[1] for m in rounds_measured]
        cpu = statistics.median(m[2] for m in rounds_measured)
        clients = [m[3] for m in rounds_measured if m[3] is not None]
        growth = max(m[4] for m in rounds_measured)
        share_text = f"{statistics.median(shares):.0%}"
        if len(shares) > 1:
            share_text += f" ({min(shares):.0%}–{max(shares):.0%})"
        cpu_text = "–" if label.startswith("cp") else f"{cpu:.2f}"
        if clients:
            cpu_text += f"; {statistics.median(clients):.2f}"
        rows.append(
            f"| {label} | {seconds:.2f} | {size / BLOCK / seconds:.0f} | {share_text} "
            f"| {cpu_text} | {'–' if label.startswith('cp') else f'{growth / 1024:.0f}'} "
            f"| {loadavg()} |"
        )
    return rows


def _curl_transfers(
    server_url: str,
    token: str,
    root: int,
    work: Path,
    source: Path,
    dav_url: str,
    back: Path,
    measured: Callable[[str, Callable[[], None]], None],
) -> None:
    # No `Expect: 100-continue` (curl's wait for the server's go-ahead is not the server's).
    auth = ["--user", f"anne:{token}", "--header", "Expect:"]
    bearer = ["--header", f"Authorization: Bearer {token}", "--header", "Expect:"]
    uploaded: dict[str, int] = {}

    def dav_put() -> None:
        status, _seconds = _curl(*auth, "--upload-file", str(source), dav_url)
        assert status == 201 or status == 204, status

    def dav_get(output: Path | str) -> Callable[[], None]:
        def get() -> None:
            status, _seconds = _curl(*auth, "--output", str(output), dav_url)
            assert status == 200, status

        return get

    def api_post() -> None:
        answer = work / "answer.json"
        status, _seconds = _curl(
            *bearer,
            "--form",
            f"folder_id={root}",
            "--form",
            f"file=@{source};filename=gros-api.bin;type=application/octet-stream",
            "--output",
            str(answer),
            f"{server_url}/api/v1/files",
        )
        assert status == 201, (status, answer.read_text()[:500])
        uploaded["id"] = json.loads(answer.read_text())["file"]["id"]

    def api_get(output: Path | str) -> Callable[[], None]:
        def get() -> None:
            url = f"{server_url}/api/v1/files/{uploaded['id']}/download"
            status, _seconds = _curl(*bearer, "--output", str(output), url)
            assert status == 200, status

        return get

    measured("upload (WebDAV PUT)", dav_put)
    measured("download (WebDAV GET)", dav_get(back))
    measured("download (WebDAV GET) to /dev/null", dav_get("/dev/null"))
    measured("upload (API multipart POST)", api_post)
    measured("download (API GET)", api_get(back))
    measured("download (API GET) to /dev/null", api_get("/dev/null"))


def _httpx_transfers(
    server_url: str,
    token: str,
    root: int,
    source: Path,
    size: int,
    dav_url: str,
    back: Path,
    measured: Callable[[str, Callable[[], None]], None],
) -> None:
    def download(http: httpx.Client, url: str) -> None:
        with http.stream("GET", url) as response, back.open("wb") as out:
            assert response.status_code == 200, response.status_code
            for block in response.iter_raw(BLOCK):
                out.write(block)

    with httpx.Client(auth=("anne", token), timeout=3600) as http:

        def put() -> None:
            response = http.put(
                dav_url, content=blocks(source), headers={"Content-Length": str(size)}
            )
            assert response.status_code in (201, 204), (response.status_code, response.text[:500])

        measured("upload (WebDAV PUT)", put)
        measured("download (WebDAV GET)", lambda: download(http, dav_url))
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(headers=headers, timeout=3600) as http, source.open("rb") as sent:
        found: dict[str, int] = {}

        def post() -> None:
            # httpx streams a file object of a multipart body in blocks.
            response = http.post(
                f"{server_url}/api/v1/files",
                data={"folder_id": str(root)},
                files={"file": ("gros-api.bin", sent, "application/octet-stream")},
            )
            assert response.status_code == 201, (response.status_code, response.text[:500])
            found["id"] = response.json()["file"]["id"]

        measured("upload (API multipart POST)", post)
        measured(
            "download (API GET)",
            lambda: download(http, f"{server_url}/api/v1/files/{found['id']}/download"),
        )


def bench_listing(
    server_url: str,
    pid: int,
    seeded: dict[str, str],
    files: int,
    rounds: int,
    propfind_rounds: int,
    *,
    pages: bool = True,
    http_client: str = "curl",
    after_write_rounds: int = 20,
) -> list[str]:
    folder = seeded["folder"]
    rows = []
    with httpx.Client(timeout=600) as client:
        if not pages:
            rounds = 0
        client.cookies.set(seeded["cookie"], seeded["session"])
        page_times: list[float] = []
        for _ in range(rounds):
            url = f"{server_url}/documents/folders/{folder}/"
            seen = 0
            while url:
                started = time.perf_counter()
                response = client.get(url)
                page_times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
                seen += response.text.count('class="col-name"><a href="/documents/files/')
                found = re.search(r'href="\?([^"]+)" rel="next"', response.text)
                url = (
                    f"{server_url}/documents/folders/{folder}/?{found[1].replace('&amp;', '&')}"
                    if found
                    else ""
                )
            assert seen == files, seen
        if page_times:
            rows.append(_row(f"page of the folder (200 of {files:,} files)", page_times))
    headers = {"Authorization": f"Bearer {seeded['token']}"}
    with httpx.Client(timeout=600, headers=headers) as client:
        api_times: list[float] = []
        for _ in range(rounds):
            cursor = ""
            seen = 0
            while True:
                started = time.perf_counter()
                response = client.get(
                    f"{server_url}/api/v1/folders/{folder}", params={"cursor": cursor}
                )
                api_times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.status_code
                page = response.json()
                seen += len(page["items"])
                cursor = page["next_cursor"] or ""
                if not cursor:
                    break
            assert seen == files, seen
        if api_times:
            rows.append(_row(f"API page (100 of {files:,} files, cursor)", api_times))
    answer = Path(tempfile.mkdtemp(prefix="propfind-")) / "answer.xml"
    with httpx.Client(timeout=600, auth=("anne", seeded["token"])) as client:

        def propfind(url: str, depth: str) -> tuple[float, str]:
            """One PROPFIND: its time (ms) and its answer, by curl (its own `time_total`) or
            by httpx (the whole call)."""
            if http_client == "curl":
                status, seconds = _curl(
                    "--user",
                    f"anne:{seeded['token']}",
                    "--request",
                    "PROPFIND",
                    "--header",
                    f"Depth: {depth}",
                    "--output",
                    str(answer),
                    url,
                )
                assert status == 207, status
                return seconds * 1000, answer.read_text()
            started = time.perf_counter()
            response = client.request("PROPFIND", url, headers={"Depth": depth})
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 207, response.status_code
            return elapsed, response.text

        for depth, url, label, least in (
            (
                "1",
                f"{server_url}/dav/files/My%20documents/liste/",
                f"PROPFIND Depth 1 ({files:,} files, streamed)",
                files + 1,
            ),
            (
                "infinity",
                f"{server_url}/dav/files/My%20documents/",
                f"PROPFIND Depth infinity (My documents, {files:,}+ files)",
                files + 2,
            ),
        ):
            times: list[float] = []
            cpu_times: list[float] = []
            size = 0
            # Once untimed: the process's first listing of a kind pays for what it loads once.
            propfind(url, depth)
            for _ in range(propfind_rounds):
                cpu = cpu_seconds(pid)
                elapsed, text = propfind(url, depth)
                times.append(elapsed)
                cpu_times.append((cpu_seconds(pid) - cpu) * 1000)
                assert text.count("<D:response") >= least, text.count("<D:response")
                size = len(text.encode())
            rows.append(_row(f"{label}, {size / BLOCK:.1f} MB, {http_client}", times, cpu_times))
        # The first listing after a write is written anew (a listing is kept until the next
        # write to its library): a small file added to the folder, then the listing timed.
        url = f"{server_url}/dav/files/My%20documents/liste/"
        times, cpu_times = [], []
        for written in range(after_write_rounds):
            status, _seconds = _curl(
                "--user",
                f"anne:{seeded['token']}",
                "--header",
                "Expect:",
                "--data-binary",
                f"note {written}",
                "--request",
                "PUT",
                f"{url}ajout-{written}.txt",
            )
            assert status == 201, status
            cpu = cpu_seconds(pid)
            elapsed, text = propfind(url, "1")
            times.append(elapsed)
            cpu_times.append((cpu_seconds(pid) - cpu) * 1000)
            assert text.count("<D:response") >= files + 1 + written, text.count("<D:response")
        if times:
            rows.append(
                _row(f"PROPFIND Depth 1 after a file added, {http_client}", times, cpu_times)
            )
    shutil.rmtree(answer.parent, ignore_errors=True)
    return rows


def empty_database(url: str) -> None:
    """Drops everything in the PostgreSQL database `url` (its `public` schema), for a fresh
    migration: give it a database of its own."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


def _row(label: str, values: list[float], cpu: list[float] | None = None) -> str:
    """A table row; `cpu`: the server's CPU milliseconds per request (median), measured for
    the PROPFINDs (clock ticks of 10 ms: a median of several requests)."""
    server_cpu = f"{statistics.median(cpu):.0f}" if cpu else "–"
    return f"| {label} | {len(values)} | {median_and_p99(values, 1)} | {server_cpu} | {loadavg()} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--transfer-rounds",
        type=int,
        default=3,
        help="rounds of the transfers, each file's content its own (medians reported)",
    )
    parser.add_argument("--propfind-rounds", type=int, default=5)
    parser.add_argument(
        "--after-write-rounds",
        type=int,
        default=20,
        help="PROPFINDs each right after a file is added to the folder (curl only)",
    )
    parser.add_argument("--dir", default=str(ROOT / "var"))
    parser.add_argument(
        "--client",
        choices=("curl", "httpx"),
        default="curl",
        help="the client of the transfers and PROPFINDs: curl (C; Debian's package) or httpx",
    )
    parser.add_argument("--skip-transfer", action="store_true")
    parser.add_argument("--skip-listing", action="store_true")
    parser.add_argument(
        "--propfind-only", action="store_true", help="of the listings, only the PROPFINDs"
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL database on 127.0.0.1 for the server (emptied first); SQLite without",
    )
    options = parser.parse_args()
    if options.client == "curl" and shutil.which("curl") is None:
        parser.error("curl is not installed (Debian: apt-get install curl), or use --client httpx")
    Path(options.dir).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cercle-transfer-bench-", dir=options.dir))
    try:
        database = options.database_url
        if database:
            assert "@127.0.0.1" in database or "@localhost" in database, "loopback only"
            empty_database(database)
        site = ServerSite(work / "site", extra_env={"DATABASE_URL": database} if database else {})
        (work / "site").mkdir()
        seeded = migrate_and_seed(site, SEED.format(files=options.files), options.files)
        server = site.start()
        try:
            # Warm up: the server's first requests (WebDAV's application is made at its first).
            httpx.get(f"{server.url}/healthz")
            httpx.request(
                "PROPFIND",
                f"{server.url}/dav/files/My%20documents/",
                headers={"Depth": "0"},
                auth=("anne", seeded["token"]),
                timeout=300,
            )
            transfer = (
                []
                if options.skip_transfer
                else bench_transfer(
                    server.url,
                    server.process.pid,
                    seeded["token"],
                    seeded["root"],
                    work,
                    options.size_mb,
                    client=options.client,
                    rounds=options.transfer_rounds,
                )
            )
            listing = (
                []
                if options.skip_listing
                else bench_listing(
                    server.url,
                    server.process.pid,
                    seeded,
                    options.files,
                    options.rounds,
                    options.propfind_rounds,
                    pages=not options.propfind_only,
                    http_client=options.client,
                    after_write_rounds=options.after_write_rounds
                    if options.client == "curl"
                    else 0,
                )
            )
        finally:
            site.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print("database:", "PostgreSQL" if options.database_url else "SQLite")
    if transfer:
        print(
            f"\n{options.size_mb} MB file, {options.transfer_rounds} rounds: medians "
            "(and the range of the share of each round's cp && sync)\n"
        )
        print(
            "| transfer | seconds | MB/s | of cp | CPU seconds (server; cp or curl) "
            "| server memory growth (MB) | load |"
        )
        print("|---|---|---|---|---|---|---|")
        print("\n".join(transfer))
    if listing:
        print("\n| listing | requests | median (ms) | p99 (ms) | server CPU (ms) | load |")
        print("|---|---|---|---|---|---|")
        print("\n".join(listing))


if __name__ == "__main__":
    main()
