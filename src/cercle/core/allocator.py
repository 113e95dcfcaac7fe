"""The C allocator's thresholds for the server process: large buffers reused, not mapped afresh.

A request body arrives in messages of 64 kB to about 1.3 MB (uvicorn joins what each socket read
brings into a `bytearray`, then copies it into the message's `bytes`), and each is copied again on
its way to the file. glibc's `malloc` serves every block past its mmap threshold (128 kB at first,
then raised to the size of the last large block freed) with a fresh `mmap`, and gives the top of
its heap back to the kernel past the trim threshold (twice that): each new 1 MB buffer is then
new pages, and each page a fault the kernel fills with zeros before the copy writes it. For an
upload of 1 GB that was most of the event loop's CPU: a bare uvicorn receiving 512 MB used
1.2–1.4 s of CPU with the default thresholds and 0.33–0.37 s with these (docs/benchmarks.md,
"Issue 10: uploads without page faults").

With a fixed mmap threshold of `MMAP_THRESHOLD`, blocks below it come from the heap and, once
freed, serve the next ones; the heap's free top is given back only past `TRIM_THRESHOLD`. The
memory kept is what the largest blocks in flight needed (the uploads' read-ahead is bounded),
not more. Other C libraries (musl) keep their own behaviour: this is skipped where glibc's
`mallopt` is not found.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

logger = logging.getLogger(__name__)

# glibc's <malloc.h>.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

# Above a request body's largest message (~1.3 MB) and a file's 1 MB blocks, with room.
MMAP_THRESHOLD = 4 * 1024 * 1024
TRIM_THRESHOLD = 32 * 1024 * 1024


def keep_large_buffers() -> bool:
    """Sets the thresholds above in this process; whether the C library took them."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # mallopt answers 1 when it took the value, 0 otherwise.
    taken = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
    if not taken:
        logger.info("The C library did not take the allocator's thresholds.")
    return taken
