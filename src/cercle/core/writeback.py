"""Large files written as they arrive are sent to the disk as they are written, not all at the end.

An upload is written into the page cache, and the kernel writes those pages to the disk later:
after 30 seconds, when dirty memory passes a tenth of it, or at a `sync`. For a 1 GB file that
is a gigabyte of dirty memory per upload in flight, written in one burst afterwards (half a
second of disk on a fast one, during which other writes wait), and a file not yet on the disk
for half a minute after the server said it was saved. `sync_file_range(SYNC_FILE_RANGE_WRITE)`
asks the kernel to start writing a range now without waiting for it: called every
`STEP` bytes behind the writer, the disk works while the rest arrives, the dirty memory of an
upload stays around `STEP`, and the pages stay in the page cache (clean) for the first
download. PostgreSQL does the same for its own large writes (`backend_flush_after`).

Linux only (glibc or musl export the call); elsewhere, or if the call fails, nothing happens and
the kernel writes the pages back as it would have.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable
from typing import IO

# <fcntl.h>: start writing the dirty pages of the range, do not wait for them.
SYNC_FILE_RANGE_WRITE = 2
# Bytes written between two calls: large enough that a call costs nothing beside the writes
# (one per 8 MB), small enough that an upload's dirty memory stays small.
STEP = 8 * 1024 * 1024


def _bound() -> Callable[[int, int, int, int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        call = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True).sync_file_range
    except (OSError, AttributeError, TypeError):
        return None
    call.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
    call.restype = ctypes.c_int
    return call


_sync_file_range = _bound()


def start(fd: int, offset: int, count: int) -> bool:
    """Starts writing `count` bytes of the file from `offset` to the disk; whether the kernel
    took the request (False where the call does not exist or refused it)."""
    if _sync_file_range is None or count <= 0:
        return False
    return _sync_file_range(fd, offset, count, SYNC_FILE_RANGE_WRITE) == 0


class Behind:
    """Follows a file written forwards from `start` (an offset): `written(position)` after each
    write (the position it reached) starts the writeback of what was written since the last
    `step` bytes, flushing Python's buffer of the file first."""

    def __init__(self, file: IO[bytes], *, start: int = 0, step: int = STEP) -> None:
        self.file = file
        self.step = step
        self.started = start  # where the writeback asked for so far ends

    def written(self, position: int) -> None:
        if position - self.started >= self.step:
            self.file.flush()
            start(self.file.fileno(), self.started, position - self.started)
            self.started = position
