"""Large WebDAV listings kept in memory between requests (`dav._RowListing`).

A `PROPFIND` of a folder of 10,000 files is two queries and 10,000 written `<D:response>`s
(about 45 ms of CPU); sync clients ask for the same listing again and again. The written
members of a large listing are kept here, in each process, under the listing generation that
was current when they were read, and given again while the generation is the same.

The generation (`generation`) is one token in the shared cache (Redis in production, so every
process sees it), replaced by any statement that writes the tables a listing reads
(`LISTED_TABLES`: folders, documents, versions), whichever code runs it (`on_write`, a
database execute wrapper): a `.save()`, an `.update()`, a bulk write or a cascade alike.
It is replaced when the statement runs (a later read of the same transaction sees it) and again
after the commit (a listing read by another request before the commit, under the first new
token, is not given after it). What a listing also shows but reads on each request — dead
properties, locks, what the person may do (which writer, whether members may be locked) — is not
kept: a listing with a member that has dead properties or a lock is never kept nor given
(`dav._RowListing`), and the rights are part of the key.

Not kept: listings under `/Shared with me` (rights per member), small ones (`MIN_MEMBERS`:
cheap anyway). A write made outside Django (by hand in `psql`) is not seen: clear the cache
(`cache.clear()` or restarting Redis) after one.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

# The tables whose rows a listing shows (with Django's quotes, as in its SQL).
LISTED_TABLES = ('"documents_folder"', '"documents_document"', '"documents_version"')
GENERATION_KEY = "documents:dav-listing-generation"
MIN_MEMBERS = 500  # smaller listings are written anew (a few ms)
MAX_BYTES = 64 * 1024 * 1024  # in each process, the least recently given dropped first


@dataclass(frozen=True)
class Kept:
    """A listing's members as they were sent, and the folders of its tree (`Depth: infinity`:
    their dead properties are read on each request)."""

    chunks: tuple[bytes, ...]
    folder_ids: tuple[int, ...]
    size: int


_lock = threading.Lock()
_kept: OrderedDict[tuple[Any, ...], Kept] = OrderedDict()
_kept_bytes = 0


def generation() -> str | None:
    """The current listing generation, or None when the shared cache cannot be read (nothing
    is kept nor given then)."""
    try:
        token = cache.get(GENERATION_KEY)
        if token is None:
            cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
            token = cache.get(GENERATION_KEY)
    except Exception:  # the shared cache is down: listings are written anew
        return None
    return token if isinstance(token, str) else None


def kept_value(name: str, compute: Callable[[], Any]) -> Any:
    """`compute()`, kept in the shared cache under the listing generation (`name` says what it
    is: a value made only from the listed tables, and tables whose rows never change)."""
    token = generation()
    if token is None:
        return compute()
    key = f"documents:kept:{token}:{name}"
    try:
        found = cache.get(key)
    except Exception:
        return compute()
    if found is None:
        found = compute()
        with contextlib.suppress(Exception):  # the shared cache is down: made anew next time
            cache.set(key, found, timeout=3600)
    return found


def bump() -> None:
    """A new generation: every kept listing is stale."""
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        # The shared cache is down: drop this process's listings; the others' token cannot have
        # been read either while it is down (`generation`: nothing given).
        clear()


def get(key: tuple[Any, ...]) -> Kept | None:
    with _lock:
        found = _kept.get(key)
        if found is not None:
            _kept.move_to_end(key)
        return found


def put(key: tuple[Any, ...], kept: Kept) -> None:
    global _kept_bytes
    if kept.size > MAX_BYTES // 2:
        return
    with _lock:
        previous = _kept.pop(key, None)
        if previous is not None:
            _kept_bytes -= previous.size
        _kept[key] = kept
        _kept_bytes += kept.size
        while _kept_bytes > MAX_BYTES and _kept:
            _key, dropped = _kept.popitem(last=False)
            _kept_bytes -= dropped.size
        # Entries of former generations are never given again: dropped as new ones come.
        stale = [k for k in _kept if k[0] != key[0]]
        for k in stale:
            _kept_bytes -= _kept.pop(k).size


def clear() -> None:
    global _kept_bytes
    with _lock:
        _kept.clear()
        _kept_bytes = 0


def _writes_listed(sql: str) -> bool:
    head = sql.lstrip()[:6].upper()
    if head not in ("INSERT", "UPDATE", "DELETE"):
        return False
    return any(table in sql for table in LISTED_TABLES)


def _bump_after_commit(connection: BaseDatabaseWrapper) -> None:
    """Once per transaction: a second new generation after the commit."""
    if any(getattr(entry[1], "_listing_bump", False) for entry in connection.run_on_commit):
        return

    def after() -> None:
        bump()

    after._listing_bump = True  # type: ignore[attr-defined]
    transaction.on_commit(after, using=connection.alias)


def on_write(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """A database execute wrapper: a statement writing a listed table makes a new generation."""
    if not _writes_listed(sql):
        return execute(sql, params, many, context)
    try:
        return execute(sql, params, many, context)
    finally:
        connection = context["connection"]
        bump()
        if connection.in_atomic_block:
            _bump_after_commit(connection)


def _install(connection: BaseDatabaseWrapper, **_kwargs: Any) -> None:
    if on_write not in connection.execute_wrappers:
        connection.execute_wrappers.append(on_write)


def register() -> None:
    """Watch every connection's writes (those open already, and those made later)."""
    connection_created.connect(_install, dispatch_uid="documents.listing_cache")
    for alias in connections:
        _install(connections[alias])
