"""Presence per person across tabs, devices and server processes, with sockets that expire.

A person is online when one of their sockets is active (the tab in use), away when all are idle,
offline with none. Each socket is recorded on its own, with an expiry time, rather than counted:
a count that missed a decrement (a server process killed, a socket whose cleanup never ran) left
the person "online" forever, whereas a socket that nobody refreshes now just expires.

- One process (no Redis): the sockets of this process, in memory, are the whole truth.
- With `REDIS_URL` (several worker processes): per person, a sorted set of open sockets and one of
  active sockets, scored by expiry time, and one sorted set of every socket for the sweep. Each
  process refreshes its own sockets every `heartbeat_seconds()` in one pipeline (`heartbeat`) and
  removes the sockets that expired anywhere (`sweep`), returning whose status changed so that the
  caller can tell their contacts. A socket lives `ttl_seconds()` (CERCLE_PRESENCE_TTL, default 90 s)
  without a refresh.

The functions are synchronous (pages call `statuses`); the socket calls them off the database
thread.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from django.conf import settings

from cercle.core.realtime import redis_url as redis_url

ONLINE = "online"
AWAY = "away"
OFFLINE = "offline"

DEFAULT_TTL = 90.0

# This process's sockets: person id → {socket id: active}.
_LOCAL: dict[int, dict[str, bool]] = {}
_LOCK = threading.Lock()
_CLIENT: Any = None
_CLIENT_URL = ""


def ttl_seconds() -> float:
    """How long a socket counts without a refresh: the CERCLE_PRESENCE_TTL setting or environment
    variable (seconds), else 90."""
    value = getattr(settings, "CERCLE_PRESENCE_TTL", None) or os.environ.get("CERCLE_PRESENCE_TTL")
    try:
        return max(1.0, float(value)) if value else DEFAULT_TTL
    except ValueError:
        return DEFAULT_TTL


def heartbeat_seconds() -> float:
    return ttl_seconds() / 3


def _redis() -> Any:
    global _CLIENT, _CLIENT_URL
    url = redis_url()
    if not url:
        return None
    if _CLIENT is None or url != _CLIENT_URL:
        import redis

        _CLIENT = redis.Redis.from_url(url, socket_timeout=5)
        _CLIENT_URL = url
    return _CLIENT


def _open_key(user_id: int) -> str:
    return f"chat:presence:sockets:{user_id}"


def _active_key(user_id: int) -> str:
    return f"chat:presence:active:{user_id}"


ALL_KEY = "chat:presence:all"


def _status(open_count: int, active_count: int | bool) -> str:
    if not open_count:
        return OFFLINE
    return ONLINE if active_count else AWAY


# --- reading ----------------------------------------------------------------------------------


def statuses(user_ids: list[int]) -> dict[int, str]:
    client = _redis()
    if client is None:
        with _LOCK:
            return {
                uid: _status(len(_LOCAL.get(uid, ())), any(_LOCAL.get(uid, {}).values()))
                for uid in user_ids
            }
    now = time.time()
    pipe = client.pipeline(transaction=False)
    for uid in user_ids:
        pipe.zcount(_open_key(uid), now, "+inf")
        pipe.zcount(_active_key(uid), now, "+inf")
    values = pipe.execute()
    return {uid: _status(values[2 * i], values[2 * i + 1]) for i, uid in enumerate(user_ids)}


def status_of(user_id: int) -> str:
    return statuses([user_id])[user_id]


# --- this process's sockets -------------------------------------------------------------------


def _write(user_id: int, socket_id: str, *, active: bool | None, remove: bool = False) -> None:
    """Record (or remove) one socket in Redis, with a fresh expiry."""
    client = _redis()
    if client is None:
        return
    ttl = ttl_seconds()
    expires = time.time() + ttl
    member = f"{user_id}|{socket_id}"
    pipe = client.pipeline(transaction=True)
    if remove:
        pipe.zrem(_open_key(user_id), socket_id)
        pipe.zrem(_active_key(user_id), socket_id)
        pipe.zrem(ALL_KEY, member)
    else:
        pipe.zadd(_open_key(user_id), {socket_id: expires})
        pipe.zadd(ALL_KEY, {member: expires})
        if active:
            pipe.zadd(_active_key(user_id), {socket_id: expires})
        elif active is False:
            pipe.zrem(_active_key(user_id), socket_id)
        pipe.expire(_open_key(user_id), int(ttl) + 1)
        pipe.expire(_active_key(user_id), int(ttl) + 1)
    pipe.execute()


def socket_opened(user_id: int, socket_id: str) -> str:
    """Record a new (active) socket; returns the person's status after it."""
    with _LOCK:
        _LOCAL.setdefault(user_id, {})[socket_id] = True
    _write(user_id, socket_id, active=True)
    return status_of(user_id)


def socket_closed(user_id: int, socket_id: str) -> str:
    with _LOCK:
        sockets = _LOCAL.get(user_id)
        if sockets is not None:
            sockets.pop(socket_id, None)
            if not sockets:
                del _LOCAL[user_id]
    _write(user_id, socket_id, active=None, remove=True)
    return status_of(user_id)


def socket_activity(user_id: int, socket_id: str, *, active: bool) -> str:
    """One socket went idle (`active=False`) or came back."""
    with _LOCK:
        sockets = _LOCAL.get(user_id)
        if sockets is not None and socket_id in sockets:
            sockets[socket_id] = active
    _write(user_id, socket_id, active=active)
    return status_of(user_id)


def heartbeat() -> None:
    """Refresh the expiry of every socket of this process (one pipeline; nothing without Redis)."""
    client = _redis()
    if client is None:
        return
    with _LOCK:
        local = [
            (sid, uid, active) for uid, sockets in _LOCAL.items() for sid, active in sockets.items()
        ]
    if not local:
        return
    ttl = ttl_seconds()
    expires = time.time() + ttl
    pipe = client.pipeline(transaction=False)
    for socket_id, uid, active in local:
        pipe.zadd(_open_key(uid), {socket_id: expires})
        pipe.zadd(ALL_KEY, {f"{uid}|{socket_id}": expires})
        if active:
            pipe.zadd(_active_key(uid), {socket_id: expires})
        pipe.expire(_open_key(uid), int(ttl) + 1)
        pipe.expire(_active_key(uid), int(ttl) + 1)
    pipe.execute()


def sweep() -> dict[int, str]:
    """Remove the sockets that expired (their process stopped refreshing them: killed, or its
    cleanup never ran). Returns the new status of each person who lost one, for the caller to
    announce; with several processes sweeping, each expired socket is claimed by one of them."""
    client = _redis()
    if client is None:
        return {}
    now = time.time()
    expired = client.zrangebyscore(ALL_KEY, "-inf", now, start=0, num=1000)
    people: set[int] = set()
    for raw in expired:
        member = raw.decode() if isinstance(raw, bytes) else str(raw)
        if not client.zrem(ALL_KEY, member):
            continue  # another process claimed it
        uid_text, _, socket_id = member.partition("|")
        uid = int(uid_text)
        pipe = client.pipeline(transaction=False)
        pipe.zrem(_open_key(uid), socket_id)
        pipe.zrem(_active_key(uid), socket_id)
        pipe.execute()
        people.add(uid)
    for uid in people:
        # Also forget expired entries that the sweep of the per-person sets did not name.
        client.zremrangebyscore(_open_key(uid), "-inf", now)
        client.zremrangebyscore(_active_key(uid), "-inf", now)
    return statuses(sorted(people)) if people else {}


def forget_local() -> None:
    """Forget this process's sockets (tests: each starts with nobody connected)."""
    with _LOCK:
        _LOCAL.clear()
