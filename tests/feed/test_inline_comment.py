"""Each feed card (home, space walls, profile walls) has an inline "Write a comment…" field posted
with htmx to the comment view: the answer is the new comment (with its author's avatar) and the
card's comment count out of band; refusals answer a plain-text reason and create nothing;
without JavaScript the form posts and comes back to the page. No query per card (review 2, #10)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cercle.feed import actions
from cercle.feed.models import Comment, Post
from cercle.feed.text import MAX_BODY
from cercle.spaces.models import Space
from tests.factories import add_member, make_post, make_space, make_user

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def inline_form(page: str, post_id: int) -> str | None:
    found = re.search(
        rf'<form class="inline-comment" method="post" action="/posts/{post_id}/comments/"'
        r"(.*?)</form>",
        page,
        re.S,
    )
    return found.group(0) if found else None


def test_htmx_post_adds_the_comment_and_answers_the_fragment() -> None:
    me = make_user(first_name="Anne", last_name="Martin")
    space = make_space(members=(me,))
    post = make_post(space=space, body="Lunch?")
    response = client_for(me).post(
        f"/posts/{post.pk}/comments/", {"body": "Count me in", "next": "/"}, headers=HTMX
    )
    assert response.status_code == 200
    comment = Comment.objects.get(post=post)
    assert comment.author == me and comment.body == "Count me in"
    html = response.content.decode()
    # The comment partial, with its author's avatar, in a list item for the card's list.
    assert html.startswith(f'<li><article class="comment" id="comment-{comment.pk}">')
    assert '<span class="avatar avatar-xs" aria-hidden="true">AM</span>' in html
    assert "Count me in" in html and "Anne Martin" in html
    # The card's count, swapped out of band.
    assert (
        f'<a id="post-{post.pk}-comment-count" href="/posts/{post.pk}/#comments"'
        ' hx-swap-oob="true">1 comment</a>'
    ) in html
    assert Post.objects.get(pk=post.pk).comment_count == 1


def test_without_javascript_the_form_comes_back_to_the_page() -> None:
    me = make_user()
    space = make_space(members=(me,))
    post = make_post(space=space)
    client = client_for(me)
    response = client.post(
        f"/posts/{post.pk}/comments/", {"body": "Plain", "next": f"/#post-{post.pk}"}
    )
    assert response.status_code == 302 and response["Location"] == f"/#post-{post.pk}"
    assert Comment.objects.filter(post=post, body="Plain").count() == 1
    # Elsewhere than this site: the post page, as before.
    response = client.post(
        f"/posts/{post.pk}/comments/", {"body": "Again", "next": "https://evil.example/"}
    )
    assert response["Location"] == f"/posts/{post.pk}/#comments"
    # The post page's own form (no `next`) still comes back to the comments.
    response = client.post(f"/posts/{post.pk}/comments/", {"body": "Third"})
    assert response["Location"] == f"/posts/{post.pk}/#comments"


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ("   ", 400, "Write something first."),
        ("x" * (MAX_BODY + 1), 400, "The text is too long"),
        ("bad\x00", 400, "forbidden character"),
    ],
)
def test_refused_text_answers_a_reason_and_creates_nothing(
    body: str, status: int, reason: str
) -> None:
    me = make_user()
    space = make_space(members=(me,))
    post = make_post(space=space)
    response = client_for(me).post(f"/posts/{post.pk}/comments/", {"body": body}, headers=HTMX)
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/plain")
    assert reason in response.content.decode()
    assert not Comment.objects.exists()
    assert Post.objects.get(pk=post.pk).comment_count == 0


def test_no_right_to_comment_is_refused_and_creates_nothing() -> None:
    me = make_user()
    space = make_space(members=(me,))
    post = make_post(space=space)
    Space.objects.filter(pk=space.pk).update(archived_at=timezone.now())
    response = client_for(me).post(f"/posts/{post.pk}/comments/", {"body": "Hello"}, headers=HTMX)
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain")
    assert "You cannot comment on this post." in response.content.decode()
    # A post one may not see: not found, nothing created.
    hidden = make_post(space=make_space(kind="private"))
    response = client_for(me).post(f"/posts/{hidden.pk}/comments/", {"body": "Hello"}, headers=HTMX)
    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_the_field_is_on_home_space_and_profile_walls() -> None:
    me = make_user(username="me")
    space = make_space(members=(me,))
    in_space = make_post(space=space, body="In the space")
    on_wall = make_post(author=me, body="On my wall")
    client = client_for(me)
    home = client.get("/").content.decode()
    form = inline_form(home, in_space.pk)
    assert form is not None
    assert f'hx-post="/posts/{in_space.pk}/comments/"' in form
    assert f'hx-target="#post-{in_space.pk}-new-comments"' in form
    assert 'placeholder="Write a comment…"' in form
    assert f'name="next" value="/#post-{in_space.pk}"' in form
    assert f'<ol class="comment-list inline-comments" id="post-{in_space.pk}-new-comments"' in home
    assert f'id="post-{in_space.pk}-comment-count"' in home
    assert inline_form(home, on_wall.pk) is not None
    assert inline_form(client.get(f"/spaces/{space.slug}/").content.decode(), in_space.pk)
    assert inline_form(client.get("/people/me/wall/").content.decode(), on_wall.pk)
    # The post page keeps its own comment form, not a second one in the card.
    assert inline_form(client.get(f"/posts/{in_space.pk}/").content.decode(), in_space.pk) is None


def test_the_field_is_absent_without_the_right_to_comment() -> None:
    me = make_user()
    space = make_space(members=(me,))
    post = make_post(space=space, body="Old news")
    Space.objects.filter(pk=space.pk).update(archived_at=timezone.now())
    page = client_for(me).get(f"/spaces/{space.slug}/").content.decode()
    assert "Old news" in page
    assert inline_form(page, post.pk) is None
    assert f'id="post-{post.pk}-new-comments"' not in page


def test_french_strings() -> None:
    me = make_user()
    me.language = "fr"
    me.save(update_fields=["language"])
    space = make_space(members=(me,))
    post = make_post(space=space)
    client = client_for(me)
    with translation.override("fr"):
        page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        response = client.post(
            f"/posts/{post.pk}/comments/", {"body": ""}, HTTP_ACCEPT_LANGUAGE="fr", headers=HTMX
        )
    form = inline_form(page, post.pk)
    assert form is not None
    assert 'placeholder="Écrire un commentaire…"' in form
    assert response.status_code == 400
    assert response.content.decode() == "Écrivez d'abord quelque chose."


def _queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_field_costs_no_query_per_card() -> None:
    me = make_user()
    small, big = make_space(members=(me,)), make_space(members=(me,))
    people = [make_user() for _ in range(3)]
    for person in people:
        add_member(small, person)
        add_member(big, person)
    for n, space in ((2, small), (20, big)):
        for i in range(n):
            post = make_post(author=people[i % 3], space=space, body=f"Post {i}")
            actions.add_comment(actor=people[0], post=post, body="c")
    client = client_for(me)
    big_page = client.get(f"/spaces/{big.slug}/").content.decode()
    assert big_page.count('<form class="inline-comment"') == 20
    assert _queries(client, f"/spaces/{small.slug}/") == _queries(client, f"/spaces/{big.slug}/")
