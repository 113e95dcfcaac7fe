"""Presence counted per person across tabs and devices, in the shared cache (Redis in scale-out).

Each open socket counts once in `open`; a socket whose tab is in use counts in `active` too.
A person is online when one of their sockets is active, away when all are idle, offline with none.
"""

from __future__ import annotations

from django.core.cache import cache

ONLINE = "online"
AWAY = "away"
OFFLINE = "offline"


def _key(kind: str, user_id: int) -> str:
    return f"chat:presence:{kind}:{user_id}"


def _add(kind: str, user_id: int, delta: int) -> int:
    key = _key(kind, user_id)
    cache.add(key, 0, timeout=None)
    try:
        value = cache.incr(key, delta)
    except ValueError:  # expired or evicted between add and incr
        cache.set(key, max(delta, 0), timeout=None)
        value = max(delta, 0)
    if value < 0:
        cache.set(key, 0, timeout=None)
        value = 0
    return value


def status_of(user_id: int) -> str:
    values = cache.get_many([_key("open", user_id), _key("active", user_id)])
    if not values.get(_key("open", user_id)):
        return OFFLINE
    return ONLINE if values.get(_key("active", user_id)) else AWAY


def statuses(user_ids: list[int]) -> dict[int, str]:
    keys = [_key(kind, uid) for uid in user_ids for kind in ("open", "active")]
    values = cache.get_many(keys)
    result = {}
    for uid in user_ids:
        if not values.get(_key("open", uid)):
            result[uid] = OFFLINE
        else:
            result[uid] = ONLINE if values.get(_key("active", uid)) else AWAY
    return result


def socket_opened(user_id: int) -> str:
    """Count a new (active) socket; returns the person's status after it."""
    _add("open", user_id, 1)
    _add("active", user_id, 1)
    return status_of(user_id)


def socket_closed(user_id: int, *, was_active: bool) -> str:
    if was_active:
        _add("active", user_id, -1)
    _add("open", user_id, -1)
    return status_of(user_id)


def socket_activity(user_id: int, *, active: bool) -> str:
    """One socket went idle (`active=False`) or came back; the caller tracks its own state."""
    _add("active", user_id, 1 if active else -1)
    return status_of(user_id)
