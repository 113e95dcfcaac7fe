"""On PostgreSQL, parameters are bound on the server and a statement run a few times on a
connection is prepared (`DATABASE_SERVER_SIDE_BINDING`, on by default): PostgreSQL then stops
parsing and planning it at every request (issue 15: about 28 % of its CPU per request)."""

from __future__ import annotations

import pytest
from django.db import connection

from cercle.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_a_statement_run_a_few_times_is_prepared_on_the_server() -> None:
    assert connection.settings_dict["OPTIONS"].get("server_side_binding") is True
    for n in range(6):  # (the threshold is 5 uses)
        list(User.objects.filter(username=f"nobody-{n}").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "accounts_user"' in text and "$1" in text for text in prepared), prepared
