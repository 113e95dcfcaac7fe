#!/usr/bin/env python3
"""One WebDAV `PROPFIND` of a folder of 10,000 files, in process: the server's CPU per answer
(`time.process_time` of the whole request through Django's test client, its streamed answer
read to the end), without a server, a client or the machine's load in the figure.

The folder is `documents_transfer_bench.py`'s (the same seed: each file written at its own
moment), made once under `--dir` (SQLite) or in `--database-url` (PostgreSQL, emptied first)
and kept for later runs (`--reuse`). `--save` writes each answer, to compare two commits byte
for byte; `--profile` prints a cProfile of `--runs` answers.

    .venv/bin/python bench/propfind_inprocess.py --dir /tmp/propfind/inproc --runs 15
    .venv/bin/python bench/propfind_inprocess.py --dir /tmp/propfind/inproc-pg --runs 15 \
        --database-url postgres://postgres@127.0.0.1:5432/cercle_propfind_bench
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src"), str(ROOT / "bench")]

from documents_transfer_bench import SEED, empty_database  # noqa: E402

from tests.helpers.server import ServerSite  # noqa: E402

LISTINGS = (
    ("1", "/dav/files/My%20documents/liste/"),
    ("infinity", "/dav/files/My%20documents/"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", required=True, help="the site's folder (kept)")
    parser.add_argument("--database-url", default="", help="PostgreSQL (127.0.0.1); else SQLite")
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--reuse", action="store_true", help="the site seeded by an earlier run")
    parser.add_argument("--save", default="", help="a folder where each answer is written")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--profile-cold", action="store_true", help="profile listings written anew (no kept one)"
    )
    parser.add_argument("--page", action="store_true", help="the folder's page too")
    options = parser.parse_args()
    directory = Path(options.dir).resolve()
    url = options.database_url
    site = ServerSite(directory, extra_env={"DATABASE_URL": url} if url else {})
    seeded_file = directory / "seeded.json"
    if not (options.reuse and seeded_file.exists()):
        directory.mkdir(parents=True, exist_ok=True)
        if url:
            assert "@127.0.0.1" in url or "@localhost" in url, "loopback only"
            empty_database(url)
        site.migrate()
        seeded_file.write_text(json.dumps(site.python(SEED.format(files=options.files))))
    seeded = json.loads(seeded_file.read_text())
    os.environ.update(site.env())
    if not url:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.test import Client

    secret = base64.b64encode(f"anne:{seeded['token']}".encode()).decode()
    client = Client(HTTP_AUTHORIZATION=f"Basic {secret}", SERVER_NAME="127.0.0.1")

    def answer(depth: str, path: str, *, keep: bool = False) -> bytes:
        """The answer (`keep`), or its last part: read part by part, as the server sends it
        (joining 7 MB would cost more than some of what is measured)."""
        response = client.generic("PROPFIND", path, HTTP_DEPTH=depth)
        assert response.status_code == 207, response.status_code
        if keep:
            return b"".join(response.streaming_content)  # type: ignore[attr-defined]
        part = b""
        for part in response.streaming_content:  # type: ignore[attr-defined]  # noqa: B007
            pass
        return part

    try:
        from cercle.documents import listing_cache
    except ImportError:  # a commit before it
        listing_cache = None  # type: ignore[assignment]

    def measure(label: str, run: Callable[[], object], *, cold: bool = False) -> None:
        times = []
        for _ in range(options.runs):
            if cold and listing_cache is not None:
                listing_cache.bump()
            started = time.process_time()
            run()
            times.append((time.process_time() - started) * 1000)
        times.sort()
        print(
            f"{label}: CPU ms median {statistics.median(times):.1f}, min {times[0]:.1f}, "
            f"max {times[-1]:.1f} ({options.runs} runs, {'PostgreSQL' if url else 'SQLite'}, "
            f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())})"
        )

    for depth, path in LISTINGS:
        body = answer(depth, path, keep=True)  # warm
        if options.save:
            Path(options.save).mkdir(parents=True, exist_ok=True)
            (Path(options.save) / f"depth-{depth}.xml").write_bytes(body)
        print(f"Depth {depth}: {body.count(b'<D:response')} responses, {len(body):,} bytes")
        measure(f"  Depth {depth}, listed again", lambda d=depth, p=path: answer(d, p))
        measure(f"  Depth {depth}, written anew", lambda d=depth, p=path: answer(d, p), cold=True)
    if options.page:
        browser = Client(SERVER_NAME="127.0.0.1")
        browser.cookies[seeded["cookie"]] = seeded["session"]
        page = f"/documents/folders/{seeded['folder']}/"

        def draw(address: str) -> bytes:
            response = browser.get(address)
            assert response.status_code == 200, response.status_code
            return response.content

        first = draw(page)
        later = page + "?" + first.split(b'href="?', 1)[1].split(b'"', 1)[0].decode()
        later = later.replace("&amp;", "&")
        second = draw(later)
        if options.save:
            (Path(options.save) / "page.html").write_bytes(first)
            (Path(options.save) / "page-2.html").write_bytes(second)
        print(f"The folder's page: {first.count(b'<tr')} rows, {len(first):,} bytes")
        measure("  its first page", lambda: draw(page))
        measure("  its second page", lambda: draw(later))
    if options.profile or options.profile_cold:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(options.runs):
            if options.profile_cold and listing_cache is not None:
                listing_cache.bump()
            if options.page:
                draw(page)
            else:
                answer("1", LISTINGS[0][1])
        profile.disable()
        pstats.Stats(profile).sort_stats(os.environ.get("BENCH_SORT", "tottime")).print_stats(25)


if __name__ == "__main__":
    main()
