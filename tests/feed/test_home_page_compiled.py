"""The home feed's first page comes from a query built once per person shape and filter
(`queries.home_page`, `core.compiled.ShapedQuery`): the same posts as `home_posts` built for each
person, whatever their role; never one person's posts in another's feed; posts shown above left
out. And a page's files, read in one query, stay each post's own."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cercle.accounts.models import Follow
from cercle.feed import actions, queries
from cercle.feed.models import Attachment
from tests.factories import add_member, make_admin, make_guest, make_post, make_space, make_user

pytestmark = pytest.mark.django_db


def _expected(user: Any, feed_filter: str, leave_out: list[int], limit: int) -> list[int]:
    posts = queries.home_posts(user, feed_filter)
    if leave_out:
        posts = posts.exclude(pk__in=leave_out)
    return list(posts.values_list("pk", flat=True)[:limit])


def test_the_first_page_is_home_posts_for_every_person_and_filter() -> None:
    owner, member, outsider = make_user(), make_user(), make_user()
    staff, admin, guest = make_user(role="staff"), make_admin(), make_guest()
    private = make_space(owner=owner, kind="private", members=(member, guest))
    open_space = make_space(owner=outsider, kind="open")
    posts = [
        make_post(author=owner, space=private, body="Privé"),
        make_post(author=outsider, space=open_space, body="Ouvert"),
        make_post(author=outsider, body="Mon mur"),
        make_post(author=member, space=private, body="Privé aussi"),
        make_post(author=guest, space=private, body="Invité"),
    ]
    Follow.objects.create(follower=member, followed=outsider)
    actions.save_post(actor=outsider, post=posts[1])
    people = [owner, member, outsider, staff, admin, guest, make_user(is_active=False)]
    for person in people:
        for feed_filter in queries.FILTERS:
            for leave_out in ([], [posts[1].pk]):
                page = queries.home_page(
                    queries.Viewer.of(person), feed_filter, cursor=None, leave_out=leave_out
                )
                shown = [card.post.pk for card in page.items]
                assert shown == _expected(person, feed_filter, leave_out, 20), (
                    person.username,
                    feed_filter,
                    leave_out,
                )
    # Same shape, other posts: the private space's post is in its member's feed only.
    mine = [c.post.pk for c in queries.home_page(queries.Viewer.of(member), cursor=None).items]
    theirs = [c.post.pk for c in queries.home_page(queries.Viewer.of(outsider), cursor=None).items]
    assert posts[0].pk in mine and posts[0].pk not in theirs


def test_the_next_page_follows_on_from_the_compiled_first_page() -> None:
    author = make_user()
    space = make_space(owner=author, kind="open")
    reader = make_user()
    add_member(space, reader)
    made = [make_post(author=author, space=space, body=f"n°{n}") for n in range(5)]
    viewer = queries.Viewer.of(reader)
    first = queries.home_page(viewer, cursor=None, limit=2, leave_out=[made[-1].pk])
    assert [c.post.pk for c in first.items] == [made[3].pk, made[2].pk]
    assert first.next_cursor is not None
    second = queries.home_page(viewer, cursor=first.next_cursor, limit=2, leave_out=[made[-1].pk])
    assert [c.post.pk for c in second.items] == [made[1].pk, made[0].pk]
    last = queries.home_page(viewer, cursor=None, limit=5, leave_out=[made[-1].pk])
    assert last.next_cursor is None and len(last.items) == 4


def test_a_page_s_files_are_each_post_s_own_and_need_no_query() -> None:
    author = make_user()
    with_files, without = make_post(author=author), make_post(author=author)
    other = make_post(author=author)
    for post, name in ((with_files, "a.txt"), (with_files, "b.txt"), (other, "c.txt")):
        Attachment.objects.create(
            post=post, file=f"x/{name}", original_name=name, content_type="text/plain", size=1
        )
    viewer = queries.Viewer.of(author)
    page = queries.home_page(viewer, cursor=None)
    cards = {card.post.pk: card.post for card in page.items}
    with CaptureQueriesContext(connection) as captured:
        names = [f.original_name for f in cards[with_files.pk].attachments.all()]
        assert not cards[without.pk].attachments.all()
        assert len(cards[other.pk].attachments.all()) == 1
    assert names == ["a.txt", "b.txt"] and len(captured) == 0
    # A queryset made from one post's files reads that post's files only.
    assert [f.original_name for f in cards[with_files.pk].attachments.order_by("-id")] == [
        "b.txt",
        "a.txt",
    ]
    assert list(cards[without.pk].attachments.filter(size=1)) == []
    assert cards[other.pk].attachments.all().filter(size__gte=0).count() == 1
