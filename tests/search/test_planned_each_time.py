"""PostgreSQL with `DATABASE_SERVER_SIDE_BINDING=1`: a search's statements are planned for their
own words each time, never prepared (`engines.planned_for_their_words`), while the rest of a
request's statements are."""

from __future__ import annotations

import pytest
from django.db import connection

from cercle.search import queries
from tests.factories import make_post, make_space, make_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="PostgreSQL's prepared statements"
    ),
]


def prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_searches_are_never_prepared_and_the_threshold_comes_back(
    prepared_statements: None,
) -> None:
    anne = make_user(first_name="Anne")
    post = make_post(author=anne, space=make_space(owner=anne), body="Un budget serré")
    threshold = connection.connection.prepare_threshold
    assert threshold is not None  # (statements are prepared on this connection)
    for _ in range(8):
        hits = queries.search(anne, "budget").hits
        assert [h.document.object_id for h in hits if h.kind.key == "post"] == [post.pk]
        queries.suggest(anne, "bud")
    reads = [text for text in prepared() if not text.lstrip().upper().startswith("INSERT")]
    assert not [text for text in reads if "search_vector" in text or "search_title" in text]
    assert connection.connection.prepare_threshold == threshold
