"""The simulated people's mix of actions, their think time, and what "healthy" means.

Plain data and functions (no Locust), shared by the Locust file, the ramp runner, the docs and
the test. docs/benchmarks.md ("Mixed load: supported people") explains each figure and where it
comes from.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

# Relative weight of each action, for a person who is online (per action, not per second).
# Reads dominate (~75 %), as in every study of enterprise social networks; messages over the
# socket are ~14 % (Mattermost's simulated users post in about 7 % of their actions and switch
# channels — read — in about half).
MIX: dict[str, float] = {
    "home feed": 22,
    "space wall": 10,
    "open a post": 8,
    "react": 5,
    "comment": 3,
    "post": 1.5,
    "post with a file": 0.5,
    "directory search": 3,
    "global search": 3,
    "notifications": 5,
    "document library": 3,
    "intranet page": 3,
    "agenda": 3,
    "read a conversation": 9,
    "message direct": 8,
    "message group": 4,
    # Only the channel's members; for the others this weight goes to direct messages.
    "message space channel": 0.5,
}

# Think time between two actions: 1 s at least, then exponential, 10 s on average in all.
THINK_MIN_S = 1.0
THINK_MEAN_S = 10.0


@dataclass(frozen=True)
class Thresholds:
    """Health over a steady window (issue 15; Mattermost's load-test monitor alerts on an
    average request time over 100 ms)."""

    avg_ms: float = 100.0
    p99_ms: float = 2000.0
    error_rate: float = 0.00025  # 0.025 %
    delivery_p99_ms: float = 1000.0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def judge(step: dict[str, Any], thresholds: Thresholds) -> list[str]:
    """Why a step is unhealthy (an empty list: healthy)."""
    reasons: list[str] = []
    http = step["http"]
    if not http["requests"]:
        reasons.append("no HTTP request in the window")
    else:
        if http["avg_ms"] >= thresholds.avg_ms:
            reasons.append(f"average response {http['avg_ms']:.0f} ms ≥ {thresholds.avg_ms:.0f}")
        if http["p99_ms"] >= thresholds.p99_ms:
            reasons.append(f"p99 {http['p99_ms']:.0f} ms ≥ {thresholds.p99_ms:.0f}")
        if http["error_rate"] >= thresholds.error_rate:
            reasons.append(
                f"errors {http['error_rate'] * 100:.3f} % ≥ {thresholds.error_rate * 100:.3f} %"
            )
    rt = step["realtime"]
    if rt["missing"]:
        reasons.append(f"{rt['missing']} realtime deliveries missing")
    if rt["duplicates"]:
        reasons.append(f"{rt['duplicates']} realtime deliveries twice")
    if rt["acks_missing"]:
        reasons.append(f"{rt['acks_missing']} messages not acknowledged")
    if rt.get("resent"):
        # The generator's fault (a client id already stored), not the server's: flagged so that
        # the run is not taken for a measure of deliveries.
        reasons.append(f"{rt['resent']} sends answered as duplicates (client ids reused)")
    p99 = rt["delivery_ms"]["p99"]
    if isinstance(p99, float) and not math.isnan(p99) and p99 >= thresholds.delivery_p99_ms:
        reasons.append(f"delivery p99 {p99:.0f} ms ≥ {thresholds.delivery_p99_ms:.0f}")
    if step.get("people_reached", step["people"]) < step["people"]:
        reasons.append(f"only {step['people_reached']} of {step['people']} people signed in")
    return reasons


def supported(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The supported-people figure: the last healthy step, confirmed by its re-run."""
    ramp = [s for s in steps if not s.get("confirmation")]
    confirmations = [s for s in steps if s.get("confirmation")]
    healthy = [s for s in ramp if s["healthy"]]
    first_unhealthy = next((s for s in ramp if not s["healthy"]), None)
    last = None
    for s in ramp:
        if not s["healthy"]:
            break
        last = s
    result: dict[str, Any] = {
        "last_healthy_step": last["people"] if last else None,
        "first_unhealthy_step": first_unhealthy["people"] if first_unhealthy else None,
        "healthy_steps": [s["people"] for s in healthy],
    }
    if not ramp:
        result["people"] = None
        result["note"] = "no step was measured"
    elif first_unhealthy is None:
        result["people"] = last["people"] if last else None
        result["note"] = "never unhealthy: the ceiling is above the last step"
    elif last is None:
        result["people"] = None
        result["note"] = "the first step was already unhealthy"
    else:
        confirm = next((s for s in confirmations if s["people"] == last["people"]), None)
        if confirm is None:
            result["people"] = last["people"]
            result["note"] = "not confirmed (no re-run)"
        elif confirm["healthy"]:
            result["people"] = last["people"]
            result["note"] = "confirmed by a re-run of the step"
        else:
            result["people"] = None
            result["note"] = "the re-run of the last healthy step was unhealthy: not confirmed"
    return result


# What the simulated people type in the global search (bench/search_inprocess.py times the same).
SEARCH_WORDS = [
    "budget",
    "réunion",
    "projet",
    "sécurité",
    "formation",
    "planning",
    "qualité",
    "client",
    "recrutement",
    "télétravail",
    "onboarding",
    "roadmap",
]
