"""The post card drawn in Python (`feed_tags.post_card`, `comment_count_link`, `save_button`)
gives the very HTML the template it replaced gave (`tests/feed/reference/`, the templates as they
were), for every state a card can be in: own post, someone else's, in a space or on a wall,
edited, pinned, hidden, shared (original visible or gone), with files, reactions, comments,
an announcement's parts, read only, on the post's own page, for several viewers, in English and
French; and a page of cards costs a fixed number of queries."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template import Context, Engine
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from cercle.announcements import actions as announcement_actions
from cercle.feed import actions, queries
from cercle.feed.models import Post
from cercle.feed.templatetags.feed_tags import post_url
from tests.factories import add_member, make_admin, make_post, make_space, make_user

pytestmark = pytest.mark.django_db

REFERENCE = Path(__file__).parent / "reference"


def _reference_card() -> Any:
    """`feed/_post.html` as it was, its two includes put back inline as they were."""
    card = (REFERENCE / "post_card.html").read_text()
    count = (REFERENCE / "comment_count.html").read_text()
    save = (REFERENCE / "save_button.html").read_text()
    card = card.replace(
        '{% include "feed/_comment_count.html" with oob=False %}',
        "{% with oob=False %}" + count + "{% endwith %}",
    )
    card = card.replace(
        '{% include "feed/_save_button.html" with saved=card.is_saved %}',
        "{% with saved=card.is_saved %}" + save + "{% endwith %}",
    )
    assert "_comment_count" not in card and "_save_button" not in card
    return Engine.get_default().from_string(card)


def _context(viewer: Any, card: Any, **extra: Any) -> Context:
    request = RequestFactory().get("/spaces/x/?filter=all&q=<b>")
    request.user = viewer
    return Context(
        {
            "request": request,
            "user": viewer,
            # One value for both (the real one is masked anew for each page).
            "csrf_token": "a-token-<&>",
            "card": card,
            "reaction_choices": [
                (kind, str(label), emoji)
                for kind, label, emoji in __import__(
                    "cercle.feed.views", fromlist=["reaction_choices"]
                ).reaction_choices()
            ],
            **extra,
        },
    )


def _states() -> tuple[list[Any], list[Post]]:
    author = make_user(first_name="Élodie", last_name="<Dupont>")
    member = make_user(first_name="", last_name="")
    admin = make_admin()
    space = make_space(owner=author, members=(member,))
    plain = make_post(author=author, space=space, body="Hello **world** & <friends>")
    actions.react(actor=member, post=plain, kind="like")
    actions.add_comment(actor=member, post=plain, body="A comment")
    actions.edit_post(actor=author, post=plain, body="Hello again")
    actions.pin_post(actor=author, post=plain)
    actions.save_post(actor=member, post=plain)
    on_wall = make_post(author=member, body="On my wall")
    with_files = actions.create_post(
        actor=author,
        body="Files",
        space=space,
        attachments=[(SimpleUploadedFile("notes.txt", b"hello", "text/plain"), "notes.txt")],
    )
    shared = actions.share_post(actor=member, post=plain, body="Look", space=space)
    gone = make_post(author=author, space=space, body="Soon gone")
    share_of_gone = actions.share_post(actor=member, post=gone, body="", space=space)
    actions.delete_post(actor=author, post=gone)
    hidden = make_post(author=member, space=space, body="Hidden")
    Post.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    announced = make_post(author=author, space=space, body="News")
    add_member(space, admin, role="admin")
    announcement_actions.announce(actor=admin, post=announced)
    posts = [plain, on_wall, with_files, shared, share_of_gone, hidden, announced]
    return [author, member, admin], posts


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_python_card_draws_what_the_template_drew(language: str) -> None:
    viewers, posts = _states()
    reference = _reference_card()
    engine = Engine.get_default()
    drawn = engine.get_template("feed/_post.html")
    compared = 0
    with translation.override(language):
        for viewer in viewers:
            visible = list(queries.visible_posts(viewer).filter(pk__in=[p.pk for p in posts]))
            cards = queries.with_viewer_state(visible, queries.Viewer.of(viewer))
            for card in cards:
                for extra in ({}, {"readonly": True}, {"detail": True}):
                    expected = reference.render(_context(viewer, card, **extra))
                    got = drawn.render(_context(viewer, card, **extra))
                    assert got == expected, "\n".join(
                        difflib.unified_diff(expected.split("\n"), got.split("\n"), lineterm="")
                    )
                    compared += 1
    assert compared >= 3 * 3 * 6


def test_the_comment_count_and_save_button_draw_what_their_templates_drew() -> None:
    author = make_user()
    post = make_post(author=author, body="Hello")
    actions.add_comment(actor=author, post=post, body="One")
    post.refresh_from_db()
    engine = Engine.get_default()
    for name, new, values in (
        ("comment_count", "feed/_comment_count.html", [{"oob": True}, {"oob": False}]),
        ("save_button", "feed/_save_button.html", [{"saved": True}, {"saved": False}]),
    ):
        reference = engine.from_string((REFERENCE / f"{name}.html").read_text())
        for extra in values:
            context = _context(author, None, post=post, **extra)
            expected = reference.render(context)
            assert engine.get_template(new).render(_context(author, None, post=post, **extra)) == (
                expected
            )
            assert str(post.pk) in expected


def test_post_url_is_reverse() -> None:
    from django.urls import reverse

    for name in ("post", "post_edit", "post_save", "post_comment"):
        assert post_url(name, 42) == reverse(name, args=[42])


def test_a_page_of_cards_costs_the_same_queries_for_5_and_15_posts() -> None:
    viewer = make_user()
    space = make_space(members=(viewer,))
    client = Client()
    client.force_login(viewer)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/spaces/{space.slug}/").status_code == 200
        return len(captured)

    for _ in range(5):
        make_post(author=viewer, space=space, body="Hi")
    count()  # the first request of a session writes its "last seen"
    few = count()
    for _ in range(10):
        make_post(author=viewer, space=space, body="Hi")
    assert count() == few
