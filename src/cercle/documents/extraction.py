"""A stored file's text and thumbnail, made by a process of its own (`documents/extractor.py`)
with limits on time, memory and output, so that a hostile file (a zip bomb disguised as DOCX, a
PDF of 10,000 pages, a billion-laughs XML) ends with a clear state and never stalls or kills
the worker that asked.

Plain text (TXT, Markdown, CSV: UTF-8, as the upload policy accepts them) is read here, the
first `max_chars()` characters only: there is nothing to parse. Everything else goes through the
child process. The limits are settings (`docs/documents.md`, "Search inside files").
"""

from __future__ import annotations

import codecs
import logging
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings

import cercle
from cercle.documents import extractor

logger = logging.getLogger(__name__)

# The states of a content's text (`Blob.text_state`).
PENDING = "pending"
DONE = "done"
TRUNCATED = "truncated"
EMPTY = "empty"
TOO_LARGE = "too_large"
TIMED_OUT = "timed_out"
MEMORY = "memory"
UNSUPPORTED = "unsupported"
UNREADABLE = "unreadable"

TEXT_KINDS = frozenset({"text"})
IMAGE_KINDS = frozenset({"jpeg", "png", "gif", "webp"})
THUMBNAIL_KINDS = IMAGE_KINDS | {"pdf"}
EXTRACTED_KINDS = frozenset(extractor.EXTRACTORS) | TEXT_KINDS

_EXITS = {
    extractor.OK: DONE,
    extractor.TRUNCATED: TRUNCATED,
    extractor.UNSUPPORTED: UNSUPPORTED,
    extractor.UNREADABLE: UNREADABLE,
    extractor.MEMORY: MEMORY,
    extractor.TOO_LARGE: TOO_LARGE,
}


def max_chars() -> int:
    """The text kept (and searched) of one file, in characters."""
    return int(getattr(settings, "DOCUMENTS_TEXT_MAX_CHARS", 200_000))


def max_bytes() -> int:
    """Files larger than this are not read at all ("file too large")."""
    return int(getattr(settings, "DOCUMENTS_EXTRACT_MAX_MB", 100)) * 1024 * 1024


def max_pages() -> int:
    return int(getattr(settings, "DOCUMENTS_EXTRACT_MAX_PAGES", 2000))


def seconds() -> int:
    return int(getattr(settings, "DOCUMENTS_EXTRACT_SECONDS", 30))


def memory_mb() -> int:
    return int(getattr(settings, "DOCUMENTS_EXTRACT_MEMORY_MB", 1024))


@dataclass
class Outcome:
    state: str
    data: bytes = b""

    @property
    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


def read_text(file: IO[bytes], *, limit: int | None = None) -> Outcome:
    """The first `limit` characters of a UTF-8 text file (a character cut at the end is
    dropped); TRUNCATED when there was more."""
    limit = max_chars() if limit is None else limit
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    parts: list[str] = []
    size = 0
    while size < limit:
        chunk = file.read(64 * 1024)
        if not chunk:
            text = "".join(parts) + decoder.decode(b"", final=True)
            return Outcome(DONE if text.strip() else EMPTY, text.encode())
        piece = decoder.decode(chunk)
        parts.append(piece)
        size += len(piece)
    text = "".join(parts)[:limit]
    return Outcome(TRUNCATED, text.encode())


def run(mode: str, kind: str, path: str) -> Outcome:
    """The child process's answer for the file at `path` (`mode`: "text" or "thumbnail")."""
    source_root = str(Path(cercle.__file__).resolve().parent.parent)
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": source_root,
        "LANG": "C.UTF-8",
    }
    try:
        finished = subprocess.run(  # noqa: S603 (our own module, with arguments we made)
            [
                sys.executable,
                "-B",
                "-m",
                "cercle.documents.extractor",
                mode,
                kind,
                path,
                str(max_chars()),
                str(max_pages()),
                str(memory_mb()),
                str(seconds()),
            ],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=seconds() + 5,
            env=environment,
            check=False,
        )
    except subprocess.TimeoutExpired:  # subprocess.run killed it
        return Outcome(TIMED_OUT)
    code = finished.returncode
    if code < 0:
        if -code in (signal.SIGXCPU, signal.SIGKILL):
            return Outcome(TIMED_OUT)
        # A library that aborts when memory runs out (malloc failing inside C code).
        if -code in (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS):
            return Outcome(MEMORY)
        return Outcome(UNREADABLE)
    state = _EXITS.get(code, UNREADABLE)
    if state == UNREADABLE:
        logger.info(
            "%s of a %s file: %s", mode, kind, finished.stderr[-500:].decode(errors="replace")
        )
    if state in (DONE, TRUNCATED):
        data = finished.stdout
        if mode == "text":
            # The child keeps to the cap; cut again here, whatever it wrote.
            text = data.decode("utf-8", errors="replace")[: max_chars()]
            if not text.strip():
                return Outcome(EMPTY)
            data = text.encode()
        return Outcome(state, data)
    return Outcome(state)


def extract_text(kind: str, path: str, size: int) -> Outcome:
    if kind not in EXTRACTED_KINDS:
        return Outcome(UNSUPPORTED)
    if size > max_bytes():
        return Outcome(TOO_LARGE)
    if kind in TEXT_KINDS:
        with open(path, "rb") as file:
            return read_text(file)
    return run("text", kind, path)


def make_thumbnail(kind: str, path: str, size: int) -> bytes | None:
    if kind not in THUMBNAIL_KINDS or size > max_bytes():
        return None
    outcome = run("thumbnail", kind, path)
    return outcome.data if outcome.state == DONE and outcome.data else None
