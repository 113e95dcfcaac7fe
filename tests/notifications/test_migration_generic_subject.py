"""Existing notifications survive the move to a generic subject (notifications 0005): a post's keep
it as ("feed.post", post id) with the comment as `detail_id`; a space's and subject-less ones stay
as they were."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("notifications", "0004_content_hidden_kind"),
    ("feed", "0006_comment_revisions"),
    # Spaces as they were then (its 0004 replaced the module columns the old model writes).
    ("spaces", "0003_organisation_description_translated"),
]
AFTER = [("notifications", "0005_generic_subject")]


@pytest.fixture
def executor(scratch_database: None) -> Iterator[MigrationExecutor]:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor


def test_notifications_keep_their_subject(executor: MigrationExecutor) -> None:
    old = executor.loader.project_state(BEFORE).apps
    user_model = old.get_model("accounts", "User")
    anne = user_model.objects.create(username="anne", email="anne@example.com")
    bob = user_model.objects.create(username="bob", email="bob@example.com")
    post = old.get_model("feed", "Post").objects.create(author=anne, wall_owner=anne, body="Hello")
    comment = old.get_model("feed", "Comment").objects.create(post=post, author=bob, body="Hi")
    space = old.get_model("spaces", "Space").objects.create(
        name="Jardin", slug="jardin", created_by=anne
    )
    notification = old.get_model("notifications", "Notification")
    on_comment = notification.objects.create(
        recipient=anne, kind="comment", group_key="comment:post:1", actor=bob, post=post,
        comment=comment,
    )  # fmt: skip
    on_post = notification.objects.create(
        recipient=bob, kind="reaction", group_key="reaction:post:1", actor=anne, post=post
    )
    invited = notification.objects.create(
        recipient=bob, kind="invitation", group_key="invitation:1", actor=anne, space=space
    )

    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("notifications", "Notification")
    rows = {
        n.pk: (n.kind, n.subject_type, n.subject_id, n.detail_id, n.space_id)
        for n in new.objects.all()
    }
    assert rows == {
        on_comment.pk: ("comment", "feed.post", post.pk, comment.pk, None),
        on_post.pk: ("reaction", "feed.post", post.pk, None, None),
        invited.pk: ("invitation", "", None, None, space.pk),
    }
