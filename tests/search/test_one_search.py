"""What one search reads once (`engines.one_search`): its passes (the counts of every kind, then a
tab's ranking) share the engine's words lookups, the planner's estimate, each kind's visibility
rule and what it answered for each candidate; nothing is kept from one search to the next."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cercle.search import engines, queries
from cercle.spaces import actions as space_actions
from tests.factories import make_post, make_space, make_user

pytestmark = pytest.mark.django_db


def _statements(run: Callable[[], object]) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        run()
    return [query["sql"] for query in captured.captured_queries]


def test_memoised_computes_once_inside_and_each_time_outside() -> None:
    made: list[int] = []

    def compute() -> int:
        made.append(1)
        return len(made)

    assert engines.memoised("k", compute) == 1
    assert engines.memoised("k", compute) == 2  # outside a search: every time
    with engines.one_search():
        assert engines.memoised("k", compute) == 3
        assert engines.memoised("k", compute) == 3
        with engines.one_search():  # nested: the same search
            assert engines.memoised("k", compute) == 3
        assert engines.memoised("other", compute) == 4
    assert engines.memoised("k", compute) == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statements")
def test_a_tab_search_asks_the_words_the_estimate_and_the_rule_once() -> None:
    anne = make_user(first_name="Anne")
    space = make_space(owner=anne)
    for number in range(3):
        make_post(author=anne, space=space, body=f"Le budget prévisionnel {number}")
    statements = _statements(lambda: queries.search(anne, "budg", kinds=["post"]))
    assert len([s for s in statements if "FROM search_word" in s]) == 1
    assert len([s for s in statements if s.startswith("EXPLAIN")]) <= 1
    # Two passes (the counts, then the tab's ranking): the second's candidates were all asked
    # by the first, so the rule is asked once.
    checks = [s for s in statements if "unnest(" in s and "candidate(id)" in s]
    assert len(checks) == 1


def test_a_member_removed_between_two_searches_stops_finding_at_once() -> None:
    anne = make_user(first_name="Anne")
    bob = make_user(first_name="Bob")
    space = make_space(owner=anne, kind="private", members=(bob,))
    post = make_post(author=anne, space=space, body="Le budget secret du comité")
    found = queries.search(bob, "budget", kinds=["post"])
    assert [h.document.object_id for h in found.hits] == [post.pk]
    space_actions.remove_member(actor=anne, space=space, user=bob)
    again = queries.search(bob, "budget", kinds=["post"])
    assert again.hits == [] and again.counts.get("post", 0) == 0
