"""Counting realtime deliveries by client id: every message sent, at every recipient whose socket
was open when it was sent, once; late, missing and duplicate deliveries counted apart.

Plain Python (no Locust, no gevent) so that it can be tested alone: the clock is given, and
`emit(name, milliseconds, error)` is how the Locust file turns each outcome into a Locust event.

A message's expected recipients are the conversation's members whose socket had said hello when
it was sent, less the sender (the sender gets the acknowledgement, timed apart). A recipient whose
socket closes before the message arrives is taken off (gone, not missing). A message is settled
`timeout` seconds after it was sent: any expected recipient still without it counts missing.
A delivery after that is counted late (and was already counted missing). Only messages sent
inside the measurement window count in the window's figures; all of them produce events.

A send acknowledged as a `duplicate` (the server already stored a message of that sender with that
client id, so it stores and delivers nothing: a retry) is taken out of the expected deliveries and
counted apart (`resent`): it measures the generator, not the server. Client ids are made unique
per run (`run_tag`) as a browser makes them unique (`rt.newClientId()`): the seeded data is kept
between runs, and ids that started again at the same numbers collided with an earlier run's.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Emit = Callable[[str, float, str | None], None]


def run_tag() -> str:
    """The start of this run's client ids ("load-<8 hex>"): unique per run, so that a sender's id
    never repeats one stored by an earlier run on the same data (the server would acknowledge it
    as a duplicate and deliver nothing)."""
    return f"load-{secrets.token_hex(4)}"


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (as bench/common.py's)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, int(-(-fraction * len(ordered) // 1)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Pending:
    sent_at: float
    sender: int
    kind: str
    expected: set[int]
    got: set[int] = field(default_factory=set)
    in_window: bool = False
    acked: bool = False
    resent: bool = False


@dataclass
class WindowFigures:
    messages: int = 0
    expected: int = 0
    delivered: int = 0
    missing: int = 0
    duplicates: int = 0
    late: int = 0
    recipients_left: int = 0  # sockets closed before the message came (not missing)
    acks: int = 0
    acks_missing: int = 0
    resent: int = 0  # sends acknowledged as duplicates of a stored client id (nothing delivered)
    resent_deliveries: int = 0  # the deliveries they would have made (counted missing before)
    # `resync` frames: the server dropped events for a socket (its queue was full: by design, under
    # overload; the in-memory layer only) and the client caught up with `sync`.
    resyncs: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    by_kind: dict[str, dict[str, float]] = field(default_factory=dict)

    def kind(self, kind: str) -> dict[str, float]:
        return self.by_kind.setdefault(
            kind, {"messages": 0, "expected": 0, "delivered": 0, "missing": 0, "duplicates": 0}
        )


class DeliveryTracker:
    def __init__(self, *, clock: Callable[[], float], emit: Emit, timeout: float = 10.0) -> None:
        self.clock = clock
        self.emit = emit
        self.timeout = timeout
        self.online: set[int] = set()
        self.pending: dict[str, Pending] = {}
        # Settled messages (client id → who got it), kept a while for duplicates and late ones.
        self.settled: OrderedDict[str, tuple[set[int], set[int], bool, str, float]] = OrderedDict()
        self.window_open = False
        self.figures = WindowFigures()

    # --- sockets ---

    def socket_open(self, user_id: int) -> None:
        self.online.add(user_id)

    def socket_closed(self, user_id: int) -> None:
        self.online.discard(user_id)
        for message in self.pending.values():
            if user_id in message.expected and user_id not in message.got:
                message.expected.discard(user_id)
                if message.in_window:
                    self.figures.expected -= 1
                    self.figures.kind(message.kind)["expected"] -= 1
                    self.figures.recipients_left += 1

    def resynced(self, user_id: int) -> None:
        """The server told this socket it dropped events for it (`resync`); the client asks
        `sync`, whose messages count as delivered when they come (late if after the timeout)."""
        self.emit("resync", 0, None)
        if self.window_open:
            self.figures.resyncs += 1

    # --- the window ---

    def start_window(self) -> None:
        self.figures = WindowFigures()
        self.window_open = True

    def end_window(self) -> None:
        self.window_open = False

    def window_pending(self) -> int:
        """Messages of the window not settled yet."""
        return sum(1 for m in self.pending.values() if m.in_window)

    # --- messages ---

    def sent(self, client_id: str, *, sender: int, kind: str, members: Iterable[int]) -> None:
        expected = {m for m in members if m != sender and m in self.online}
        message = Pending(
            sent_at=self.clock(),
            sender=sender,
            kind=kind,
            expected=expected,
            in_window=self.window_open,
        )
        self.pending[client_id] = message
        if message.in_window:
            self.figures.messages += 1
            self.figures.expected += len(expected)
            k = self.figures.kind(kind)
            k["messages"] += 1
            k["expected"] += len(expected)

    def acknowledged(self, client_id: str, *, duplicate: bool = False) -> None:
        """The sender's `message.ack`; `duplicate`: its `duplicate` field (the server had stored
        this client id already, and delivers nothing)."""
        message = self.pending.get(client_id)
        if message is None or message.acked:
            return
        message.acked = True
        elapsed = (self.clock() - message.sent_at) * 1000
        self.emit(f"ack {message.kind}", elapsed, None)
        if message.in_window:
            self.figures.acks += 1
            self.figures.ack_ms.append(elapsed)
        if duplicate:
            self._resent(message)

    def _resent(self, message: Pending) -> None:
        """Nothing will be delivered (by design): not expected, not missing; counted apart."""
        message.resent = True
        self.emit(f"resent {message.kind}", 0, "client id already stored: nothing delivered")
        if message.in_window:
            self.figures.resent += 1
            left = len(message.expected - message.got)
            self.figures.resent_deliveries += left
            self.figures.expected -= left
            self.figures.kind(message.kind)["expected"] -= left
        message.expected &= message.got

    def received(self, user_id: int, client_id: str) -> None:
        now = self.clock()
        message = self.pending.get(client_id)
        if message is None:
            settled = self.settled.get(client_id)
            if settled is None:
                return  # not ours (sent before this run) or long gone
            expected, got, in_window, kind, sent_at = settled
            if user_id in got:
                self._duplicate(kind, in_window)
            elif user_id in expected:
                got.add(user_id)
                self.emit(f"late {kind}", (now - sent_at) * 1000, "delivered after the timeout")
                if in_window:
                    self.figures.late += 1
            return
        if user_id in message.got:
            self._duplicate(message.kind, message.in_window)
            return
        if user_id not in message.expected:
            return  # the sender's own copy, or a socket opened after the send
        message.got.add(user_id)
        elapsed = (now - message.sent_at) * 1000
        self.emit(f"deliver {message.kind}", elapsed, None)
        if message.in_window:
            self.figures.delivered += 1
            self.figures.latencies_ms.append(elapsed)
            self.figures.kind(message.kind)["delivered"] += 1

    def _duplicate(self, kind: str, in_window: bool) -> None:
        self.emit(f"duplicate {kind}", 0, "delivered twice")
        if in_window:
            self.figures.duplicates += 1
            self.figures.kind(kind)["duplicates"] += 1

    def sweep(self) -> None:
        """Settle the messages sent more than `timeout` seconds ago."""
        now = self.clock()
        for client_id in [c for c, m in self.pending.items() if now - m.sent_at >= self.timeout]:
            message = self.pending.pop(client_id)
            missing = message.expected - message.got
            for _ in missing:
                self.emit(f"missing {message.kind}", self.timeout * 1000, "not delivered")
            if not message.acked:
                self.emit(f"ack {message.kind}", self.timeout * 1000, "no acknowledgement")
            if message.in_window:
                self.figures.missing += len(missing)
                self.figures.kind(message.kind)["missing"] += len(missing)
                if not message.acked:
                    self.figures.acks_missing += 1
            self.settled[client_id] = (
                message.expected,
                message.got,
                message.in_window,
                message.kind,
                message.sent_at,
            )
        while len(self.settled) > 100_000:
            self.settled.popitem(last=False)

    def summary(self) -> dict[str, Any]:
        f = self.figures
        return {
            "messages": f.messages,
            "expected_deliveries": f.expected,
            "delivered": f.delivered,
            "missing": f.missing,
            "duplicates": f.duplicates,
            "late": f.late,
            "recipients_left": f.recipients_left,
            "acks": f.acks,
            "acks_missing": f.acks_missing,
            "resent": f.resent,
            "resent_deliveries": f.resent_deliveries,
            "resyncs": f.resyncs,
            "delivery_ms": {
                "median": round(percentile(f.latencies_ms, 0.5), 1),
                "p95": round(percentile(f.latencies_ms, 0.95), 1),
                "p99": round(percentile(f.latencies_ms, 0.99), 1),
                "max": round(max(f.latencies_ms), 1) if f.latencies_ms else float("nan"),
            },
            "ack_ms": {
                "median": round(percentile(f.ack_ms, 0.5), 1),
                "p99": round(percentile(f.ack_ms, 0.99), 1),
            },
            "by_kind": f.by_kind,
        }
