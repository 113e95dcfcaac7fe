"""Cursor pagination: stable under inserts, no OFFSET scans, opaque to clients."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class InvalidCursor(ValueError):
    """The cursor given by a client was not made by us."""


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, length: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidCursor("invalid cursor") from error
    if not isinstance(values, list) or len(values) != length:
        raise InvalidCursor("invalid cursor")
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        raise InvalidCursor("invalid cursor")
    return values


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
