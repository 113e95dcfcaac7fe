"""What is kept between requests: a bounded map in this process (`ProcessMemo`: what a process may
rebuild but would rather not, keyed by everything it depends on, versions included, the least
recently used dropped first), and the shared cache's values dropped by the writes that change
them (`forget_now_and_at_commit`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import transaction

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ProcessMemo(Generic[K, V]):
    """At most `limit` in weight (`weigh(value)`, 1 each by default); a value heavier than the
    whole limit is not kept. Safe to share between a process's threads."""

    def __init__(self, limit: int, weigh: Callable[[V], int] = lambda _value: 1) -> None:
        self.limit = limit
        self.weigh = weigh
        self._values: OrderedDict[K, V] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        weight = self.weigh(value)
        if weight > self.limit:
            return
        with self._lock:
            old = self._values.pop(key, None)
            self._weight += weight - (self.weigh(old) if old is not None else 0)
            self._values[key] = value
            while self._weight > self.limit and self._values:
                _key, dropped = self._values.popitem(last=False)
                self._weight -= self.weigh(dropped)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._weight = 0

    def items(self) -> list[tuple[K, V]]:
        with self._lock:
            return list(self._values.items())

    @property
    def weight(self) -> int:
        return self._weight


def forget_now_and_at_commit(*keys: str) -> None:
    """Drop the shared cache's values under `keys` now, and again once the transaction commits:
    a request reading them between the two (the old rows, not committed over yet) would keep
    the old values otherwise."""
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))
