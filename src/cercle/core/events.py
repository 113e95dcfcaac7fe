"""The socket's own frames (`cercle.core.consumers`), whatever the modules plugged into it.

`hello` on connection (each module's part of the socket adds its fields: `SocketPart.hello`),
`pong` to a `ping`, `error` for a refused or bad frame, `resync` when events for the socket were
dropped; `account.deactivated` closes the person's sockets and never reaches a client.
Documented in docs/realtime.md.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from cercle.core.realtime import Event


class HelloPart:
    """A module's fields of `hello`: subclass it as a frozen dataclass (`SocketPart.hello_part`)."""


@dataclass(frozen=True)
class Hello(Event):
    """The first frame of a socket. `parts`: each module's hello fields (`HelloPart`), merged
    into the frame."""

    type = "hello"
    user_id: int
    parts: tuple[HelloPart, ...] = ()

    def payload(self) -> dict[str, Any]:
        frame: dict[str, Any] = {"type": self.type, "user_id": self.user_id}
        for part in self.parts:
            for field in fields(part):  # type: ignore[arg-type]
                frame[field.name] = getattr(part, field.name)
        return frame


@dataclass(frozen=True)
class Pong(Event):
    type = "pong"


@dataclass(frozen=True)
class Resync(Event):
    """Events for this socket were dropped (the socket could not keep up): catch up as after a
    reconnection."""

    type = "resync"


@dataclass(frozen=True)
class Error(Event):
    """A frame refused or failed; it changed nothing. `ref`: the frame's own, echoed;
    `retry_after` (seconds) with `rate_limited`; `errors` (per field) with `invalid`."""

    type = "error"
    omit_when_none = frozenset({"ref", "retry_after", "errors"})
    code: str
    detail: str
    ref: str | int | None = None
    retry_after: int | None = None
    errors: Any = None


@dataclass(frozen=True)
class AccountDeactivated(Event):
    """Published by the deactivation of a person to their group: their sockets close (4401)."""

    type = "account.deactivated"
    to_client = False


@dataclass(frozen=True)
class SessionsEnded(Event):
    """Published to a person's group when some of their sessions were ended from elsewhere (a
    single logout started at their identity provider): the sockets opened in those sessions
    close (4401); their other sockets stay."""

    type = "account.sessions_ended"
    to_client = False
    session_keys: tuple[str, ...] = ()
