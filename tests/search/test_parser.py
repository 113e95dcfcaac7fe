"""The query parser on any text (hypothesis): it never fails, and what it hands the engines is
only words of letters and digits (the engines put them in FTS5 match strings and tsqueries)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cercle.search.engines import SQLiteEngine
from cercle.search.parser import MAX_GROUPS, parse

WORD = re.compile(r"^[^\W_]+$")
TYPED = st.lists(
    st.sampled_from([*"abcé É-/\"'*():^+\x00\t€🙂_", " OR ", "NEAR", "AND", "jean-marc", "SAP/FI"]),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TYPED, st.text(max_size=200)))
def test_any_text_parses_into_plain_words(text: str) -> None:
    query = parse(text)
    assert len(query.groups) <= MAX_GROUPS
    for group in query.groups:
        assert group
        for leaf in (*group, *query.excluded):
            assert leaf.words and all(WORD.match(word) for word in leaf.words)
    if not query.empty:
        for titles in (False, True):
            ranked = SQLiteEngine().ranked(query, titles=titles)
            assert ranked.where.count("%s") == len(ranked.where_params)
            matches = SQLiteEngine().matches(query, titles=titles)
            if matches is not None:
                assert matches[0].count("%s") == len(matches[1])
