"""A space wall's first page and its pinned posts come from a query built once per `wall_shape`
(`queries.space_page`, `queries.pinned_cards`, `core.compiled.ShapedQuery`): the same posts as
`space_posts` / `pinned_posts` built for each person and space, whoever they are and whatever the
space; never one space's or person's posts on another's wall; the next page follows on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cercle.documents.activity import FILES_ADDED
from cercle.feed import queries
from cercle.feed.models import Post
from cercle.feed.queries.pages import _WALL_IDS
from cercle.spaces.models import Membership
from cercle.spaces.queries import organisation_space
from tests.factories import add_member, make_admin, make_guest, make_post, make_space, make_user

pytestmark = pytest.mark.django_db


def _expected_wall(user: Any, space: Any, limit: int) -> list[int]:
    posts = queries.space_posts(user, space).filter(pinned_at__isnull=True)
    return list(posts.values_list("pk", flat=True)[:limit])


def _expected_pinned(user: Any, space: Any, limit: int) -> list[int]:
    return list(queries.pinned_posts(user, space).values_list("pk", flat=True)[:limit])


def _post(author: Any, space: Any, body: str) -> Any:
    # Written directly: whoever may post where is not this test's question.
    return Post.objects.create(author=author, space=space, body=body, body_html=body)


def _fill(space: Any, owner: Any, member: Any, moderator: Any) -> list[Any]:
    """Posts of every sort on `space`'s wall: plain, hidden (another's and the member's own),
    an activity post, three pinned (one hidden)."""
    posts = [_post(owner, space, f"n°{n}") for n in range(3)]
    posts.append(_post(member, space, "mine, hidden"))
    posts.append(_post(moderator, space, "someone's, hidden"))
    posts.append(_post(owner, space, "files added"))
    posts += [_post(owner, space, f"pinned {n}") for n in range(3)]
    now = timezone.now()
    Post.objects.filter(pk__in=[posts[3].pk, posts[4].pk, posts[8].pk]).update(hidden_at=now)
    Post.objects.filter(pk=posts[5].pk).update(activity_kind=FILES_ADDED)
    for n, post in enumerate(posts[6:]):
        # The oldest pinned last: pinned order is not the order of writing.
        Post.objects.filter(pk=post.pk).update(pinned_at=now - timedelta(minutes=n))
    return posts


def test_the_wall_is_space_posts_for_every_person_and_space() -> None:
    owner, member, moderator, removed = make_user(), make_user(), make_user(), make_user()
    guest, guest_outsider = make_guest(), make_guest()
    admin, staff, outsider = make_admin(), make_user(role="staff"), make_user()
    deactivated = make_user()
    spaces = {
        "open": make_space(owner=owner, kind="open"),
        "request": make_space(owner=owner, kind="request"),
        "private": make_space(owner=owner, kind="private"),
        "secret": make_space(owner=owner, kind="secret"),
        "archived": make_space(owner=owner, kind="private"),
        "files off": make_space(owner=owner, kind="open", module_settings={"documents": False}),
    }
    spaces["organisation"] = organisation_space()
    add_member(spaces["organisation"], owner, "owner")
    for space in spaces.values():
        for person, role in ((member, "member"), (moderator, "moderator"), (guest, "member")):
            add_member(space, person, role)
        add_member(space, removed)
        add_member(space, deactivated)
        _fill(space, owner, member, moderator)
        _post(removed, space, "before leaving")
        # Removed, and deactivated: their posts stay, their reading goes.
        Membership.objects.filter(space=space, user=removed).delete()
    spaces["archived"].archived_at = timezone.now()
    spaces["archived"].save(update_fields=["archived_at"])
    deactivated.is_active = False
    deactivated.save(update_fields=["is_active"])
    people = {
        "owner": owner,
        "member": member,
        "moderator": moderator,
        "removed": removed,
        "guest member": guest,
        "guest outsider": guest_outsider,
        "admin": admin,
        "staff": staff,
        "outsider": outsider,
        "deactivated": deactivated,
    }
    seen_some = set()
    for kind, space in spaces.items():
        for name, person in people.items():
            viewer = queries.Viewer.of(person)
            for limit in (2, 20):
                page = queries.space_page(viewer, space, cursor=None, limit=limit)
                shown = [card.post.pk for card in page.items]
                assert shown == _expected_wall(person, space, limit), (kind, name, limit)
                assert (page.next_cursor is not None) == (
                    len(_expected_wall(person, space, limit + 1)) > limit
                ), (kind, name, limit)
                pinned = [card.post.pk for card in queries.pinned_cards(viewer, space, limit)]
                assert pinned == _expected_pinned(person, space, limit), (kind, name, limit)
                # The API's wall: pinned posts among the others, as `paginate(space_posts)`.
                whole = queries.space_wall_page(viewer, space, cursor=None, limit=limit)
                built = queries.paginate(
                    queries.space_posts(person, space), viewer, cursor=None, limit=limit
                )
                assert [c.post.pk for c in whole.items] == [c.post.pk for c in built.items]
                assert whole.next_cursor == built.next_cursor, (kind, name, limit)
                if shown:
                    seen_some.add((kind, name))
    # The matrix is not empty everywhere, nor full everywhere.
    assert ("secret", "member") in seen_some and ("secret", "outsider") not in seen_some
    assert ("private", "removed") not in seen_some and ("open", "removed") in seen_some
    assert ("open", "guest outsider") not in seen_some and ("secret", "admin") in seen_some
    assert not any(name == "deactivated" for _, name in seen_some)
    # Each space's own posts: the same SQL (one shape) for the member on every plain space.
    member_viewer = queries.Viewer.of(member)
    for space in spaces.values():
        page = queries.space_page(member_viewer, space, cursor=None)
        assert {card.post.space_id for card in page.items} <= {space.pk}
    # The hidden posts: the moderator sees them, the member only their own.
    open_space = spaces["open"]
    hidden = set(
        Post.objects.filter(space=open_space, hidden_at__isnull=False).values_list("pk", flat=True)
    )
    by_moderator = queries.space_page(queries.Viewer.of(moderator), open_space, cursor=None)
    by_member = queries.space_page(member_viewer, open_space, cursor=None)
    assert hidden - {c.post.pk for c in by_moderator.items} == {
        p for p in hidden if Post.objects.get(pk=p).pinned_at is not None
    }
    assert {c.post.pk for c in by_member.items} & hidden == {
        p for p in hidden if Post.objects.get(pk=p).author_id == member.pk
    }
    # The activity post is left out where the documents module is off, and only there.
    activity = Post.objects.filter(activity_kind=FILES_ADDED)
    shown_off = {
        c.post.pk for c in queries.space_page(member_viewer, spaces["files off"], cursor=None).items
    }
    shown_on = {c.post.pk for c in by_member.items}
    assert not shown_off & set(activity.values_list("pk", flat=True))
    assert activity.get(space=open_space).pk in shown_on


def test_one_query_built_per_shape_not_per_space_or_person() -> None:
    first, second = make_user(), make_user()
    spaces = [make_space(owner=first, kind="open", members=(second,)) for _ in range(3)]
    for space in spaces:
        make_post(author=first, space=space)
    _WALL_IDS._compiled.clear()
    for space in spaces:
        for person in (first, second):
            viewer = queries.Viewer.of(person)
            queries.space_page(viewer, space, cursor=None)
            queries.pinned_cards(viewer, space)
    # The owner moderates, the member does not; the page and the pinned posts: four queries.
    assert len(_WALL_IDS._compiled) == 4
    for space in spaces:
        for person in (first, second):
            queries.space_wall_page(queries.Viewer.of(person), space, cursor=None)
    assert len(_WALL_IDS._compiled) == 6  # and the API's whole wall, per shape


def test_the_api_s_wall_follows_on_and_costs_the_same_queries_for_2_and_12_posts(
    client: Any,
) -> None:
    author, reader = make_user(), make_user()
    space = make_space(owner=author, kind="private", members=(reader,))
    client.force_login(reader)
    made = [make_post(author=author, space=space, body=f"n°{n}") for n in range(2)]

    def get(query: str = "") -> tuple[Any, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1/spaces/{space.pk}/posts{query}")
            assert response.status_code == 200, response.content
        return response.json(), len(captured)

    get()  # the first request of a session writes its "last seen"
    _, few = get()
    made += [make_post(author=author, space=space, body=f"n°{n}") for n in range(2, 12)]
    Post.objects.filter(pk=made[3].pk).update(pinned_at=timezone.now())
    get()  # the new posts' views are written once
    body, many = get()
    assert many == few
    assert [item["id"] for item in body["items"]] == [p.pk for p in reversed(made)]
    first, _ = get("?limit=5")
    second, _ = get(f"?limit=5&cursor={first['next_cursor']}")
    assert [i["id"] for i in first["items"] + second["items"]] == [p.pk for p in reversed(made[2:])]
    assert client.get(f"/api/v1/spaces/{space.pk}/posts?cursor=x").status_code == 400
    client.force_login(make_user())
    assert client.get(f"/api/v1/spaces/{space.pk}/posts").status_code == 404


def test_the_next_page_follows_on_from_the_compiled_first_page() -> None:
    author, reader = make_user(), make_user()
    space = make_space(owner=author, kind="private", members=(reader,))
    made = [make_post(author=author, space=space, body=f"n°{n}") for n in range(6)]
    Post.objects.filter(pk=made[2].pk).update(pinned_at=timezone.now())
    viewer = queries.Viewer.of(reader)
    first = queries.space_page(viewer, space, cursor=None, limit=2)
    assert [c.post.pk for c in first.items] == [made[5].pk, made[4].pk]
    assert first.next_cursor is not None
    second = queries.space_page(viewer, space, cursor=first.next_cursor, limit=2)
    assert [c.post.pk for c in second.items] == [made[3].pk, made[1].pk]
    third = queries.space_page(viewer, space, cursor=second.next_cursor, limit=2)
    assert [c.post.pk for c in third.items] == [made[0].pk] and third.next_cursor is None
    whole = queries.space_page(viewer, space, cursor=None, limit=5)
    assert whole.next_cursor is None and len(whole.items) == 5
    assert [c.post.pk for c in queries.pinned_cards(viewer, space)] == [made[2].pk]


def test_the_wall_page_shows_the_compiled_posts(client: Any) -> None:
    author, reader = make_user(), make_user()
    space = make_space(owner=author, kind="secret", members=(reader,))
    made = [make_post(author=author, space=space, body=f"Message n°{n}") for n in range(3)]
    Post.objects.filter(pk=made[0].pk).update(pinned_at=timezone.now())
    client.force_login(reader)
    body = client.get(f"/spaces/{space.slug}/").content.decode()
    assert "Message n°2" in body and "Message n°1" in body and "Message n°0" in body
    client.force_login(make_user())
    body = client.get(f"/spaces/{space.slug}/").content.decode()
    assert "Message n°" not in body
