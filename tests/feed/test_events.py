"""`feed.new`: who it is sent to (a few groups, whatever the audience), and the socket's rule
(`may_see`) agreeing with `cercle.feed.queries` for every kind of space and person."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from cercle.accounts.actions.profiles import follow_person
from cercle.announcements.events import ANNOUNCEMENTS_GROUP
from cercle.core.realtime import user_group
from cercle.core.text import normalize_hashtag
from cercle.feed import actions, events, queries
from cercle.feed.events import route_of
from cercle.spaces import actions as space_actions
from cercle.spaces import queries as space_queries
from tests.factories import add_member, make_guest, make_post, make_space, make_user
from tests.helpers.visibility import KINDS, ROLES, build

pytestmark = pytest.mark.django_db


class Listener:
    """A channel on some groups, collecting every layer message sent to it."""

    def __init__(self, *groups: str) -> None:
        layer = get_channel_layer()
        assert layer is not None
        self.layer = layer
        self.channel = async_to_sync(layer.new_channel)()
        for group in groups:
            async_to_sync(layer.group_add)(group, self.channel)

    def messages(self) -> list[dict[str, Any]]:
        async def collect() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = []
            while True:
                try:
                    found.append(await asyncio.wait_for(self.layer.receive(self.channel), 0.05))
                except TimeoutError:
                    return found

        return async_to_sync(collect)()

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages() if m["type"] == kind]


@pytest.fixture
def sends(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every group_send of a `feed.*` message made by the channel layer, by group name (the
    notifications' own fan-out, a background task, is not counted here)."""
    layer = get_channel_layer()
    assert layer is not None
    original = layer.group_send
    made: list[str] = []

    async def counted(group: str, message: dict[str, Any]) -> None:
        if message["type"].startswith("feed."):
            made.append(group)
        await original(group, message)

    monkeypatch.setattr(layer, "group_send", counted)
    return made


def audience_of(person: Any) -> queries.Audience:
    return queries.Audience(
        user_id=person.pk,
        is_admin=person.is_admin,
        is_guest=person.is_guest,
        member_space_ids=frozenset(space_queries.member_space_ids(person)),
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", [r for r in ROLES if r != "deactivated"])
def test_the_sockets_rule_agrees_with_the_feed_queries(kind: str, role: str) -> None:
    post, person = build(kind, role)
    route = route_of(post, hashtag_ids=[], mention_ids=[])
    assert queries.may_see(audience_of(person), route) is queries.can(person, "see", post)


@pytest.mark.parametrize("who", ["author", "colleague", "guest", "admin"])
def test_the_sockets_rule_agrees_on_profile_walls(who: str) -> None:
    author = make_user()
    post = make_post(author=author, body="On my wall")
    person = {
        "author": author,
        "colleague": make_user(),
        "guest": make_guest(),
        "admin": make_user(role="admin"),
    }[who]
    route = route_of(post, hashtag_ids=[], mention_ids=[])
    assert queries.may_see(audience_of(person), route) is queries.can(person, "see", post)


def test_a_post_goes_to_its_space_author_hashtag_and_mentioned_after_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    author, mentioned, outsider = make_user(), make_user(username="mia"), make_user()
    space = make_space(kind="private", members=(author, mentioned))
    listener = Listener(
        events.space_group(space.pk),
        events.author_group(author.pk),
        user_group(mentioned.pk),
        user_group(outsider.pk),
    )
    with django_capture_on_commit_callbacks(execute=True):
        post = actions.create_post(actor=author, body="Hi @mia #Roadmap", space=space)
    new = listener.of_type("feed.new")
    # Three groups reached the listener (space, author, mia's user group); one message each.
    assert len(new) == 3
    assert new[0]["event"] == {
        "type": "feed.new",
        "post_id": post.pk,
        "space_id": space.pk,
        "author_id": author.pk,
        "wall_owner_id": None,
    }
    assert new[0]["public"] is False
    assert new[0]["mention_ids"] == [mentioned.pk]
    hashtag = post.hashtags.get()
    assert hashtag.normalized_name == normalize_hashtag("Roadmap")
    assert new[0]["hashtag_ids"] == [hashtag.pk]


def test_nothing_is_sent_when_the_post_is_rolled_back(sends: list[str]) -> None:
    author = make_user()
    space = make_space(kind="open", members=(author,))
    with transaction.atomic():
        actions.create_post(actor=author, body="Draft", space=space)
        transaction.set_rollback(True)
    assert sends == []


def test_the_number_of_sends_does_not_grow_with_the_audience(
    sends: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    author = make_user()
    small = make_space(kind="open", members=(author,))
    large = make_space(kind="open", members=(author, *[make_user() for _ in range(60)]))
    with django_capture_on_commit_callbacks(execute=True):
        actions.create_post(actor=author, body="Hello few", space=small)
    for_small = list(sends)
    sends.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.create_post(actor=author, body="Hello many", space=large)
    assert len(sends) == len(for_small) == 2  # the space's group and the author's
    assert sorted(sends) == sorted([events.space_group(large.pk), events.author_group(author.pk)])


def test_a_share_is_announced_like_a_post(django_capture_on_commit_callbacks: Any) -> None:
    author, sharer = make_user(), make_user()
    post = make_post(author=author, body="Worth reading")
    listener = Listener(events.author_group(sharer.pk), events.wall_group(sharer.pk))
    with django_capture_on_commit_callbacks(execute=True):
        share = actions.share_post(actor=sharer, post=post, body="Read this")
    new = listener.of_type("feed.new")
    assert [m["event"]["post_id"] for m in new] == [share.pk, share.pk]
    assert new[0]["event"]["wall_owner_id"] == sharer.pk and new[0]["public"] is True


def test_membership_and_follows_tell_the_persons_sockets_to_resync(
    django_capture_on_commit_callbacks: Any,
) -> None:
    person, other = make_user(), make_user()
    space = make_space(kind="open")
    listener = Listener(user_group(person.pk))
    with django_capture_on_commit_callbacks(execute=True):
        space_actions.join_space(actor=person, space=space)
    with django_capture_on_commit_callbacks(execute=True):
        space_actions.leave_space(actor=person, space=space)
    with django_capture_on_commit_callbacks(execute=True):
        space_actions.follow_space(actor=person, space=space)
    with django_capture_on_commit_callbacks(execute=True):
        follow_person(actor=person, person=other)
    hashtag = make_post(author=other, body="#Lean").hashtags.get()
    with django_capture_on_commit_callbacks(execute=True):
        actions.follow_hashtag(actor=person, hashtag=hashtag)
    assert len(listener.of_type("feed.resync")) == 5


def test_a_space_turned_private_tells_its_readers_to_resync(
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner = make_user()
    space = make_space(kind="open", owner=owner)
    listener = Listener(events.space_group(space.pk))
    with django_capture_on_commit_callbacks(execute=True):
        space_actions.update_space(
            actor=owner,
            space=space,
            name=space.name,
            description="",
            kind="private",
            modules=["wall"],
        )
    assert len(listener.of_type("feed.resync")) == 1


def test_home_plan_follows_the_home_feed_rules() -> None:
    person = make_user()
    mine = make_space(kind="secret", members=(person,))
    followed_space = make_space(kind="open")
    space_actions.follow_space(actor=person, space=followed_space)
    colleague = make_user()
    follow_person(actor=person, person=colleague)
    org = space_queries.organisation_space()

    plan, audience = queries.load_plan(person.pk, "home", None, "all")
    assert plan.space_ids == {mine.pk, followed_space.pk, org.pk}
    assert plan.author_ids == {colleague.pk} and plan.wall_ids == {person.pk}
    assert audience.member_space_ids == {mine.pk}
    spaces_only, _ = queries.load_plan(person.pk, "home", None, "spaces")
    assert spaces_only.space_ids == {mine.pk, org.pk} and not spaces_only.author_ids
    following, _ = queries.load_plan(person.pk, "home", None, "following")
    assert following.author_ids == {colleague.pk} and not following.space_ids
    mentions, _ = queries.load_plan(person.pk, "home", None, "mentions")
    # Mentions come through `user.<id>`; only the announcements' group is joined (any home page).
    assert mentions.groups() == {ANNOUNCEMENTS_GROUP}
    assert mentions.mentions_of == person.pk

    guest = make_guest()
    add_member(mine, guest)
    guest_plan, _ = queries.load_plan(guest.pk, "home", None, "spaces")
    assert guest_plan.space_ids == {mine.pk}  # no organisation space for a guest


def test_a_space_plan_is_refused_to_who_cannot_read_the_wall() -> None:
    outsider = make_user()
    secret = make_space(kind="secret")
    with pytest.raises(queries.NotFound):
        queries.load_plan(outsider.pk, "space", secret.pk, "all")
    with pytest.raises(queries.NotFound):
        queries.load_plan(outsider.pk, "space", 987654, "all")
    with pytest.raises(queries.NotFound):
        queries.load_plan(outsider.pk, "wall", 987654, "all")
    plan, _ = queries.load_plan(outsider.pk, "space", make_space(kind="open").pk, "all")
    assert len(plan.groups()) == 1
