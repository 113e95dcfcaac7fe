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


def test_the_built_once_queries_answer_as_the_querysets_for_each_person() -> None:
    """`nav_conversations` and `unread_conversation_count` run SQL built once for a stand-in id
    (`core.compiled`): for several people, muted, read, deleted and own messages, the same answer
    as their querysets built for each person."""
    from cercle.chat import queries

    anne, bob, carla = make_user(), make_user(), make_user()
    direct = make_direct(anne, bob)
    make_message(bob, direct, "Un")
    mine = make_message(anne, direct, "Deux")
    group = make_group(anne, [bob, carla], name="Équipe")
    gone = make_message(carla, group, "Trois")
    make_message(bob, group, "Quatre")
    actions.delete_message(actor=carla, message_id=gone.pk)
    quiet = make_direct(bob, carla)
    make_message(carla, quiet, "Cinq")
    actions.set_muted(actor=bob, conversation_id=quiet.pk, muted=True)
    actions.mark_read(actor=carla, conversation_id=group.pk)
    assert mine.pk
    for person in (anne, bob, carla, make_user()):
        expected_rows = list(queries._nav_rows(person.pk, 8))
        rows = [
            (c.conversation_id, c.unread, c.muted) for c in queries.nav_conversations(person, 8)
        ]
        assert rows == [
            (r["conversation_id"], 0 if r["muted"] else r["unread"], r["muted"])
            for r in expected_rows
        ]
        assert all(isinstance(c.muted, bool) for c in queries.nav_conversations(person, 8))
        expected = queries._unread_conversations(person.pk).count()
        assert queries.unread_conversation_count(person) == expected
    # Anne: Bob's "Un" (her later message reads nothing) and his "Quatre" in the group.
    assert queries.unread_conversation_count(anne) == 2
    # Bob: Anne's "Deux"; in the group only his own and a deleted one; the quiet one is muted.
    assert queries.unread_conversation_count(bob) == 1


def test_a_compiled_query_refuses_a_queryset_without_the_stand_in() -> None:
    from cercle.chat.models import Membership
    from cercle.core.compiled import CompiledQuery

    query = CompiledQuery(lambda user_id: Membership.objects.filter(user_id=1).values("pk"))
    with pytest.raises(ValueError, match="stand-in"):
        query.rows(1)
