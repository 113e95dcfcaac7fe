"""A side-by-side comparison of two texts, line by line (difflib), for the revisions page. Cells
hold plain text: the template escapes them."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


@dataclass(frozen=True)
class DiffRow:
    kind: str  # "same", "changed", "removed", "added"
    left: str | None
    right: str | None
    left_number: int | None
    right_number: int | None


def side_by_side(old: str, new: str, *, context: int | None = None) -> list[DiffRow]:
    """Rows for two texts; with `context`, unchanged runs are cut to that many lines around
    changes (a row of kind "gap" stands for what is left out)."""
    a, b = old.split("\n"), new.split("\n")
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            same = [
                DiffRow("same", a[i], b[j], i + 1, j + 1)
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            if context is not None and len(same) > 2 * context + 1:
                head = same[:context] if rows else []
                tail = same[-context:] if i2 < len(a) or j2 < len(b) else []
                same = [*head, DiffRow("gap", None, None, None, None), *tail]
            rows += same
            continue
        left, right = a[i1:i2], b[j1:j2]
        for k in range(max(len(left), len(right))):
            old_line = left[k] if k < len(left) else None
            new_line = right[k] if k < len(right) else None
            kind = (
                "changed"
                if old_line is not None and new_line is not None
                else ("removed" if new_line is None else "added")
            )
            rows.append(
                DiffRow(
                    kind,
                    old_line,
                    new_line,
                    i1 + k + 1 if old_line is not None else None,
                    j1 + k + 1 if new_line is not None else None,
                )
            )
    return rows
