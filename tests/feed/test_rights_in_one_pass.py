"""`rights` (every card of a page asks it) gives, in one pass, what `can` gives action by action:
each kind of space × each role of the rule book (`tests/helpers/visibility.py`), archived spaces,
hidden posts, and posts on profile walls (one's own, someone else's, one written on my wall)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from cercle.feed import queries
from cercle.feed.models import Post
from cercle.feed.queries import ACTIONS
from cercle.feed.queries.visibility import PostRights, Viewer, display_rows, rights
from tests.factories import add_member, make_admin, make_guest, make_post, make_space, make_user
from tests.helpers.visibility import EXPECTED, build

pytestmark = pytest.mark.django_db


def _action_by_action(viewer: Viewer, post: Post) -> PostRights:
    return PostRights(**{action: queries.can(viewer, action, post) for action in ACTIONS})


def _same(person: Any, post: Post) -> None:
    viewer = Viewer.of(person)
    post = display_rows([post.pk])[post.pk]
    assert rights(viewer, post) == _action_by_action(viewer, post), (person, post)


@pytest.mark.parametrize(("kind", "role"), list(EXPECTED))
def test_the_rule_book(kind: str, role: str) -> None:
    post, person = build(kind, role)
    _same(person, post)
    # The same, once the space is archived and once the post is hidden by a moderator.
    if post.space is not None and not post.space.is_organisation:
        Post.objects.filter(pk=post.pk).update(hidden_at=timezone.now())
        _same(person, post)
        post.space.archived_at = timezone.now()
        post.space.save()
        _same(person, post)


def test_profile_walls() -> None:
    author, other, guest, admin = make_user(), make_user(), make_guest(), make_admin()
    own = make_post(author=author, body="On my wall")
    space = make_space(owner=other)
    add_member(space, guest)
    in_space = make_post(author=guest, space=space, body="A guest writes")
    on_their_wall = Post.objects.create(author=other, wall_owner=author, body="On your wall")
    for person in (author, other, guest, admin):
        for post in (own, in_space, on_their_wall):
            _same(person, post)
