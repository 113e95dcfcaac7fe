import pytest
from hypothesis import given
from hypothesis import strategies as st

from cercle.core.pagination import InvalidCursor, decode_cursor, encode_cursor

VALUES = st.lists(st.one_of(st.integers(), st.text(max_size=30)), min_size=1, max_size=4)


@given(VALUES)
def test_cursor_round_trips(values: list[object]) -> None:
    assert decode_cursor(encode_cursor(values), length=len(values)) == values


@pytest.mark.parametrize("cursor", ["", "!!!", "e30", "bm90IGpzb24", encode_cursor([1, 2])])
def test_bad_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor, length=1)


@given(st.text(max_size=60))
def test_any_text_is_a_valid_cursor_or_refused_cleanly(cursor: str) -> None:
    try:
        values = decode_cursor(cursor, length=2)
    except InvalidCursor:
        return
    assert len(values) == 2
