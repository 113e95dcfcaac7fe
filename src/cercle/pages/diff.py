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


# Past this many line pairs, the changed middle of two texts (after their common first and last
# lines) is shown removed then added rather than matched line by line: difflib's matching grows
# with the product of the two lengths, and a page's text may have thousands of lines.
MAX_MATCHED = 1_000_000
# At most this many rows are drawn; `truncated` says when more were left out.
MAX_ROWS = 3000


def _opcodes(a: list[str], b: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes, bounded: the common head and tail first, then the middle matched
    only when it is small enough (`MAX_MATCHED`)."""
    head = 0
    while head < len(a) and head < len(b) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < len(a) - head and tail < len(b) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    a_end, b_end = len(a) - tail, len(b) - tail
    codes: list[tuple[str, int, int, int, int]] = []
    if head:
        codes.append(("equal", 0, head, 0, head))
    if (a_end - head) * (b_end - head) <= MAX_MATCHED:
        matcher = difflib.SequenceMatcher(None, a[head:a_end], b[head:b_end], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            codes.append((tag, i1 + head, i2 + head, j1 + head, j2 + head))
    else:
        if a_end > head:
            codes.append(("delete", head, a_end, head, head))
        if b_end > head:
            codes.append(("insert", a_end, a_end, head, b_end))
    if tail:
        codes.append(("equal", a_end, len(a), b_end, len(b)))
    return codes


@dataclass(frozen=True)
class Diff:
    rows: list[DiffRow]
    truncated: bool


def bounded(old: str, new: str, *, context: int | None = 3) -> Diff:
    """`side_by_side` for a page: at most `MAX_ROWS` rows, and whether some were left out."""
    rows = side_by_side(old, new, context=context)
    return Diff(rows=rows[:MAX_ROWS], truncated=len(rows) > MAX_ROWS)


def side_by_side(old: str, new: str, *, context: int | None = None) -> list[DiffRow]:
    """Rows for two texts; with `context`, unchanged runs are cut to that many lines around
    changes (a row of kind "gap" stands for what is left out)."""
    a, b = old.split("\n"), new.split("\n")
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in _opcodes(a, b):
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
