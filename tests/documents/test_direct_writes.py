"""Uploads written by blocks with `O_DIRECT` (`actions._DirectWriter`, used by
`actions.StagedContent` at a local path): the same bytes and SHA-256 as written, whatever the
pieces' sizes, where the file system takes `O_DIRECT` and where it is refused, and no
thread or file left behind."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from cercle.documents import actions
from tests.helpers.documents import stored_files

KB = 1024
WRITER_THREADS = ("cercle-write", "cercle-sha256")


def takes_o_direct(directory: Path) -> bool:
    if not hasattr(os, "O_DIRECT"):
        return False
    probe = directory / "probe"
    probe.touch()
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_DIRECT))
    except OSError:
        return False
    finally:
        probe.unlink()
    return True


def writer_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name in WRITER_THREADS]


def pieces(total: int) -> list[bytes]:
    """Random pieces of awkward sizes (not multiples of 4 kB), `total` bytes in all."""
    sizes = [1, 4095, 4097, 10_001, 65_536, 300 * KB + 7]
    out: list[bytes] = []
    made = 0
    while made < total:
        size = min(sizes[len(out) % len(sizes)], total - made)
        out.append(os.urandom(size))
        made += size
    return out


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> int:
    """64 kB blocks: several blocks, the buffers' reuse and a partial last block in a test."""
    monkeypatch.setattr(actions._DirectWriter, "BLOCK", 64 * KB)
    return 64 * KB


@pytest.mark.parametrize("total", [0, 5, 64 * KB, 64 * KB * 7, 64 * KB * 7 + 4096, 1_000_003])
def test_the_file_and_its_digest_are_the_bytes_written(
    tmp_path: Path, small_blocks: int, total: int
) -> None:
    data = pieces(total)
    path = tmp_path / "blob"
    with path.open("x+b") as handle:
        writer = actions._DirectWriter(str(path), handle.fileno())
        for piece in data:
            writer.write(piece)
        digest = writer.finish()
        # Blocks were written directly where the file system takes it.
        assert writer.direct == takes_o_direct(tmp_path)
    content = b"".join(data)
    assert path.read_bytes() == content
    assert digest == hashlib.sha256(content).hexdigest()
    assert writer_threads() == []


def test_a_file_o_direct_cannot_open_is_written_the_ordinary_way(
    tmp_path: Path, small_blocks: int
) -> None:
    """Where `O_DIRECT` is refused at opening (a file system without it; here the name is gone,
    the file still open), every block goes through the file's ordinary descriptor."""
    data = pieces(64 * KB * 5 + 123)
    path = tmp_path / "blob"
    with path.open("x+b") as handle:
        path.unlink()
        writer = actions._DirectWriter(str(path), handle.fileno())
        for piece in data:
            writer.write(piece)
        digest = writer.finish()
        assert writer.direct is False
        handle.seek(0)
        assert handle.read() == b"".join(data)
    assert digest == hashlib.sha256(b"".join(data)).hexdigest()


def test_without_o_direct_by_choice_the_bytes_are_the_same(
    tmp_path: Path, small_blocks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions._DirectWriter, "DIRECT", False)
    data = pieces(64 * KB * 3 + 99)
    path = tmp_path / "blob"
    with path.open("x+b") as handle:
        writer = actions._DirectWriter(str(path), handle.fileno())
        for piece in data:
            writer.write(piece)
        assert writer.finish() == hashlib.sha256(b"".join(data)).hexdigest()
        assert writer.direct_fd is None
    assert path.read_bytes() == b"".join(data)


def test_a_write_error_is_raised_in_the_request_and_the_threads_end(
    tmp_path: Path, small_blocks: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A block the disk refuses (here: a descriptor opened read-only) fails the upload at its
    next write or at its end, not silently; the threads end and the buffers are given back."""
    monkeypatch.setattr(actions._DirectWriter, "DIRECT", False)
    path = tmp_path / "blob"
    path.touch()
    with path.open("rb") as read_only:
        writer = actions._DirectWriter(str(path), read_only.fileno())
        with pytest.raises(OSError):
            for _ in range(20):
                writer.write(os.urandom(64 * KB))
            writer.finish()
        writer.stop()
    assert writer_threads() == []


def test_a_stopped_writer_ends_its_threads_without_a_digest(
    tmp_path: Path, small_blocks: int
) -> None:
    path = tmp_path / "blob"
    with path.open("x+b") as handle:
        writer = actions._DirectWriter(str(path), handle.fileno())
        for _ in range(10):
            writer.write(os.urandom(64 * KB))
        writer.stop()
        with pytest.raises(OSError):
            writer.finish()
    assert writer_threads() == []


@pytest.mark.django_db
def test_a_staged_content_is_read_whole_before_its_end_and_no_write_follows(
    documents_storage: Path, small_blocks: int
) -> None:
    """The content checks read a staged upload before it is finished: every byte written is
    there (the last, partial block included); a write after that is refused, not lost; and
    discarding it deletes the file."""
    data = pieces(64 * KB * 4 + 5000)
    staged = actions.StagedContent("a.bin")
    for piece in data:
        staged.write(piece)
    staged.seek(0)
    assert staged.read() == b"".join(data)
    with pytest.raises(ValueError):
        staged.write(b"more")
    stored = staged.finish()
    assert stored.sha256 == hashlib.sha256(b"".join(data)).hexdigest()
    assert stored.size == len(b"".join(data))
    assert len(stored_files(documents_storage)) == 1
    staged.close()
    assert stored_files(documents_storage) == []
    assert writer_threads() == []
