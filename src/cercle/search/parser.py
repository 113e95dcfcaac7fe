"""The search box's language: words, "exact phrases", -excluded, OR, the last word as a prefix.

Whatever is typed parses: an unbalanced quote runs to the end, operators alone leave an empty
query (no result), NUL and control characters are dropped, and only the first `MAX_LENGTH`
characters and `MAX_GROUPS` words count. Compound words (jean-marc, SAP/FI, e-mail) match as
their parts in a row or glued together ("email").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cercle.search.text import words

MAX_LENGTH = 300
MAX_GROUPS = 8
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Leaf:
    """One word (`prefix`: also every word it begins), or a phrase of words in a row."""

    words: tuple[str, ...]
    prefix: bool = False

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass
class Query:
    groups: list[list[Leaf]] = field(default_factory=list)  # every group, any leaf of each
    excluded: list[Leaf] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.groups

    def highlight_words(self) -> list[str]:
        found: list[str] = []
        for group in self.groups:
            for leaf in group:
                found.extend(word for word in leaf.words if word not in found)
        return found


def _alternatives(pieces: list[str], *, quoted: bool, prefix: bool) -> list[Leaf]:
    if not pieces:
        return []
    if quoted or len(pieces) == 1:
        return [Leaf(tuple(pieces), prefix=prefix and len(pieces) == 1)]
    # A compound typed without quotes: its parts in a row, or glued ("e-mail" finds "email").
    return [Leaf(tuple(pieces)), Leaf(("".join(pieces),), prefix=prefix)]


def parse(text: str) -> Query:
    text = _CONTROL.sub(" ", text or "")[:MAX_LENGTH]
    tokens = list(_TOKEN.finditer(text))
    query = Query()
    join_next = False
    for index, match in enumerate(tokens):
        negate, quoted_text, bare = match.group(1), match.group(2), match.group(3)
        quoted = quoted_text is not None
        if not quoted:
            if bare == "OR":
                join_next = bool(query.groups)
                continue
            negate = "-" if bare.startswith("-") and len(bare) > 1 else ""
            raw = bare[1:] if negate else bare
        else:
            raw = quoted_text
        last = index == len(tokens) - 1 and not text.endswith((" ", '"'))
        leaves = _alternatives(words(raw), quoted=quoted, prefix=last and not negate)
        if not leaves:
            continue
        if negate:
            query.excluded.extend(leaves)
        elif join_next and query.groups:
            query.groups[-1].extend(leaves)
        elif len(query.groups) < MAX_GROUPS:
            query.groups.append(leaves)
        join_next = False
    return query
