"""`seed_feed`: bulk benchmark data whose counters match what the actions would produce."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import Count

from cercle.accounts.models import Follow
from cercle.feed.models import Comment, Post, Reaction
from cercle.spaces.models import Membership, Space
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_seed_feed_counts_are_consistent_and_idempotent() -> None:
    viewer = make_user(username="admin")
    for _ in range(60):
        make_user()
    call_command("seed_feed", spaces=55, posts=300, comments=600, reactions=900, big_space=40)
    assert Space.objects.filter(slug__startswith="bench-space-").count() == 55
    assert Membership.objects.filter(user=viewer).count() >= 50
    assert Follow.objects.filter(follower=viewer).count() == 60
    assert Post.objects.count() == 300
    actual = dict(Post.objects.annotate(n=Count("comments")).values_list("pk", "n"))
    assert actual == dict(Post.objects.values_list("pk", "comment_count"))
    for post in Post.objects.all()[:50]:
        kinds = dict(Reaction.objects.filter(post=post).values_list("kind").annotate(n=Count("id")))
        assert kinds == post.reaction_counts
    assert Comment.objects.count() > 0 and Reaction.objects.count() > 0
    # Rows written around the ORM read back as the ORM's: aware times, dicts, a working id sequence.
    newest = Post.objects.order_by("-created_at").first()
    assert newest is not None and newest.created_at.tzinfo is not None
    assert isinstance(newest.reaction_counts, dict)
    assert Comment.objects.filter(post=newest).count() == newest.comment_count
    fresh = Post.objects.create(author=viewer, space=newest.space, body="after the seed")
    assert fresh.pk > max(Post.objects.exclude(pk=fresh.pk).values_list("pk", flat=True))
    fresh.delete()
    # Written in time order, as real posts are: ids follow the dates.
    dates = list(Post.objects.order_by("pk").values_list("created_at", flat=True))
    assert dates == sorted(dates)
    call_command("seed_feed", spaces=55, posts=300, comments=600, reactions=900, big_space=40)
    assert Post.objects.count() == 300
