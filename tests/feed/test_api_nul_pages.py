"""The pages refuse a NUL character in a post, a comment or a report (PostgreSQL cannot store
it) with the same clear message as the API, instead of a server error."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cercle.feed import actions
from cercle.feed.models import Comment, Post, Report
from tests.factories import make_post, make_user

pytestmark = pytest.mark.django_db


def test_nul_is_refused_by_the_actions() -> None:
    me = make_user()
    post = make_post(author=me)
    with pytest.raises(ValidationError, match="forbidden character"):
        actions.create_post(actor=me, body="a\x00b")
    with pytest.raises(ValidationError, match="forbidden character"):
        actions.add_comment(actor=me, post=post, body="a\x00b")
    with pytest.raises(ValidationError, match="forbidden character"):
        actions.edit_post(actor=me, post=post, body="a\x00b")
    with pytest.raises(ValidationError, match="forbidden character"):
        actions.report(actor=make_user(), post=post, reason="spam", details="a\x00b")
    assert Post.objects.count() == 1 and not Comment.objects.exists()
    assert not Report.objects.exists()
