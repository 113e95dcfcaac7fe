"""Chat's section of the side navigation: my most recent conversations, titled as in the list,
with unread counts (none when muted), in one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cercle.chat import actions
from cercle.chat.queries import nav_conversations
from tests.factories import make_direct, make_group, make_message, make_user

pytestmark = pytest.mark.django_db


def test_recent_conversations_with_their_unread_counts_in_one_query() -> None:
    anne = make_user(first_name="Anne", last_name="Roux")
    bob = make_user(first_name="Bob", last_name="Martin")
    carla = make_user(username="carla", first_name="", last_name="")
    direct = make_direct(anne, bob)
    make_message(bob, direct, "Un")
    make_message(bob, direct, "Deux")
    group = make_group(anne, [bob, carla], name="Équipe")
    make_message(carla, group, "Trois")
    quiet = make_direct(anne, carla)
    make_message(carla, quiet, "Quatre")
    actions.set_muted(actor=anne, conversation_id=quiet.pk, muted=True)
    with CaptureQueriesContext(connection) as captured:
        found = nav_conversations(anne, 8)
    assert len(captured) == 1
    assert [(c.title, c.unread) for c in found] == [("carla", 0), ("Équipe", 1), ("Bob Martin", 2)]
    assert [c.title for c in nav_conversations(anne, 2)] == ["carla", "Équipe"]
    # Bob's view: Anne's name, nothing unread (his own messages).
    assert [(c.title, c.unread) for c in nav_conversations(bob, 8)] == [
        ("Équipe", 1),
        ("Anne Roux", 0),
    ]
