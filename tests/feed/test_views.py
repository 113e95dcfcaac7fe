"""Wall pages: the home feed and its filters, cursors, a post, comments, reactions, sharing,
and fixed query counts whatever the number of items."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from cercle.feed import actions
from cercle.feed.models import Post, Reaction
from cercle.spaces import queries as space_queries
from tests.factories import add_member, make_guest, make_post, make_space, make_user
from tests.helpers.clients import client_for
from tests.helpers.visibility import EXPECTED, build

pytestmark = pytest.mark.django_db


def fill(space: Any, n: int, *, comments: int = 0, reactions: int = 0) -> None:
    people = [make_user() for _ in range(3)]
    for person in people:
        add_member(space, person)
    for i in range(n):
        post = make_post(
            author=people[i % 3], space=space, body=f"Post {i} @{people[0].username} #t"
        )
        for j in range(comments):
            actions.add_comment(actor=people[j % 3], post=post, body=f"c{j}")
        for person in people[:reactions]:
            actions.react(actor=person, post=post, kind="like")


def test_home_feed_shows_my_spaces_and_filters() -> None:
    me = make_user(username="me")
    mine = make_space(members=(me,), name="Mine")
    theirs = make_space(kind="private", name="Theirs")
    make_post(space=mine, body="In my space")
    make_post(space=theirs, body="Not for me")
    mention = make_post(space=mine, body="Hey @me")
    client = client_for(me)
    page = client.get("/")
    assert page.status_code == 200
    assert b"In my space" in page.content and b"Not for me" not in page.content
    mentions = client.get("/?filter=mentions")
    assert b"Hey" in mentions.content and b"In my space" not in mentions.content
    assert mention.pk
    assert client.get("/?filter=bogus").status_code == 200
    assert client.get("/?cursor=garbage").status_code == 400


def test_cursor_pagination_walks_every_post_once() -> None:
    me = make_user()
    space = make_space(members=(me,))
    for i in range(45):
        make_post(author=me, space=space, body=f"number-{i:02d}")
    client = client_for(me)
    seen: list[str] = []
    pages = 0
    url = f"/spaces/{space.slug}/"
    for _ in range(5):
        response = client.get(url)
        text = response.content.decode()
        seen += re.findall(r"number-\d\d", text)
        pages += 1
        more = re.search(r'rel="next" href="\?cursor=([^"]+)"', text)
        if more is None:
            break
        url = f"/spaces/{space.slug}/?cursor={more.group(1)}"
    assert len(seen) == 45 and len(set(seen)) == 45
    assert pages == 3


def test_more_posts_partial_for_htmx() -> None:
    me = make_user()
    space = make_space(members=(me,))
    for i in range(25):
        make_post(author=me, space=space, body=f"p{i}")
    client = client_for(me)
    first = client.get(f"/spaces/{space.slug}/").content.decode()
    more = re.search(r'rel="next" href="\?cursor=([^"]+)"', first)
    assert more is not None
    cursor = more.group(1)
    partial = client.get(f"/spaces/{space.slug}/?cursor={cursor}", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert b"<html" not in partial.content and b"p0" in partial.content


def test_new_posts_notice() -> None:
    me, other = make_user(), make_user()
    space = make_space(members=(me, other))
    since = "2000-01-01T00:00:00+00:00"
    make_post(author=other, space=space, body="fresh")
    make_post(author=me, space=space, body="mine does not count")
    response = client_for(me).get("/feed/new/", {"filter": "all", "since": since})
    assert "1 new post" in response.content.decode()
    assert client_for(me).get("/feed/new/", {"since": "nonsense"}).status_code == 200


def test_post_page_comment_react_and_share_through_forms() -> None:
    author, bob = make_user(), make_user()
    space = make_space(owner=author, members=(bob,))
    post = make_post(author=author, space=space, body="Hello")
    client = client_for(bob)
    assert client.post(f"/posts/{post.pk}/comments/", {"body": "Nice"}).status_code == 302
    response = client.post(f"/posts/{post.pk}/react/", {"kind": "love"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b'aria-pressed="true"' in response.content
    assert Reaction.objects.get(post=post, user=bob).kind == "love"
    page = client.get(f"/posts/{post.pk}/")
    assert b"Nice" in page.content
    # Empty comment: a message, nothing written.
    client.post(f"/posts/{post.pk}/comments/", {"body": "  "})
    post.refresh_from_db()
    assert post.comment_count == 1
    # Share to a private space with guests: refused with a clear message at the form.
    guest_space = make_space(kind="private", members=(bob, make_guest()))
    refused = client.post(
        f"/posts/{post.pk}/share/", {"target": str(guest_space.pk), "body": "look"}
    )
    assert refused.status_code == 400
    assert "cannot see the original" in refused.content.decode()
    ok = client.post(f"/posts/{post.pk}/share/", {"target": "wall", "body": "look"})
    assert ok.status_code == 302
    assert Post.objects.filter(shared_from=post, author=bob).count() == 1


def test_edit_page_and_history() -> None:
    author = make_user()
    post = make_post(author=author, body="v1")
    client = client_for(author)
    assert client.post(f"/posts/{post.pk}/edit/", {"body": ""}).status_code == 400
    assert client.post(f"/posts/{post.pk}/edit/", {"body": "v2"}).status_code == 302
    history = client.get(f"/posts/{post.pk}/history/").content.decode()
    assert "v1" in history and "v2" in history
    assert client_for(make_user()).get(f"/posts/{post.pk}/edit/").status_code == 403


def test_hashtag_page_lists_visible_posts_only() -> None:
    me = make_user()
    make_post(author=me, body="Public #Climat")
    make_post(space=make_space(kind="private"), body="Hidden #climat")
    page = client_for(me).get("/hashtags/climat/")
    assert b"Public" in page.content and b"Hidden" not in page.content
    assert client_for(me).get("/hashtags/nothing-here/").status_code == 404


def test_profile_wall() -> None:
    anne = make_user(username="anne")
    make_post(author=anne, body="On my wall")
    page = client_for(make_user()).get("/people/anne/wall/")
    assert b"On my wall" in page.content
    assert b"On my wall" not in client_for(make_guest()).get("/people/anne/wall/").content


@pytest.mark.parametrize(("kind", "role"), list(EXPECTED))
def test_matrix_over_pages(kind: str, role: str) -> None:
    post, person = build(kind, role)
    want = EXPECTED[(kind, role)]
    if not person.is_active:
        client = Client()
        client.force_login(person)
        # Deactivated: logged out by the auth backend, sent to log in.
        assert client.get(f"/posts/{post.pk}/").status_code == 302
        return
    client = client_for(person)
    status = client.get(f"/posts/{post.pk}/").status_code
    assert status == (200 if want["see"] else 404)
    response = client.post(f"/posts/{post.pk}/comments/", {"body": "hi"})
    assert post.comments.filter(author=person).exists() is want["comment"]
    assert response.status_code in (302, 404)
    response = client.post(f"/posts/{post.pk}/pin/", {"pinned": "1"})
    post.refresh_from_db()
    assert (post.pinned_at is not None) is want["pin"]
    client.post(f"/posts/{post.pk}/delete/")
    assert (not Post.objects.filter(pk=post.pk).exists()) is want["delete"]


@pytest.mark.parametrize("n", [2, 20])
def test_space_wall_query_count_is_fixed(django_assert_max_num_queries: Any, n: int) -> None:
    me = make_user()
    space = make_space(members=(me,))
    fill(space, n, comments=2, reactions=3)
    client = client_for(me)
    client.get(f"/spaces/{space.slug}/")  # warm the session and caches
    # +4: the side navigation's two lists (one query each), the space marked seen, my favourite;
    # +1: the agenda's coming events of the space (a space panel, `spaces.registry`).
    with django_assert_max_num_queries(29):
        response = client.get(f"/spaces/{space.slug}/")
    assert response.status_code == 200


@pytest.mark.parametrize("n", [2, 20])
def test_home_feed_query_count_is_fixed(django_assert_max_num_queries: Any, n: int) -> None:
    me = make_user()
    space = make_space(members=(me,))
    fill(space, n, comments=1, reactions=3)
    make_post(author=make_user(role="staff"), space=space_queries.organisation_space())
    client = client_for(me)
    client.get("/")
    # +2: the side navigation's two lists (my spaces, my conversations), one query each;
    # +1: the featured news (a home panel, `cercle.core.panels`);
    # +0: the admins' composition of the home and the header (`cercle.homepage`), cached.
    with django_assert_max_num_queries(24):
        response = client.get("/")
    assert response.status_code == 200
    assert response.content.count(b'class="card post"') == min(n + 1, 20)


@pytest.mark.parametrize("n", [5, 200])
def test_post_with_many_comments_query_count_is_fixed(
    django_assert_max_num_queries: Any, n: int
) -> None:
    me = make_user()
    space = make_space(members=(me,))
    post = make_post(author=me, space=space)
    people = [make_user() for _ in range(4)]
    for person in people:
        add_member(space, person)
    top = None
    for i in range(n):
        parent = top if i % 2 else None
        comment = actions.add_comment(actor=people[i % 4], post=post, body=f"c{i}", parent=parent)
        top = top or comment
    client = client_for(me)
    client.get(f"/posts/{post.pk}/")
    # +2: the side navigation's two lists (my spaces, my conversations), one query each.
    with django_assert_max_num_queries(20):
        response = client.get(f"/posts/{post.pk}/")
    assert response.content.count(b'class="comment"') == n


def test_seen_by_is_counted_and_shown_to_the_author_only() -> None:
    author = make_user()
    space = make_space(owner=author)
    readers = [make_user() for _ in range(3)]
    for person in readers:
        add_member(space, person)
    post = make_post(author=author, space=space, body="Read me")
    for person in readers:
        client_for(person).get(f"/spaces/{space.slug}/")
    client_for(readers[0]).get(f"/posts/{post.pk}/")  # seen twice: counted once
    client_for(author).get(f"/spaces/{space.slug}/")  # the author does not count
    assert "Seen by 3" in client_for(author).get(f"/spaces/{space.slug}/").content.decode()
    assert "Seen by" not in client_for(readers[1]).get(f"/spaces/{space.slug}/").content.decode()
    api_post = client_for(author).get(f"/api/v1/posts/{post.pk}").json()
    assert api_post["seen_by"] == 3
    assert client_for(readers[1]).get(f"/api/v1/posts/{post.pk}").json()["seen_by"] is None


def _queries_for(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_query_counts_do_not_grow_with_the_number_of_items() -> None:
    me = make_user()
    small, big = make_space(members=(me,)), make_space(members=(me,))
    fill(small, 2, comments=1, reactions=2)
    fill(big, 20, comments=3, reactions=3)
    client = client_for(me)
    assert _queries_for(client, f"/spaces/{small.slug}/") == _queries_for(
        client, f"/spaces/{big.slug}/"
    )
    one = Post.objects.filter(space=small).first()
    many = Post.objects.filter(space=big).first()
    assert one is not None and many is not None
    assert _queries_for(client, f"/posts/{one.pk}/") == _queries_for(client, f"/posts/{many.pk}/")


def test_mention_suggestions() -> None:
    me = make_user()
    make_user(username="anne.martin", first_name="Anne", last_name="Martin")
    make_user(username="annie", first_name="Annie", last_name="Zed", is_active=False)
    found = client_for(me).get("/feed/mentions/?q=@ann").json()["items"]
    assert [p["username"] for p in found] == ["anne.martin"]
    assert client_for(me).get("/feed/mentions/?q=").json() == {"items": []}


def test_the_wall_composer_and_its_action_agree_for_a_guest() -> None:
    guest = make_guest(username="visitor")
    space = make_space(kind="private", members=(guest,))
    client = client_for(guest)
    for page in ("/", "/people/visitor/wall/"):
        assert b'id="composer-body"' not in client.get(page).content, page
    response = client.post("/posts/", {"body": "On my wall?"})
    assert response.status_code == 302
    assert not Post.objects.filter(author=guest).exists()
    client.post("/posts/", {"body": "In our space", "space": space.pk})
    assert list(Post.objects.filter(author=guest).values_list("space", flat=True)) == [space.pk]
    member = make_user(username="member")
    for page in ("/", "/people/member/wall/"):
        assert b'id="composer-body"' in client_for(member).get(page).content, page
