"""`sync` after a message also brings the messages of lower id written just before it: on
PostgreSQL an id is taken at the insert and seen at the commit, so a message can become
visible after one of higher id that a client already has (`queries.messages_since`)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction

from cercle.chat import queries
from cercle.chat.models import Message
from tests.factories import make_direct, make_message, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_look_back_is_the_last_seconds_of_my_conversations_and_bounded() -> None:
    anne, bruno, carl = make_user(), make_user(), make_user()
    ours = make_direct(anne, bruno)
    theirs = make_direct(anne, carl)
    old = make_message(anne, ours, "long ago")
    Message.objects.filter(pk=old.pk).update(
        created_at=old.created_at - queries.SYNC_LOOK_BACK - dt.timedelta(seconds=1)
    )
    not_mine = make_message(anne, theirs, "to Carl")
    recent = [make_message(anne, ours, f"r{n}") for n in range(queries.SYNC_LOOK_BACK_LIMIT + 5)]
    anchor = recent[-1]

    result = queries.messages_since(bruno, anchor.pk)
    ids = [m.pk for m in result.messages]
    # The newest `SYNC_LOOK_BACK_LIMIT` of the window before the anchor (which the client has),
    # oldest first.
    assert ids == [m.pk for m in recent[-queries.SYNC_LOOK_BACK_LIMIT - 1 : -1]]
    assert old.pk not in ids and not_mine.pk not in ids and not result.more

    # From nothing (0) or an id that is no message: only what follows.
    assert [m.pk for m in queries.messages_since(bruno, 0, limit=3).messages] == [
        old.pk,
        *(m.pk for m in recent[:2]),
    ]
    assert queries.messages_since(bruno, anchor.pk + 1000).messages == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite writes one at a time")
def test_a_message_committed_after_a_later_one_is_synced() -> None:
    # Two conversations: messages of one conversation are written one at a time (each locks
    # its conversation's row), but ids are shared by all.
    anne, bruno, carl = make_user(), make_user(), make_user()
    conversation = make_direct(anne, bruno)
    other = make_direct(carl, bruno)
    inserted, release, done = threading.Event(), threading.Event(), threading.Event()
    slow: list[Message] = []

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                slow.append(make_message(anne, conversation, "slow to commit"))
                inserted.set()
                release.wait(10)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert inserted.wait(10)
    fast = make_message(carl, other, "committed first")
    assert fast.pk > slow[0].pk  # the later id is seen first
    # The client has `fast` (delivered live); the slow one is not committed yet.
    assert queries.messages_since(bruno, fast.pk).messages == []

    release.set()
    assert done.wait(10)
    thread.join()
    result = queries.messages_since(bruno, fast.pk)
    assert [m.body for m in result.messages] == ["slow to commit"]
