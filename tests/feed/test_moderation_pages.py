"""The moderation page: its empty state, the messages after a decision, the "recently decided"
list (scoped like the queue, one row per decision); and the message after pinning."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cercle.feed import actions
from tests.factories import add_member, make_post, make_space, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_empty_state_decisions_and_history(django_assert_max_num_queries: Any) -> None:
    owner, moderator, author = make_user(), make_user(first_name="Mona"), make_user()
    readers = [make_user() for _ in range(2)]
    space = make_space(owner=owner, members=(author, *readers))
    add_member(space, moderator, "moderator")
    client = client_for(moderator)
    page = client.get("/moderation/").content.decode()
    assert 'id="moderation-empty"' in page and "No decision yet." in page

    spam = make_post(author=author, space=space, body="Buy cheap watches")
    first = actions.report(actor=readers[0], post=spam, reason="spam")
    actions.report(actor=readers[1], post=spam, reason="spam")
    fine = make_post(author=author, space=space, body="Lunch at noon")
    second = actions.report(actor=readers[0], post=fine, reason="other")
    assert 'id="moderation-empty"' not in client.get("/moderation/").content.decode()

    hidden = client.post(
        f"/moderation/reports/{first.pk}/decide/", {"decision": "hide"}, follow=True
    )
    assert "The content is hidden; the report is closed." in hidden.content.decode()
    kept = client.post(
        f"/moderation/reports/{second.pk}/decide/", {"decision": "dismiss"}, follow=True
    )
    page = kept.content.decode()
    assert "The report is dismissed; the content stays visible." in page
    assert 'id="moderation-empty"' in page
    history = page.split('id="decided"', 1)[1].split("<tbody>", 1)[1]
    # Two decisions (the two reports on the spam were settled at once), newest first.
    assert history.count("<tr>") == 2
    assert history.index("Report dismissed") < history.index("Content hidden")
    assert "Mona" in history

    # Another space's moderator sees neither the queue nor the history of this one.
    other = make_user()
    make_space(owner=other)
    assert "No decision yet." in client_for(other).get("/moderation/").content.decode()
    # The history costs a fixed number of queries.
    with django_assert_max_num_queries(12):
        client.get("/moderation/")


def test_pinning_and_unpinning_say_so() -> None:
    owner = make_user()
    space = make_space(owner=owner)
    post = make_post(author=owner, space=space)
    client = client_for(owner)
    pinned = client.post(f"/posts/{post.pk}/pin/", {"pinned": "1"}, follow=True)
    assert "The post is pinned at the top of the space." in pinned.content.decode()
    unpinned = client.post(f"/posts/{post.pk}/pin/", {"pinned": "0"}, follow=True)
    assert "The post is no longer pinned." in unpinned.content.decode()
    refused = client_for(make_user()).post(f"/posts/{post.pk}/pin/", follow=True)
    assert "The post is pinned" not in refused.content.decode()
