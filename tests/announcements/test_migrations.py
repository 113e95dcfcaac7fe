"""Announcements and their receipts survive the models' move from `feed` to `announcements`
(announcements 0001, feed 0007): only Django's idea of the models moves, the rows stay."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("feed", "0006_comment_revisions"), ("accounts", "0004_postgres_search_vector")]
AFTER = [("feed", "0007_announcements_moved"), ("announcements", "0001_initial")]


@pytest.fixture
def executor(scratch_database: None) -> Iterator[MigrationExecutor]:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor


def test_an_announcement_and_its_receipt_keep_their_rows(executor: MigrationExecutor) -> None:
    old = executor.loader.project_state(BEFORE).apps
    user = old.get_model("accounts", "User").objects.create(username="camille")
    site = old.get_model("accounts", "Site").objects.create(name="Lyon")
    post = old.get_model("feed", "Post").objects.create(
        author=user, wall_owner=user, body="Mutuelle"
    )
    announcement = old.get_model("feed", "Announcement").objects.create(
        post=post, created_by=user, requires_ack=True
    )
    announcement.sites.add(site)
    old.get_model("feed", "AnnouncementReceipt").objects.create(
        announcement=announcement, user=user, dismissed_at=None
    )

    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    moved = new.get_model("announcements", "Announcement").objects.get(pk=announcement.pk)
    assert (moved.post_id, moved.created_by_id, moved.requires_ack) == (post.pk, user.pk, True)
    assert list(moved.sites.values_list("name", flat=True)) == ["Lyon"]
    receipt = new.get_model("announcements", "AnnouncementReceipt").objects.get()
    assert (receipt.announcement_id, receipt.user_id) == (announcement.pk, user.pk)
