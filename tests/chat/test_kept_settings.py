"""The organisation's read-receipt switch and each person's own choice are kept in the cache
(read on every conversation page): the actions that change them are seen at the next read, and
a kept read costs no query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cercle.chat import actions, queries
from tests.factories import make_admin, make_user

pytestmark = pytest.mark.django_db


def test_the_switch_and_the_choice_are_kept_and_follow_their_actions() -> None:
    admin, anne = make_admin(), make_user()
    assert queries.receipts_enabled(anne)
    with CaptureQueriesContext(connection) as kept:
        assert queries.receipts_enabled(anne)
    assert len(kept.captured_queries) == 0

    actions.set_read_receipts(actor=anne, enabled=False)
    assert not queries.own_read_receipts(anne) and not queries.receipts_enabled(anne)
    actions.set_read_receipts(actor=anne, enabled=True)
    assert queries.receipts_enabled(anne)

    actions.update_chat_settings(actor=admin, read_receipts=False)
    assert not queries.chat_settings().read_receipts and not queries.receipts_enabled(anne)
    actions.update_chat_settings(actor=admin, read_receipts=True)
    assert queries.receipts_enabled(anne)
