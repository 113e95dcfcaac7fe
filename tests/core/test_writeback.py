"""Uploads are sent to the disk as they are written (`core.writeback`): `sync_file_range` is
really called, and the dirty memory of a file written through it stays small."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from cercle.core import writeback

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's call")

MB = 1024 * 1024


def _dirty_kb() -> int:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("Dirty:"):
                return int(line.split()[1])
    raise AssertionError("no Dirty line in /proc/meminfo")


def _write(path: Path, size: int, *, behind: bool) -> int:
    """Writes `size` bytes of random data in 256 kB blocks; how much the machine's dirty memory
    grew meanwhile (kB)."""
    block = os.urandom(256 * 1024)
    before = _dirty_kb()
    with open(path, "xb") as file:
        follower = writeback.Behind(file, step=4 * MB) if behind else None
        written = 0
        while written < size:
            file.write(block)
            written += len(block)
            if follower is not None:
                follower.written(written)
        file.flush()
        grown = _dirty_kb() - before
    return grown


@linux_only
def test_the_call_is_made_and_refused_on_a_bad_descriptor(tmp_path: Path) -> None:
    path = tmp_path / "file.bin"
    path.write_bytes(b"x" * MB)
    with open(path, "rb+") as file:
        assert writeback.start(file.fileno(), 0, MB) is True
    descriptor = os.open(path, os.O_RDONLY)
    os.close(descriptor)
    assert writeback.start(descriptor, 0, MB) is False  # EBADF: the kernel answered
    assert writeback.start(0, 0, 0) is False  # nothing to write


def test_the_follower_asks_once_per_step_from_its_start(tmp_path: Path) -> None:
    with open(tmp_path / "file.bin", "wb") as file:
        follower = writeback.Behind(file, start=10 * MB, step=4 * MB)
        follower.written(13 * MB)
        assert follower.started == 10 * MB
        follower.written(14 * MB)
        assert follower.started == 14 * MB
        follower.written(17 * MB)
        assert follower.started == 14 * MB


@linux_only
def test_a_file_written_with_the_follower_leaves_little_dirty_memory(tmp_path: Path) -> None:
    size = 96 * MB
    plain = _write(tmp_path / "plain.bin", size, behind=False)
    if plain < 64 * 1024:
        pytest.skip(f"this filesystem keeps no dirty pages to show ({plain} kB for 96 MB)")
    followed = _write(tmp_path / "followed.bin", size, behind=True)
    # Written back as it went: at most a few steps in flight (other processes write too).
    assert followed < 40 * 1024, (plain, followed)
