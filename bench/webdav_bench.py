#!/usr/bin/env python3
"""WebDAV latency through a real server: PROPFIND Depth 1 of a folder of N files, GET and PUT of
1 MB files, each timed from a client on loopback (httpx, one connection kept alive).

It makes a temporary var dir with a SQLite database (migrated), one person with a personal access
token, a folder of N files made through `cercle.documents.actions` (small files: the listing is
what is measured), starts uvicorn (`cercle.asgi:application`, as served in production), then:
- PROPFIND `Depth: 1` of the folder, `--rounds` times;
- PUT of a new 1 MB random file (a new document each time), `--rounds` times;
- GET of one 1 MB file, `--rounds` times.
Medians and p99 are printed as Markdown rows.

    .venv/bin/python bench/webdav_bench.py --files 1000 --rounds 50

Only 127.0.0.1 is ever targeted.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.helpers.server import ServerSite  # noqa: E402  (after the path is set)

sys.path.insert(0, str(ROOT / "bench"))

from common import migrate_and_seed, print_median_p99_table, time_calls  # noqa: E402

SEED = """
import io
from tests.factories import make_user
from cercle.accounts.actions.auth import create_api_token
from cercle.documents import actions
anne = make_user(username="anne", first_name="Anne")
_token, secret = create_api_token(user=anne, name="bench")
root = actions.root_of(actions.personal_library(user=anne))
folder = actions.create_folder(actor=anne, parent=root, name="liste")
for n in range({files}):
    data = io.BytesIO(b"file %d\\n" % n)
    actions.upload_file(actor=anne, folder=folder, upload=data, name=f"fichier {{n:05d}}.txt")
big = actions.upload_file(
    actor=anne, folder=root, upload=io.BytesIO(bytes(range(256)) * 4096), name="un-mo.bin"
)
result = {{"token": secret}}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=50)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cercle-webdav-bench-") as directory:
        site = ServerSite(Path(directory))
        seeded = migrate_and_seed(site, SEED.format(files=options.files), options.files)
        server = site.start()
        try:
            auth = ("anne", seeded["token"])
            base = f"{server.url}/dav/My%20documents"
            with httpx.Client(auth=auth, timeout=120) as client:

                def propfind() -> None:
                    response = client.request("PROPFIND", f"{base}/liste/", headers={"Depth": "1"})
                    assert response.status_code == 207, response.status_code
                    assert response.text.count("<D:response>") == options.files + 1

                counter = iter(range(10**9))

                def put() -> None:
                    body = os.urandom(1024 * 1024)
                    response = client.put(f"{base}/envoi-{next(counter)}.bin", content=body)
                    assert response.status_code == 201, response.status_code

                def get() -> None:
                    response = client.get(f"{base}/un-mo.bin")
                    assert response.status_code == 200 and len(response.content) == 1024 * 1024

                propfind()  # warm up (the server's first request)
                rows = [
                    (
                        f"PROPFIND Depth 1, {options.files} files",
                        time_calls(propfind, options.rounds),
                    ),
                    ("PUT 1 MB (new file)", time_calls(put, options.rounds)),
                    ("GET 1 MB", time_calls(get, options.rounds)),
                ]
        finally:
            site.stop()
    print(f"\n{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"{options.rounds} rounds each\n")
    print_median_p99_table(dict(rows), digits=1, rule="|---|---|---|")


if __name__ == "__main__":
    main()
