"""A page's reactions, saved posts and views read by queries built once per number of posts
(`core.compiled.IdsQuery`, issue 15 round 8): the same as the querysets they replace, for several
people and pages of several sizes (with ids of no post, a post reacted to through a comment only,
another person's reactions), built once per size."""

from __future__ import annotations

import pytest

from cercle.feed import actions, queries
from cercle.feed.models import Bookmark, PostView, Reaction
from cercle.feed.queries import pages
from tests.factories import make_post, make_space, make_user

pytestmark = pytest.mark.django_db


def test_a_page_s_reactions_saved_posts_and_views_are_the_querysets() -> None:
    anne, bob, carl = make_user(), make_user(), make_user()
    space = make_space(owner=anne, members=(bob, carl))
    posts = [make_post(author=anne if n % 2 else bob, space=space, body=f"P{n}") for n in range(8)]
    kinds = ["like", "love", "insightful", "celebrate"]
    for n, post in enumerate(posts):
        if n % 3 == 0:
            actions.react(actor=bob, post=post, kind=kinds[n % len(kinds)])
        if n % 2 == 0:
            actions.react(actor=carl, post=post, kind="like")
        if n % 4 == 1:
            actions.save_post(actor=bob, post=post)
    # A reaction to a comment is not the post's.
    comment = actions.add_comment(actor=anne, post=posts[1], body="Un commentaire")
    actions.react(actor=bob, post=posts[1], kind="like", comment=comment)
    actions.record_views(viewer=bob, posts=posts[:5])
    actions.record_views(viewer=carl, posts=posts[3:])
    every = [p.pk for p in posts]
    missing = max(every) + 1000
    pages_of_ids = [every[:1], every[:2], every, every[::-1], [*every[:3], missing], [missing]]
    for person in (anne, bob, carl):
        for ids in pages_of_ids:
            assert dict(pages._MY_REACTIONS.rows(person.pk, ids)) == dict(
                Reaction.objects.filter(
                    user_id=person.pk, post_id__in=ids, comment__isnull=True
                ).values_list("post_id", "kind")
            )
            assert {pk for (pk,) in pages._MY_BOOKMARKS.rows(person.pk, ids)} == set(
                Bookmark.objects.filter(user_id=person.pk, post_id__in=ids).values_list(
                    "post_id", flat=True
                )
            )
            assert queries.viewed_post_ids(person, ids) == set(
                PostView.objects.filter(user_id=person.pk, post_id__in=ids).values_list(
                    "post_id", flat=True
                )
            )
    assert pages._MY_REACTIONS.rows(bob.pk, []) == []
    # The cards say the same.
    viewer = queries.Viewer.of(bob)
    cards = queries.with_viewer_state(posts, viewer)
    assert [card.my_reaction for card in cards] == [
        kinds[n % len(kinds)] if n % 3 == 0 else None for n in range(8)
    ]
    assert [card.is_saved for card in cards] == [n % 4 == 1 for n in range(8)]
    # Built once per number of ids, whoever asks.
    assert set(pages._MY_REACTIONS._by_count) >= {1, 2, 4, 8}
    built = pages._MY_REACTIONS._by_count[8]
    pages._MY_REACTIONS.rows(carl.pk, every)
    assert pages._MY_REACTIONS._by_count[8] is built
    assert len(built._compiled) == 1
