"""Post cards kept drawn (`feed_tags.CardCache`, issue 15): a card drawn again for the same post
version and viewer shape comes from the cache, with this page's CSRF token and address; any
change the card shows (an edit, a reaction, a comment, a share count, the author's name, the
language, the time zone, the viewer's rights or reaction) draws it anew. The oracle is the card's
old template (`tests/feed/reference/`), rendered for each case."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.template import Engine
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from cercle.accounts.models import User
from cercle.feed import actions, queries
from cercle.feed.models import Post
from cercle.feed.templatetags.feed_tags import CARDS, CardCache
from tests.factories import make_post, make_space, make_user
from tests.feed.test_post_card import _context, _reference_card, _states

pytestmark = pytest.mark.django_db

# A page of the feed, the share page (read only), the post's own page.
EXTRAS: tuple[dict[str, Any], ...] = ({}, {"readonly": True}, {"detail": True})
TOKEN = "a-token-<&>"  # the CSRF token of test_post_card's context


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    CARDS.clear()
    yield
    CARDS.clear()


def _cards(viewer: Any, posts: list[Post]) -> list[Any]:
    visible = list(queries.visible_posts(viewer).filter(pk__in=[p.pk for p in posts]))
    return queries.with_viewer_state(visible, queries.Viewer.of(viewer))


def _draw(
    viewer: Any,
    card: Any,
    *,
    token: str = TOKEN,
    path: str = "/",
    **extra: Any,
) -> str:
    context = _context(viewer, card, **extra)
    request = RequestFactory().get(path)
    request.user = viewer
    context["request"], context["csrf_token"] = request, token
    return Engine.get_default().get_template("feed/_post.html").render(context)


def _expected(
    viewer: Any,
    card: Any,
    *,
    token: str = TOKEN,
    path: str = "/",
    **extra: Any,
) -> str:
    context = _context(viewer, card, **extra)
    request = RequestFactory().get(path)
    request.user = viewer
    context["request"], context["csrf_token"] = request, token
    return str(_reference_card().render(context))


def test_a_card_drawn_again_comes_from_the_cache_with_this_pages_token_and_address() -> None:
    viewers, posts = _states()
    for language in ("en", "fr"):
        with translation.override(language):
            for viewer in viewers:
                for card in _cards(viewer, posts):
                    for extra in EXTRAS:
                        first = _draw(viewer, card, **extra)
                        hits = CARDS.hits
                        # Another page, another token: the cached card carries them.
                        again = _draw(viewer, card, token="other-tok", path="/?a=1&b=<2>", **extra)
                        assert CARDS.hits == hits + 1
                        assert first == _expected(viewer, card, **extra)
                        assert again == _expected(
                            viewer, card, token="other-tok", path="/?a=1&b=<2>", **extra
                        )
                        assert "other-tok" in again or "csrfmiddlewaretoken" not in again
                        assert CardCache.CSRF not in again and CardCache.PATH not in again


def test_no_token_draws_no_token_field() -> None:
    author = make_user()
    post = make_post(author=author, body="Hello")
    (card,) = _cards(author, [post])
    with_token = _draw(author, card, token="tok")
    without = _draw(author, card, token="NOTPROVIDED")
    assert 'value="tok"' in with_token and "csrfmiddlewaretoken" not in without
    assert without == _expected(author, card, token="NOTPROVIDED")


def test_every_change_the_card_shows_draws_it_anew() -> None:
    author = make_user(first_name="Anne", last_name="Martin")
    reader = make_user()
    space = make_space(owner=author, members=(reader,))
    post = make_post(author=author, space=space, body="First text")

    def check(viewer: User, language: str = "en") -> str:
        with translation.override(language):
            (card,) = _cards(viewer, [post])
            drawn = _draw(viewer, card)
            assert drawn == _expected(viewer, card)
            return drawn

    before = check(reader)
    assert check(reader) == before  # the same version: from the cache
    hits = CARDS.hits
    actions.edit_post(actor=author, post=Post.objects.get(pk=post.pk), body="Second text")
    assert "Second text" in check(reader) and CARDS.hits == hits
    actions.react(actor=reader, post=Post.objects.get(pk=post.pk), kind="like")
    drawn = check(reader)
    assert 'aria-pressed="true"' in drawn  # my reaction
    # The author sees the count of the reader's reaction, not a reaction of their own.
    assert 'aria-pressed="true"' not in check(author)
    actions.add_comment(actor=reader, post=Post.objects.get(pk=post.pk), body="A comment")
    assert "1 comment" in check(reader)
    actions.share_post(actor=reader, post=Post.objects.get(pk=post.pk), body="", space=space)
    assert "Share (1)" in check(reader)
    actions.pin_post(actor=author, post=Post.objects.get(pk=post.pk))
    assert "Pinned" in check(reader)
    User.objects.filter(pk=author.pk).update(first_name="Annie")
    assert "Annie Martin" in check(reader)
    assert "Second text" in check(reader, "fr") and "Épinglé" in check(reader, "fr")
    misses = CARDS.misses
    with timezone.override("Pacific/Auckland"):
        check(reader)
    assert CARDS.misses == misses + 1  # another time zone: drawn for it


def test_the_home_page_draws_its_cards_once_then_reuses_them() -> None:
    author = make_user()
    reader = make_user()
    space = make_space(owner=author, members=(reader,))
    for i in range(5):
        make_post(author=author, space=space, body=f"Post {i}")
    client = Client()
    client.force_login(reader)
    with translation.override("en"):
        first = client.get("/", headers={"Accept-Language": "en"})
        assert first.status_code == 200
        misses, hits = CARDS.misses, CARDS.hits
        second = client.get("/", headers={"Accept-Language": "en"})
    assert CARDS.misses == misses and CARDS.hits >= hits + 5
    # The same cards, with the page's own token (masked anew for each response).
    assert second.content.count(b'class="card post"') == first.content.count(b'class="card post"')
    token = second.content.split(b'name="csrfmiddlewaretoken" value="')[1].split(b'"')[0]
    assert token and CARDS.hits > 0
