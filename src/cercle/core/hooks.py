"""Typed hooks: a lower layer tells what happened, the modules above it react.

`accounts` and `spaces` may not import the modules above them, yet those must follow their changes
(a space's chat channel follows its members, the feed's sockets re-read their subscriptions when
a person joins a space, an invitation notifies the invitee). The lower app declares one frozen
dataclass per happening in its `hooks.py` and its actions `emit(...)` it; each module `listen`s
from its `AppConfig.ready()`.

Listeners run at once, in the emitting action's transaction and in the order they were
registered, as if the action had called them: an error in one rolls the whole action back. Unlike
Django's signals the happening is a typed object (mypy checks both sides), there is no sender and
no weak reference, and `registered(...)` lets a test see who listens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

Happening = TypeVar("Happening")

_listeners: dict[type[Any], list[Callable[[Any], None]]] = {}


def listen(happening: type[Happening], listener: Callable[[Happening], None]) -> None:
    """Call `listener` with each `happening` emitted from now on (registering twice is once)."""
    listeners = _listeners.setdefault(happening, [])
    if listener not in listeners:
        listeners.append(listener)


def emit(happening: object) -> None:
    for listener in list(_listeners.get(type(happening), ())):
        listener(happening)


def registered(happening: type[Any]) -> list[Callable[[Any], None]]:
    return list(_listeners.get(happening, ()))
