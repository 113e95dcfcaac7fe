"""Each comment and reply shows its author's avatar (the profile partial, smaller than a post's):
the photo when there is one, the initials otherwise, loaded with the comments (no query per
comment)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cercle.accounts.models import Profile
from cercle.feed import actions
from tests.factories import make_post, make_space, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def comment_html(page: str, comment_id: int) -> str:
    found = re.search(
        rf'<article class="comment" id="comment-{comment_id}">(.*?)</article>', page, re.S
    )
    assert found is not None
    return found.group(1)


def test_comments_and_replies_show_their_authors_avatar() -> None:
    me = make_user()
    anne = make_user(first_name="Anne", last_name="Martin")
    bruno = make_user(first_name="Bruno", last_name="Petit")
    Profile.objects.filter(user=anne).update(photo="photos/2026/11/anne.png")
    space = make_space(members=(me, anne, bruno))
    post = make_post(author=me, space=space)
    top = actions.add_comment(actor=anne, post=post, body="First")
    reply = actions.add_comment(actor=bruno, post=post, body="Answer", parent=top)
    page = client_for(me).get(f"/posts/{post.pk}/").content.decode()
    with_photo = comment_html(page, top.pk)
    # The photo, decorative (the name is beside it), small.
    assert re.search(
        r'<img class="avatar avatar-xs" src="[^"]*photos/2026/11/anne\.png" alt=""', with_photo
    )
    without = comment_html(page, reply.pk)
    assert '<span class="avatar avatar-xs" aria-hidden="true">BP</span>' in without
    # The avatar comes before the name, both in the comment.
    assert without.index("avatar-xs") < without.index("Bruno Petit")


def test_an_author_without_a_profile_gets_initials() -> None:
    me, carla = make_user(), make_user(first_name="Carla", last_name="Roux")
    space = make_space(members=(me, carla))
    post = make_post(author=me, space=space)
    comment = actions.add_comment(actor=carla, post=post, body="Hi")
    Profile.objects.filter(user=carla).delete()
    response = client_for(me).get(f"/posts/{post.pk}/")
    assert response.status_code == 200
    html = comment_html(response.content.decode(), comment.pk)
    assert '<span class="avatar avatar-xs" aria-hidden="true">CR</span>' in html


def _queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_avatars_cost_no_query_per_comment() -> None:
    me = make_user()
    people = [make_user() for _ in range(4)]
    for n, person in enumerate(people[:2]):
        Profile.objects.filter(user=person).update(photo=f"photos/2026/11/p{n}.png")
    space = make_space(members=(me, *people))
    few, many = make_post(author=me, space=space), make_post(author=me, space=space)
    for post, count in ((few, 2), (many, 40)):
        top = None
        for i in range(count):
            comment = actions.add_comment(
                actor=people[i % 4], post=post, body=f"c{i}", parent=top if i % 2 else None
            )
            top = top or comment
    client = client_for(me)
    assert _queries(client, f"/posts/{few.pk}/") == _queries(client, f"/posts/{many.pk}/")
    page = client.get(f"/posts/{many.pk}/").content.decode()
    assert page.count('class="avatar avatar-xs"') == 40
