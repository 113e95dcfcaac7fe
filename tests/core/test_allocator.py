"""The server process (`cercle.asgi`) fixes glibc's allocator thresholds
(`core.allocator.keep_large_buffers`): a request body's 1 MB buffers come from the heap and are
reused, instead of being mapped afresh (a page fault per page) each time."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Whether a block of `size` is served by its own mmap: glibc marks such a chunk's size word
# (just before the pointer) with its IS_MMAPPED bit (2).
PROBE = """
import ctypes, ctypes.util, json, sys
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = (ctypes.c_size_t,)
libc.free.argtypes = (ctypes.c_void_p,)

def mapped(size):
    block = libc.malloc(size)
    flag = ctypes.c_size_t.from_address(block - ctypes.sizeof(ctypes.c_size_t)).value & 2
    libc.free(block)
    return bool(flag)

found = {"fresh_2mb": mapped(2 << 20)}
if sys.argv[1] == "asgi":
    import cercle.asgi
else:
    from cercle.core.allocator import keep_large_buffers
    found["taken"] = keep_large_buffers()
found["2mb"] = [mapped(2 << 20), mapped(2 << 20)]
found["8mb"] = [mapped(8 << 20), mapped(8 << 20)]
print(json.dumps(found))
"""

glibc_only = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="the thresholds are glibc's"
)


def _probe(tmp_path: Path, what: str) -> dict[str, object]:
    env = dict(os.environ, CERCLE_VAR_DIR=str(tmp_path), DEBUG="0", PYTHONPATH=str(ROOT / "src"))
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, what], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


@glibc_only
def test_large_buffers_come_from_the_heap_once_the_thresholds_are_set(tmp_path: Path) -> None:
    found = _probe(tmp_path, "allocator")
    assert found["fresh_2mb"] is True  # glibc's default: mapped past 128 kB
    assert found["taken"] is True
    assert found["2mb"] == [False, False]
    # Past the fixed threshold still mapped, each time (glibc's own threshold would have risen to
    # the first block freed and served the second from the heap).
    assert found["8mb"] == [True, True]


@glibc_only
def test_the_asgi_application_sets_them_at_start(tmp_path: Path) -> None:
    found = _probe(tmp_path, "asgi")
    assert found["2mb"] == [False, False]
    assert found["8mb"] == [True, True]
