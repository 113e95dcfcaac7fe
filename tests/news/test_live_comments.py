"""An article's comments live: a tab showing the article subscribes on the /ws/ socket
(`news.subscribe`, only to an article the person may read) and hears `news.comment` (ids only)
when a comment is written, edited, hidden, shown again or deleted; the page then asks
`/news/<id>/comments/`, rendered for that reader (WebsocketCommunicator against the real
consumer; the fragment through the test client)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import SyncToAsync, sync_to_async
from django.db import connections
from django.test import Client

from cercle.accounts.models import Role
from cercle.news import actions
from cercle.news.events import NewsComment, NewsSubscribed
from tests.factories import make_user
from tests.helpers.sockets import connected, drain, next_of_type
from tests.news.helpers import article, manager

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _close_worker_connections() -> Iterator[None]:
    yield
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)


def news_frames(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == "news.comment"]


async def test_readers_of_the_article_hear_its_comments_change() -> None:
    writer = await sync_to_async(manager)()
    item = await sync_to_async(article)(author=writer)
    other = await sync_to_async(article)(author=writer, title="Autre")
    anne, bob = await sync_to_async(make_user)(), await sync_to_async(make_user)()
    guest = await sync_to_async(make_user)(role=Role.GUEST)  # outside the audience
    reader, elsewhere, outsider = await connected(bob), await connected(bob), await connected(guest)

    await reader.send_json_to({"type": "news.subscribe", "article_id": item.pk})
    assert await next_of_type(reader, "news.subscribed") == NewsSubscribed(item.pk).payload()
    await elsewhere.send_json_to({"type": "news.subscribe", "article_id": other.pk})
    await next_of_type(elsewhere, "news.subscribed")
    # Not in the audience, missing, or not a number: refused, no group joined.
    for frame, code in (
        ({"article_id": item.pk}, "not_found"),
        ({"article_id": 999999}, "not_found"),
        ({"article_id": "1"}, "invalid"),
        ({"article_id": True}, "invalid"),
    ):
        await outsider.send_json_to({"type": "news.subscribe", **frame})
        assert (await next_of_type(outsider, "error"))["code"] == code

    comment = await sync_to_async(actions.add_comment)(actor=anne, article=item, body="Bravo")
    assert (
        await next_of_type(reader, "news.comment")
        == NewsComment(article_id=item.pk, comment_id=comment.pk, change="new").payload()
    )
    await sync_to_async(actions.edit_comment)(actor=anne, comment=comment, body="Bravo !")
    assert (await next_of_type(reader, "news.comment"))["change"] == "edited"
    moderator = await sync_to_async(manager)()
    await sync_to_async(actions.hide_comment)(actor=moderator, comment=comment, reason="Test")
    assert (await next_of_type(reader, "news.comment"))["change"] == "hidden"
    await sync_to_async(actions.unhide_comment)(actor=moderator, comment=comment)
    assert (await next_of_type(reader, "news.comment"))["change"] == "shown"
    await sync_to_async(actions.delete_comment)(actor=anne, comment=comment)
    assert (await next_of_type(reader, "news.comment"))["change"] == "deleted"
    # The tab showing another article, and the outsider, heard nothing of it.
    assert news_frames(await drain(elsewhere, timeout=0.3)) == []
    assert news_frames(await drain(outsider, timeout=0.3)) == []

    # Unsubscribed: nothing more.
    await reader.send_json_to({"type": "news.unsubscribe"})
    await next_of_type(reader, "news.unsubscribed")
    await sync_to_async(actions.add_comment)(actor=anne, article=item, body="Encore")
    assert news_frames(await drain(reader, timeout=0.3)) == []
    for comm in (reader, elsewhere, outsider):
        await comm.disconnect()


def test_the_comments_fragment_is_rendered_for_each_reader() -> None:
    item = article()
    anne, bob = make_user(), make_user()
    comment = actions.add_comment(actor=anne, article=item, body="Texte **fort**")
    actions.hide_comment(actor=manager(), comment=comment, reason="Hors charte")
    bob_client, anne_client = Client(), Client()
    bob_client.force_login(bob)
    anne_client.force_login(anne)
    url = f"/news/{item.pk}/comments/"
    html = bob_client.get(url).content.decode()
    assert f'id="comment-{comment.pk}"' in html and "<strong>fort</strong>" not in html
    assert "<strong>fort</strong>" in anne_client.get(url).content.decode()
    assert "<html" not in html  # the list alone
    guest = Client()
    guest.force_login(make_user(role=Role.GUEST))
    assert guest.get(url).status_code == 404
    assert bob_client.get("/news/999999/comments/").status_code == 404
    before = type(item).objects.get(pk=item.pk).read_count
    bob_client.get(url)
    assert type(item).objects.get(pk=item.pk).read_count == before  # not a read
