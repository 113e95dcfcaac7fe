#!/usr/bin/env python3
"""The document base through a real server (uvicorn, `cercle.asgi:application`, SQLite): a 1 GB
file uploaded (WebDAV PUT) and downloaded (GET), against a plain `cp` of the same file on the
same disk, with the server's peak memory; and a folder of 10,000 files listed by the pages
(a page at a time), the API (cursor) and WebDAV (PROPFIND Depth 1).

- Throughput is MB/s of wall time, from a client on loopback (httpx, 1 MB blocks, one
  connection). `cp` copies the same file on the same disk (page cache warm, as the server's).
  The uploaded and downloaded bytes are checked (SHA-256) outside the timings.
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
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.helpers.server import ServerSite  # noqa: E402  (after the path is set)

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
for d, v in zip(documents, versions):
    d.current = v
Document.objects.bulk_update(documents, ["current"], batch_size=500)
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


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


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


def _transfer_row(
    label: str, seconds: float, size: int, cp_rate: float, cpu: float, growth_kb: int
) -> str:
    rate = size / BLOCK / seconds
    return (
        f"| {label} | {seconds:.2f} | {rate:.0f} | {rate / cp_rate:.0%} "
        f"| {cpu:.2f} | {growth_kb / 1024:.0f} | {loadavg()} |"
    )


def bench_transfer(
    server_url: str, pid: int, token: str, root: int, work: Path, size_mb: int
) -> list[str]:
    source = work / "source.bin"
    make_file(source, size_mb)
    expected = sha256(source)
    size = source.stat().st_size
    rows = []
    # cp of the same file on the same disk (twice: the second is the one reported).
    for _ in range(2):
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(["cp", str(source), str(work / "copy.bin")], check=True)
        cp_seconds = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cp_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (
            cpu_before.ru_utime + cpu_before.ru_stime
        )
        (work / "copy.bin").unlink()
    cp_rate = size / BLOCK / cp_seconds
    rows.append(
        f"| cp (same disk) | {cp_seconds:.2f} | {cp_rate:.0f} | 100% | {cp_cpu:.2f} | – "
        f"| {loadavg()} |"
    )
    before = memory_kb(pid)["VmRSS"]
    dav_url = f"{server_url}/dav/files/My%20documents/gros.bin"
    back = work / "back.bin"

    def download(client: httpx.Client, url: str, label: str) -> None:
        cpu = cpu_seconds(pid)
        started = time.perf_counter()
        with client.stream("GET", url) as response, back.open("wb") as out:
            assert response.status_code == 200, response.status_code
            for block in response.iter_raw(BLOCK):
                out.write(block)
        seconds = time.perf_counter() - started
        rows.append(
            _transfer_row(
                label,
                seconds,
                size,
                cp_rate,
                cpu_seconds(pid) - cpu,
                memory_kb(pid)["VmHWM"] - before,
            )
        )
        assert sha256(back) == expected, f"the downloaded file differs ({label})"
        back.unlink()

    with httpx.Client(auth=("anne", token), timeout=3600) as client:
        cpu = cpu_seconds(pid)
        started = time.perf_counter()
        response = client.put(
            dav_url, content=blocks(source), headers={"Content-Length": str(size)}
        )
        seconds = time.perf_counter() - started
        assert response.status_code == 201, (response.status_code, response.text[:500])
        rows.append(
            _transfer_row(
                "upload (WebDAV PUT)",
                seconds,
                size,
                cp_rate,
                cpu_seconds(pid) - cpu,
                memory_kb(pid)["VmHWM"] - before,
            )
        )
        download(client, dav_url, "download (WebDAV GET)")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(headers=headers, timeout=3600) as client, source.open("rb") as sent:
        cpu = cpu_seconds(pid)
        started = time.perf_counter()
        # httpx streams a file object of a multipart body in blocks.
        response = client.post(
            f"{server_url}/api/v1/files",
            data={"folder_id": str(root)},
            files={"file": ("gros-api.bin", sent, "application/octet-stream")},
        )
        seconds = time.perf_counter() - started
        assert response.status_code == 201, (response.status_code, response.text[:500])
        file_id = response.json()["file"]["id"]
        rows.append(
            _transfer_row(
                "upload (API multipart POST)",
                seconds,
                size,
                cp_rate,
                cpu_seconds(pid) - cpu,
                memory_kb(pid)["VmHWM"] - before,
            )
        )
        download(client, f"{server_url}/api/v1/files/{file_id}/download", "download (API GET)")
    source.unlink()
    return rows


def bench_listing(
    server_url: str,
    pid: int,
    seeded: dict[str, str],
    files: int,
    rounds: int,
    propfind_rounds: int,
    *,
    pages: bool = True,
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
    with httpx.Client(timeout=600, auth=("anne", seeded["token"])) as client:
        dav_times: list[float] = []
        dav_cpu: list[float] = []
        for _ in range(propfind_rounds):
            cpu = cpu_seconds(pid)
            started = time.perf_counter()
            response = client.request(
                "PROPFIND",
                f"{server_url}/dav/files/My%20documents/liste/",
                headers={"Depth": "1"},
            )
            dav_times.append((time.perf_counter() - started) * 1000)
            dav_cpu.append((cpu_seconds(pid) - cpu) * 1000)
            assert response.status_code == 207, response.status_code
            assert response.text.count("<D:response") == files + 1
        rows.append(_row(f"PROPFIND Depth 1 ({files:,} files, streamed)", dav_times, dav_cpu))
        tree_times: list[float] = []
        tree_cpu: list[float] = []
        for _ in range(propfind_rounds):
            cpu = cpu_seconds(pid)
            started = time.perf_counter()
            response = client.request(
                "PROPFIND",
                f"{server_url}/dav/files/My%20documents/",
                headers={"Depth": "infinity"},
            )
            tree_times.append((time.perf_counter() - started) * 1000)
            tree_cpu.append((cpu_seconds(pid) - cpu) * 1000)
            assert response.status_code == 207, response.status_code
            assert response.text.count("<D:response") >= files + 2
        rows.append(
            _row(f"PROPFIND Depth infinity (My documents, {files:,}+ files)", tree_times, tree_cpu)
        )
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
    return (
        f"| {label} | {len(values)} | {statistics.median(values):.1f} "
        f"| {percentile(values, 0.99):.1f} | {server_cpu} | {loadavg()} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--propfind-rounds", type=int, default=5)
    parser.add_argument("--dir", default=str(ROOT / "var"))
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
    Path(options.dir).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cercle-transfer-bench-", dir=options.dir))
    try:
        database = options.database_url
        if database:
            assert "@127.0.0.1" in database or "@localhost" in database, "loopback only"
            empty_database(database)
        site = ServerSite(work / "site", extra_env={"DATABASE_URL": database} if database else {})
        (work / "site").mkdir()
        site.migrate()
        started = time.perf_counter()
        seeded = site.python(SEED.format(files=options.files))
        print(f"seeded {options.files} files in {time.perf_counter() - started:.0f} s")
        server = site.start()
        try:
            # Warm up: the server's first requests.
            httpx.get(f"{server.url}/healthz")
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
                )
            )
        finally:
            site.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print("database:", "PostgreSQL" if options.database_url else "SQLite")
    if transfer:
        print(f"\n{options.size_mb} MB file\n")
        print(
            "| transfer | seconds | MB/s | of cp | CPU seconds (server; cp) "
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
