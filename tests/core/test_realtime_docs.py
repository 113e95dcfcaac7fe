"""docs/realtime.md documents exactly the socket's frames: each event type declared in an
`events.py` (`cercle.core.realtime.Event`) with its fields, and each client frame type a part of
the socket handles (`cercle.routing.Socket`)."""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections import defaultdict
from pathlib import Path

from django.conf import settings

from cercle.core.events import Hello
from cercle.core.realtime import EVENT_TYPES, Event
from cercle.routing import Socket

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "realtime.md"


def declared_events() -> dict[str, type[Event]]:
    """Every event class of the apps' `events.py` (importing them all first)."""
    for app in settings.INSTALLED_APPS:
        if app.startswith("cercle.") and importlib.util.find_spec(f"{app}.events") is not None:
            importlib.import_module(f"{app}.events")
    return {kind: cls for kind, cls in EVENT_TYPES.items() if cls.__module__.startswith("cercle.")}


def json_blocks(text: str) -> list[str]:
    """The ```json blocks of the guide, without their `//` comments."""
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.S)
    return [re.sub(r"//[^\n]*", "", block) for block in blocks]


def top_level_objects(block: str) -> list[str]:
    """Each outermost `{...}` of a block (the braces inside strings do not count)."""
    found, depth, start, in_string, escaped = [], 0, 0, False, False
    for i, char in enumerate(block):
        if in_string:
            escaped = char == "\\" and not escaped
            if char == '"' and not escaped:
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char == "{":
            if depth == 0:
                start = i
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                found.append(block[start : i + 1])
    return found


def keys_of(frame: str) -> list[str]:
    """The keys of an object's own level (not those of the objects inside it)."""
    keys, depth, i = [], 0, 0
    while i < len(frame):
        char = frame[i]
        if char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
        elif char == '"':
            end = frame.index('"', i + 1)
            if depth == 1 and re.match(r"\s*:", frame[end + 1 :]):
                keys.append(frame[i + 1 : end])
            i = end
        i += 1
    return keys


def documented_frames() -> dict[str, list[set[str]]]:
    """Event type → the field names of each example of it in the guide's JSON blocks."""
    frames: dict[str, list[set[str]]] = defaultdict(list)
    for block in json_blocks(GUIDE.read_text()):
        for frame in top_level_objects(block):
            match = re.match(r'\{\s*"type":\s*"([^"]+)"', frame)
            if match:
                frames[match.group(1)].append(set(keys_of(frame)) - {"type"})
    return frames


def declared_fields(cls: type[Event]) -> tuple[set[str], set[str]]:
    """(every field, the fields a frame may leave out)."""
    names = set(cls.field_names())
    if cls is Hello:
        names = {"user_id"}
        for part in Socket.hello_parts:
            names |= set(part.__dataclass_fields__)  # type: ignore[attr-defined]
    return names, set(cls.omit_when_none)


def test_the_guide_shows_every_event_sent_to_clients_with_exactly_its_fields() -> None:
    declared = declared_events()
    documented = documented_frames()
    to_client = {kind for kind, cls in declared.items() if cls.to_client}
    assert sorted(set(documented) - to_client) == [], "in docs/realtime.md, declared nowhere"
    assert sorted(to_client - set(documented)) == [], "declared, missing from docs/realtime.md"
    for kind in sorted(to_client):
        names, optional = declared_fields(declared[kind])
        examples = documented[kind]
        shown = set().union(*examples)
        assert shown == names, f"{kind}: documented {sorted(shown)}, declared {sorted(names)}"
        for example in examples:
            missing = names - optional - example
            assert not missing, f"{kind}: an example lacks {sorted(missing)}"


def test_events_never_sent_to_clients_are_named_in_the_guide_but_not_shown() -> None:
    text = GUIDE.read_text()
    internal = [kind for kind, cls in declared_events().items() if not cls.to_client]
    assert internal
    for kind in internal:
        assert f"`{kind}`" in text
        assert kind not in documented_frames()


def test_the_guide_lists_exactly_the_client_frames_the_socket_handles() -> None:
    """The first column of the guide's tables of client frames (`| type | fields | ...`)."""
    listed: set[str] = set()
    for table in re.findall(
        r"\| type \| fields \|[^\n]*\n\|[-| ]+\|\n((?:\|[^\n]*\n)+)", GUIDE.read_text()
    ):
        for row in table.splitlines():
            listed |= set(re.findall(r"`([^`]+)`", row.split("|")[1]))
    assert listed == set(Socket.frame_handlers)
