"""The mixed-load test's own counting (bench/load/): deliveries by client id, and health.

The load test decides the supported-people figure from these counts, so they are tested alone,
with a clock the test moves: a message is counted delivered once per recipient that was online
when it was sent, missing when the timeout passes without it, twice when it comes again, late
when it comes after the timeout; a recipient who leaves is not missing; a send the server
acknowledges as a duplicate of a stored client id (it delivers nothing then, by design) is counted
apart, not missing, and client ids are unique per run (issue 15's "missing" deliveries: ids that
started again at the same numbers on data kept from an earlier run).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

LOAD = Path(__file__).resolve().parents[2] / "bench" / "load"


def _load(name: str) -> ModuleType:
    """bench/load/<name>.py, by its path (bench/ is not a package; sys.path stays as it is)."""
    spec = importlib.util.spec_from_file_location(f"cercle_bench_load_{name}", LOAD / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


mix = _load("mix")
MIX, Thresholds, judge, supported = mix.MIX, mix.Thresholds, mix.judge, mix.supported
tracker_module = _load("tracker")
DeliveryTracker, run_tag = tracker_module.DeliveryTracker, tracker_module.run_tag


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def setup() -> tuple[DeliveryTracker, Clock, list[tuple[str, float, str | None]]]:
    clock = Clock()
    events: list[tuple[str, float, str | None]] = []
    tracker = DeliveryTracker(
        clock=clock, emit=lambda n, ms, e: events.append((n, ms, e)), timeout=10
    )
    for user in (1, 2, 3, 4):
        tracker.socket_open(user)
    tracker.start_window()
    return tracker, clock, events


def test_each_online_recipient_counted_once_with_its_latency(setup: Any) -> None:
    tracker, clock, events = setup
    # 5 is a member but offline: not expected. The sender (1) is not a recipient.
    tracker.sent("a", sender=1, kind="group", members=[1, 2, 3, 5])
    clock.now += 0.25
    tracker.received(2, "a")
    tracker.received(1, "a")  # the sender's own copy: ignored
    tracker.acknowledged("a")
    clock.now += 0.5
    tracker.received(3, "a")
    clock.now += 20
    tracker.sweep()
    summary = tracker.summary()
    assert summary["messages"] == 1
    assert summary["expected_deliveries"] == 2
    assert summary["delivered"] == 2
    assert summary["missing"] == summary["duplicates"] == summary["late"] == 0
    assert summary["acks"] == 1 and summary["acks_missing"] == 0
    assert summary["delivery_ms"]["median"] == pytest.approx(250, abs=0.1)
    assert summary["delivery_ms"]["max"] == pytest.approx(750, abs=0.1)
    delivered = [e for e in events if e[0] == "deliver group"]
    assert [round(ms) for _, ms, _ in delivered] == [250, 750]
    assert all(error is None for _, _, error in delivered)


def test_missing_duplicate_and_late_are_counted_and_reported_as_failures(setup: Any) -> None:
    tracker, clock, events = setup
    tracker.sent("b", sender=1, kind="direct", members=[1, 2])
    tracker.sent("c", sender=3, kind="space channel", members=[1, 2, 3, 4])
    clock.now += 0.1
    tracker.received(1, "c")
    tracker.received(1, "c")  # twice
    tracker.received(2, "c")
    clock.now += 10
    tracker.sweep()  # "b" never reached 2; "c" never reached 4; nothing acknowledged
    clock.now += 1
    tracker.received(2, "b")  # after the timeout: late (it was already missing)
    tracker.received(2, "b")  # and again: twice
    summary = tracker.summary()
    assert summary["expected_deliveries"] == 4
    assert summary["delivered"] == 2
    assert summary["missing"] == 2
    assert summary["duplicates"] == 2
    assert summary["late"] == 1
    assert summary["acks_missing"] == 2
    assert summary["by_kind"]["space channel"]["missing"] == 1
    failures = sorted(name for name, _, error in events if error)
    assert failures == [
        "ack direct",
        "ack space channel",
        "duplicate direct",
        "duplicate space channel",
        "late direct",
        "missing direct",
        "missing space channel",
    ]


def test_a_recipient_who_leaves_is_not_missing_and_outside_the_window_is_not_counted(
    setup: Any,
) -> None:
    tracker, clock, _events = setup
    tracker.sent("d", sender=1, kind="group", members=[1, 2, 3])
    tracker.socket_closed(3)
    tracker.received(2, "d")
    tracker.acknowledged("d")
    tracker.end_window()
    tracker.sent("e", sender=1, kind="direct", members=[1, 2])  # after the window
    assert tracker.window_pending() == 1
    clock.now += 11
    tracker.sweep()
    assert tracker.window_pending() == 0
    summary = tracker.summary()
    assert summary["messages"] == 1
    assert summary["expected_deliveries"] == 1
    assert summary["delivered"] == 1
    assert summary["recipients_left"] == 1
    assert summary["missing"] == 0


def test_a_send_acknowledged_as_a_duplicate_is_counted_apart_not_missing(setup: Any) -> None:
    """The server answers a client id it has stored for that sender (a retry) with
    `duplicate: true` and delivers nothing: that measures the generator, not the server."""
    tracker, clock, events = setup
    tracker.sent("load-4-7", sender=1, kind="group", members=[1, 2, 3, 4])
    tracker.sent("load-4-8", sender=1, kind="direct", members=[1, 2])
    clock.now += 0.1
    tracker.acknowledged("load-4-7", duplicate=True)
    tracker.acknowledged("load-4-8", duplicate=False)
    tracker.received(2, "load-4-8")
    clock.now += 11
    tracker.sweep()
    summary = tracker.summary()
    assert summary["messages"] == 2 and summary["acks"] == 2
    assert summary["expected_deliveries"] == summary["delivered"] == 1
    assert summary["missing"] == 0
    assert summary["resent"] == 1 and summary["resent_deliveries"] == 3
    assert summary["by_kind"]["group"]["expected"] == 0
    assert ("resent group", 0, "client id already stored: nothing delivered") in events
    assert not [name for name, _, error in events if name.startswith("missing")]
    # Flagged: such a run does not measure deliveries.
    assert step(10, resent=1)["reasons"] == ["1 sends answered as duplicates (client ids reused)"]


def test_resyncs_in_the_window_are_counted() -> None:
    tracker = DeliveryTracker(clock=lambda: 0.0, emit=lambda *_: None, timeout=10)
    tracker.resynced(1)  # before the window
    tracker.start_window()
    tracker.resynced(1)
    tracker.resynced(2)
    assert tracker.summary()["resyncs"] == 2


def test_client_ids_are_unique_per_run_and_fit_the_server_s_limit() -> None:
    tags = {run_tag() for _ in range(1000)}
    assert len(tags) == 1000
    longest = f"{run_tag()}-{10**6}-{10**7}"
    assert len(longest) <= 64  # cercle.chat.actions.MAX_CLIENT_ID_LENGTH
    # The Locust people build their ids from it (locustfile.py needs Locust: read, not imported).
    source = (LOAD / "locustfile.py").read_text()
    assert "RUN = run_tag()" in source
    assert 'client_id = f"{RUN}-{self.uid}-{next(NEXT_MESSAGE)}"' in source
    assert 'duplicate=bool(frame.get("duplicate"))' in source


def step(people: int, *, avg: float = 50, confirmation: bool = False, **realtime: Any) -> Any:
    rt = {
        "missing": 0,
        "duplicates": 0,
        "acks_missing": 0,
        "delivery_ms": {"p99": 100.0},
        **realtime,
    }
    figures: dict[str, Any] = {
        "people": people,
        "people_reached": people,
        "confirmation": confirmation,
        "http": {"requests": 1000, "avg_ms": avg, "p99_ms": 500, "error_rate": 0.0},
        "realtime": rt,
    }
    figures["reasons"] = judge(figures, Thresholds())
    figures["healthy"] = not figures["reasons"]
    return figures


def test_health_fails_on_each_criterion() -> None:
    assert step(10)["healthy"]
    assert step(10, avg=100)["reasons"] == ["average response 100 ms ≥ 100"]
    assert step(10, missing=1)["reasons"] == ["1 realtime deliveries missing"]
    assert step(10, duplicates=2)["reasons"] == ["2 realtime deliveries twice"]
    assert step(10, delivery_ms={"p99": 1000.0})["reasons"] == ["delivery p99 1000 ms ≥ 1000"]
    errors = step(10)
    errors["http"]["error_rate"] = 0.00025
    assert judge(errors, Thresholds()) == ["errors 0.025 % ≥ 0.025 %"]
    # A tiny threshold (the ramp's --max-avg-ms) makes any step unhealthy.
    assert judge(step(10), Thresholds(avg_ms=1)) == ["average response 50 ms ≥ 1"]


def test_supported_is_the_last_healthy_step_confirmed_by_its_rerun() -> None:
    ramp = [step(10), step(20), step(40, avg=300)]
    assert supported([*ramp, step(20, confirmation=True)])["people"] == 20
    refuted = supported([*ramp, step(20, avg=200, confirmation=True)])
    assert refuted["people"] is None and "not confirmed" in refuted["note"]
    assert supported([step(10, avg=300)])["people"] is None
    ceiling = supported([step(10), step(20)])
    assert ceiling["people"] == 20 and "above the last step" in ceiling["note"]


def test_the_mix_is_mostly_reading() -> None:
    reads = {
        "home feed",
        "space wall",
        "open a post",
        "directory search",
        "global search",
        "notifications",
        "document library",
        "intranet page",
        "agenda",
        "read a conversation",
    }
    share = sum(MIX[name] for name in reads) / sum(MIX.values())
    assert 0.7 <= share <= 0.8
