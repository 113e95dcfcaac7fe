#!/usr/bin/env python3
"""Uploads of one large file through a real server (uvicorn, curl), repeated and interleaved:
the server's CPU per GB split by user/system time, its minor page faults per GB,
the wall time and its share of `cp && sync` of the same file, for the WebDAV PUT and the API's
multipart POST. Finer than `documents_transfer_bench.py` (one transfer each): several runs and
medians, so that two commits can be compared on a machine other work shares.

    .venv/bin/python bench/upload_cpu_bench.py --size-mb 1024 --runs 3 --dir /tmp/upcpu

Only 127.0.0.1 is ever targeted; the files under `--dir` are deleted after.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from tests.helpers import server as server_helpers  # noqa: E402  (after the path is set)
from tests.helpers.server import ServerSite  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))

from common import migrate_and_seed  # noqa: E402

SEED = """
from tests.factories import make_user
from cercle.accounts.actions.auth import create_api_token
from cercle.documents import actions
anne = make_user(username="anne", first_name="Anne")
_token, secret = create_api_token(user=anne, name="bench")
root = actions.root_of(actions.personal_library(user=anne))
result = {"token": secret, "root": root.pk}
"""

TICK = os.sysconf("SC_CLK_TCK")


def _times(stat: str) -> tuple[float, float]:
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) / TICK, int(fields[12]) / TICK


def minor_faults(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[7])


def process_cpu(pid: int) -> tuple[float, float]:
    return _times(Path(f"/proc/{pid}/stat").read_text())


def curl(*arguments: str) -> int:
    done = subprocess.run(
        [
            "curl",
            "--silent",
            "--show-error",
            "--output",
            "/dev/null",
            "--write-out",
            "%{http_code}",
            *arguments,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", default=str(ROOT / "var"))
    parser.add_argument("--only", choices=("put", "post"), default=None)
    parser.add_argument(
        "--other-root",
        default="",
        help="another checkout (e.g. an export of main): its server is measured too, alternately",
    )
    parser.add_argument(
        "--template",
        default="",
        help="a migrated SQLite database kept between runs (made there if missing): no migration",
    )
    options = parser.parse_args()
    if options.template and Path(options.template).exists():
        server_helpers._TEMPLATES["path"] = Path(options.template)
    Path(options.dir).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cercle-upload-cpu-", dir=options.dir))
    try:
        roots = {"this": ""}
        if options.other_root:
            other = Path(options.other_root).resolve()
            roots["other"] = os.pathsep.join([str(other / "src"), str(other)])
        sites = {}
        for label, path in roots.items():
            site = ServerSite(work / label, extra_env={"PYTHONPATH": path} if path else {})
            (work / label).mkdir()
            seeded = migrate_and_seed(site, SEED, 1)
            sites[label] = (site, site.start(), seeded)
        if options.template and not Path(options.template).exists():
            shutil.copyfile(server_helpers._TEMPLATES["path"], options.template)
        source = work / "source.bin"
        with source.open("wb") as out:
            for _ in range(options.size_mb):
                out.write(os.urandom(1024 * 1024))
        gb = source.stat().st_size / 2**30
        results: dict[str, list[dict[str, float]]] = {"cp && sync": []}
        for which in sites:
            results[f"{which} PUT"] = []
            results[f"{which} POST"] = []
        for run in range(options.runs):
            os.sync()
            started = time.perf_counter()
            subprocess.run(["cp", str(source), str(work / "copy.bin")], check=True)
            subprocess.run(["sync"], check=True)
            results["cp && sync"].append({"wall": time.perf_counter() - started})
            (work / "copy.bin").unlink()
            os.sync()
            for which, (_site, server, seeded) in sites.items():
                pid = server.process.pid
                token = seeded["token"]
                for label in ("PUT", "POST"):
                    if options.only and options.only != label.lower():
                        continue
                    faults = minor_faults(pid)
                    user, system = process_cpu(pid)
                    started = time.perf_counter()
                    if label == "PUT":
                        status = curl(
                            "--user",
                            f"anne:{token}",
                            "--header",
                            "Expect:",
                            "--upload-file",
                            str(source),
                            f"{server.url}/dav/files/My%20documents/big-{run}.bin",
                        )
                    else:
                        status = curl(
                            "--header",
                            f"Authorization: Bearer {token}",
                            "--header",
                            "Expect:",
                            "--form",
                            f"folder_id={seeded['root']}",
                            "--form",
                            f"file=@{source};filename=api-{run}.bin;type=application/octet-stream",
                            f"{server.url}/api/v1/files",
                        )
                    subprocess.run(["sync"], check=True)
                    wall = time.perf_counter() - started
                    assert status == 201, (label, status)
                    user_after, system_after = process_cpu(pid)
                    row = {
                        "wall": wall,
                        "user": (user_after - user) / gb,
                        "system": (system_after - system) / gb,
                    }
                    # Minor page faults: the allocator's fresh pages (`cercle.core.allocator`).
                    row["faults"] = (minor_faults(pid) - faults) / gb
                    results[f"{which} {label}"].append(row)
                    os.sync()
        for site, _server, _seeded in sites.values():
            site.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cp = statistics.median(r["wall"] for r in results["cp && sync"])
    print(f"load {Path('/proc/loadavg').read_text().split()[:3]}, {options.size_mb} MB")
    print(f"cp && sync: median {cp:.2f} s ({[round(r['wall'], 2) for r in results['cp && sync']]})")
    for label in [key for key in results if key != "cp && sync"]:
        rows = results[label]
        if not rows:
            continue
        keys = sorted({k for r in rows for k in r})
        summary = {k: round(statistics.median(r.get(k, 0.0) for r in rows), 2) for k in keys}
        summary["of cp"] = round(cp / summary["wall"], 2)
        print(label, json.dumps(summary))
        print("   each:", [(round(r["wall"], 2), round(r["user"] + r["system"], 2)) for r in rows])


if __name__ == "__main__":
    main()
