"""The /ws/ socket's live feed and bell (WebsocketCommunicator against the real consumer)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import SyncToAsync, sync_to_async
from django.db import connections

from cercle.accounts.actions.profiles import follow_person
from cercle.core.events import Error
from cercle.feed import actions
from cercle.feed.events import FeedNew, FeedSubscribed
from cercle.notifications import actions as notification_actions
from cercle.notifications.events import NotificationRead
from cercle.notifications.models import Notification
from cercle.spaces import actions as space_actions
from cercle.spaces import queries as space_queries
from tests.factories import make_guest, make_space, make_user
from tests.helpers.sockets import connected, drain, next_of_type

pytestmark = pytest.mark.django_db(transaction=True)

amake_user = sync_to_async(make_user)
amake_space = sync_to_async(make_space)
create_post = sync_to_async(actions.create_post)


@pytest.fixture(autouse=True)
def _close_worker_connections() -> Iterator[None]:
    yield
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)


async def subscribed(comm: Any, **frame: Any) -> dict[str, Any]:
    await comm.send_json_to({"type": "feed.subscribe", **frame})
    answer: dict[str, Any] = await next_of_type(comm, "feed.subscribed")
    return answer


async def feed_frames(comm: Any) -> list[dict[str, Any]]:
    return [f for f in await drain(comm, timeout=0.3) if f["type"] == "feed.new"]


async def test_bell_count_arrives_live_and_mark_read_in_another_tab_lowers_it() -> None:
    anne, bruno = await amake_user(), await amake_user(username="bruno")
    tab1, tab2 = await connected(bruno), await connected(bruno)
    await create_post(actor=anne, body="Hello @bruno")
    for tab in (tab1, tab2):
        new = await next_of_type(tab, "notification.new")
        assert new["kind"] == "mention" and new["unread"] == 1
    notification = await sync_to_async(Notification.objects.get)(recipient=bruno)
    await sync_to_async(notification_actions.mark_read)(actor=bruno, notification=notification)
    for tab in (tab1, tab2):
        read = await next_of_type(tab, "notification.read")
        assert read == NotificationRead(ids=[notification.pk], unread=0).payload()
    # Marking all read when nothing is unread says nothing.
    await sync_to_async(notification_actions.mark_all_read)(actor=bruno)
    assert not [f for f in await drain(tab1, timeout=0.3) if f["type"] == "notification.read"]
    await create_post(actor=anne, body="Again @bruno")
    assert (await next_of_type(tab1, "notification.new"))["unread"] == 1
    await sync_to_async(notification_actions.mark_all_read)(actor=bruno)
    read = await next_of_type(tab2, "notification.read")
    assert read["ids"] is None and read["unread"] == 0
    await tab1.disconnect()
    await tab2.disconnect()


async def test_feed_new_reaches_a_member_and_not_a_non_member_of_a_private_space() -> None:
    author, member, outsider = await amake_user(), await amake_user(), await amake_user()
    space = await amake_space(kind="private", members=(author, member))
    m, o, a = await connected(member), await connected(outsider), await connected(author)
    await subscribed(m, feed="home")
    await subscribed(o, feed="home")
    await subscribed(a, feed="home")
    post = await create_post(actor=author, body="Members only", space=space)
    assert await feed_frames(m) == [
        FeedNew(
            post_id=post.pk, space_id=space.pk, author_id=author.pk, wall_owner_id=None
        ).payload()
    ]
    assert await feed_frames(o) == []
    assert await feed_frames(a) == []  # one's own posts are not "new"
    # The outsider cannot follow that wall either: one answer for missing and not allowed.
    await o.send_json_to({"type": "feed.subscribe", "feed": "space", "id": space.pk, "ref": 1})
    assert (
        await next_of_type(o, "error")
        == Error(code="not_found", detail="Not found.", ref=1).payload()
    )
    for comm in (m, o, a):
        await comm.disconnect()


async def test_nothing_before_subscribing_and_a_post_arriving_twice_is_sent_once() -> None:
    author, reader = await amake_user(), await amake_user()
    space = await amake_space(kind="open", members=(author, reader))
    await sync_to_async(follow_person)(actor=reader, person=author)
    r = await connected(reader)
    await create_post(actor=author, body="Before", space=space)
    assert await feed_frames(r) == []
    await subscribed(r, feed="home")
    # The post reaches the space's group and the author's group: one frame.
    post = await create_post(actor=author, body="After #Lean", space=space)
    assert [f["post_id"] for f in await feed_frames(r)] == [post.pk]
    await r.disconnect()


async def test_joining_and_leaving_a_space_moves_the_sockets_groups() -> None:
    author, person = await amake_user(), await amake_user()
    space = await amake_space(kind="private", owner=author)
    p = await connected(person)
    await subscribed(p, feed="home")
    await create_post(actor=author, body="Not yet", space=space)
    assert await feed_frames(p) == []
    invitation = (
        await sync_to_async(space_actions.invite)(actor=author, space=space, users=[person])
    )[0]
    await sync_to_async(space_actions.respond_to_invitation)(
        actor=person, invitation=invitation, accept=True
    )
    await drain(p, timeout=0.3)  # the resync is handled on the server; nothing for the page
    post = await create_post(actor=author, body="Welcome", space=space)
    assert [f["post_id"] for f in await feed_frames(p)] == [post.pk]
    await sync_to_async(space_actions.leave_space)(actor=person, space=space)
    await drain(p, timeout=0.3)
    await create_post(actor=author, body="Gone", space=space)
    assert await feed_frames(p) == []
    await p.disconnect()


async def test_space_and_wall_pages_get_their_own_posts_only() -> None:
    author, reader = await amake_user(), await amake_user()
    one = await amake_space(kind="open", members=(author,))
    other = await amake_space(kind="open", members=(author, reader))
    s, w = await connected(reader), await connected(reader)
    assert (
        await subscribed(s, feed="space", id=one.pk)
        == FeedSubscribed(feed="space", id=one.pk).payload()
        == {"type": "feed.subscribed", "feed": "space", "id": one.pk}
    )
    await subscribed(w, feed="wall", id=author.pk)
    in_one = await create_post(actor=author, body="In one", space=one)
    await create_post(actor=author, body="In other", space=other)
    on_wall = await create_post(actor=author, body="On my wall")
    assert [f["post_id"] for f in await feed_frames(s)] == [in_one.pk]
    assert [f["post_id"] for f in await feed_frames(w)] == [on_wall.pk]
    await s.send_json_to({"type": "feed.unsubscribe"})
    await next_of_type(s, "feed.unsubscribed")
    await create_post(actor=author, body="Later", space=one)
    assert await feed_frames(s) == []
    await s.disconnect()
    await w.disconnect()


async def test_a_guest_sees_only_posts_of_spaces_they_are_in() -> None:
    author = await amake_user()
    guest = await sync_to_async(make_guest)()
    theirs = await amake_space(kind="private", members=(author, guest))
    org = await sync_to_async(space_queries.organisation_space)()
    g = await connected(guest)
    await subscribed(g, feed="home")
    await create_post(actor=author, body="On my wall")  # a guest does not see profile walls
    await create_post(
        actor=author, body="Open", space=await amake_space(kind="open", members=(author,))
    )
    staff = await amake_user(role="staff")
    await create_post(actor=staff, body="To everyone", space=org)
    post = await create_post(actor=author, body="Ours", space=theirs)
    assert [f["post_id"] for f in await feed_frames(g)] == [post.pk]
    await g.disconnect()


async def test_bad_subscriptions_are_refused_and_change_nothing() -> None:
    person = await amake_user()
    p = await connected(person)
    for frame in (
        {"type": "feed.subscribe", "feed": "planet"},
        {"type": "feed.subscribe", "feed": "home", "filter": "nope"},
        {"type": "feed.subscribe", "feed": "space", "id": "7"},
        {"type": "feed.subscribe", "feed": "wall", "id": True},
    ):
        await p.send_json_to(frame)
        assert (await next_of_type(p, "error"))["code"] == "invalid"
    await p.send_json_to({"type": "feed.subscribe", "feed": "wall", "id": 987654})
    assert (await next_of_type(p, "error"))["code"] == "not_found"
    await p.disconnect()


async def test_a_deactivated_person_stops_getting_the_feed_and_a_new_guest_sees_less() -> None:
    from cercle.accounts.actions.people import deactivate_person, set_role

    admin = await amake_user(role="admin")
    author, reader, later_guest = await amake_user(), await amake_user(), await amake_user()
    space = await amake_space(kind="open", members=(author,))
    r, g = await connected(reader), await connected(later_guest)
    await subscribed(r, feed="space", id=space.pk)
    await subscribed(g, feed="wall", id=author.pk)
    await sync_to_async(deactivate_person)(actor=admin, person=reader)
    # The deactivated person's feed stops, and then their socket is closed.
    output = await r.receive_output(timeout=5)
    while output["type"] != "websocket.close":
        frame = json.loads(output["text"])
        assert frame["type"] != "feed.new"
        output = await r.receive_output(timeout=5)
    assert output["code"] == 4401
    await sync_to_async(set_role)(actor=admin, person=later_guest, role="guest")
    await drain(g, timeout=0.3)
    await create_post(actor=author, body="In the open space", space=space)
    await create_post(actor=author, body="On my wall")  # guests do not see others' walls
    assert await feed_frames(g) == []
    await g.disconnect()


async def test_a_huge_id_is_not_found() -> None:
    p = await connected(await amake_user())
    for feed in ("space", "wall"):
        await p.send_json_to({"type": "feed.subscribe", "feed": feed, "id": 10**20})
        assert (await next_of_type(p, "error"))["code"] == "not_found"
    await p.disconnect()
