"""`core.kept.ProcessMemo`: bounded by weight, the least recently used dropped first."""

from __future__ import annotations

from cercle.core.kept import ProcessMemo


def test_the_least_recently_used_go_first_and_the_weight_stays_bounded() -> None:
    memo: ProcessMemo[str, tuple[int, ...]] = ProcessMemo(5, weigh=len)
    memo.put("a", (1, 2))
    memo.put("b", (1, 2))
    assert memo.get("a") == (1, 2)  # now the most recent
    memo.put("c", (1, 2))  # 6 > 5: "b", the least recently used, goes
    assert memo.get("b") is None
    assert [key for key, _value in memo.items()] == ["a", "c"]
    assert memo.weight == 4
    memo.put("a", (1,))  # replaced: its old weight no longer counts
    assert memo.weight == 3
    memo.put("huge", tuple(range(6)))  # heavier than the whole limit: not kept
    assert memo.get("huge") is None and memo.weight == 3
    memo.clear()
    assert memo.items() == [] and memo.weight == 0
