"""A real Radicale (from PyPI) on loopback, once per test session: the CalDAV server Cercle is
compared with (caldav-server-tester's features, the benchmark's REPORTs). Its own process, its
own folder, htpasswd authentication (plain), stopped at the end of the session."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

RADICALE_USER = "camille"
RADICALE_PASSWORD = "radicale-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_radicale(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start Radicale on a free loopback port, its data in `folder`; return (process, base URL)."""
    if shutil.which("radicale") is None and not Path(sys.executable).with_name("radicale").exists():
        pytest.fail("radicale is not installed: `make install` brings it (dev extra)")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "users").write_text(f"{RADICALE_USER}:{RADICALE_PASSWORD}\n")
    port = _free_port()
    config = folder / "config"
    config.write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "max_content_length = 100000000\n"
        "[auth]\n"
        "type = htpasswd\n"
        f"htpasswd_filename = {folder / 'users'}\n"
        "htpasswd_encryption = plain\n"
        "delay = 0\n"
        "[storage]\n"
        f"filesystem_folder = {folder / 'collections'}\n"
        "[logging]\n"
        "level = warning\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "log").open("wb"),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Radicale stopped: {(folder / 'log').read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, f"http://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.1)
    process.terminate()
    pytest.fail("Radicale did not listen within 30 s")


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    process, url = start_radicale(tmp_path_factory.mktemp("radicale"))
    try:
        yield {"url": url, "username": RADICALE_USER, "password": RADICALE_PASSWORD}
    finally:
        process.terminate()
        process.wait(timeout=10)
