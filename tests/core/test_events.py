"""Typed realtime events (cercle.core.realtime.Event) and the socket's own (cercle.core.events)."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError, dataclass

import pytest

from cercle.core import realtime
from cercle.core.events import Error, Hello, HelloPart, Pong, Resync
from cercle.core.realtime import EVENT_TYPES, Event


@dataclass(frozen=True)
class Sample(Event):
    type = "test.sample"
    omit_when_none = frozenset({"note"})
    count: int
    names: list[str]
    note: str | None = None
    parent: int | None = None


def test_an_event_becomes_its_frame_with_its_type_first() -> None:
    event = Sample(count=2, names=["Zoé"])
    assert event.payload() == {"type": "test.sample", "count": 2, "names": ["Zoé"], "parent": None}
    assert list(event.payload()) == ["type", "count", "names", "parent"]
    assert Sample(count=1, names=[], note="n").payload()["note"] == "n"
    assert Sample.field_names() == ("count", "names", "note", "parent")
    assert EVENT_TYPES["test.sample"] is Sample
    with pytest.raises(FrozenInstanceError):
        event.count = 3  # type: ignore[misc]


def test_a_type_is_declared_once() -> None:
    with pytest.raises(TypeError, match="declared twice"):

        @dataclass(frozen=True)
        class Impostor(Event):
            type = "test.sample"

    assert EVENT_TYPES["test.sample"] is Sample
    with pytest.raises(TypeError, match="declared twice"):

        @dataclass(frozen=True)
        class Pang(Event):
            type = "pong"


def test_the_layer_message_holds_the_frame_and_its_text_encoded_once() -> None:
    message = realtime._message(Sample(count=1, names=["été"]))
    assert message["type"] == "cercle.event"
    assert message["event"] == Sample(count=1, names=["été"]).payload()
    assert "été" in message["text"]  # not escaped: what the socket sends as it is
    assert json.loads(message["text"]) == message["event"]


def test_error_leaves_out_what_it_does_not_have() -> None:
    assert Error(code="bad_json", detail="This frame is not JSON.").payload() == {
        "type": "error",
        "code": "bad_json",
        "detail": "This frame is not JSON.",
    }
    assert Error(code="rate_limited", detail="…", ref=0, retry_after=3).payload() == {
        "type": "error",
        "code": "rate_limited",
        "detail": "…",
        "ref": 0,
        "retry_after": 3,
    }


@dataclass(frozen=True)
class PartA(HelloPart):
    seen: int


@dataclass(frozen=True)
class PartB(HelloPart):
    mood: str


def test_hello_merges_each_part_s_fields() -> None:
    hello = Hello(user_id=4, parts=(PartA(seen=1), PartB(mood="ok")))
    assert hello.payload() == {"type": "hello", "user_id": 4, "seen": 1, "mood": "ok"}
    assert Hello(user_id=4).payload() == {"type": "hello", "user_id": 4}
    assert Pong().payload() == {"type": "pong"}
    assert Resync().payload() == {"type": "resync"}
