"""Notifications of a moderated news comment written before the detail text (news 0005): the
reason moves from the title to `detail_text`, the title becomes the article's; other kinds are
left alone; and back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("news", "0004_comment_moderation"), ("notifications", "0008_detail_text")]
AFTER = [("news", "0005_moderation_reason_as_detail")]


@pytest.fixture
def executor(scratch_database: None) -> Iterator[MigrationExecutor]:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor


def test_the_reason_moves_to_the_detail_text(executor: MigrationExecutor) -> None:
    old = executor.loader.project_state(BEFORE).apps
    user_model = old.get_model("accounts", "User")
    anne = user_model.objects.create(username="anne", email="anne@example.com")
    item = old.get_model("news", "Article").objects.create(title="Le séminaire " * 10)
    notification = old.get_model("notifications", "Notification")
    moderated = notification.objects.create(
        recipient=anne,
        kind="news_comment_moderated",
        group_key="news.comment_hidden.7",
        subject_type="news.article",
        subject_id=item.pk,
        detail_id=7,
        subject_title="Propos hors charte",
    )
    gone = notification.objects.create(
        recipient=anne,
        kind="news_comment_moderated",
        group_key="news.comment_deleted.8",
        subject_type="news.article",
        subject_id=item.pk + 1,
        subject_title="Publicité",
    )
    other = notification.objects.create(
        recipient=anne,
        kind="news_comment",
        group_key="news_comment.1",
        subject_type="news.article",
        subject_id=item.pk,
        subject_title="Le séminaire",
    )

    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("notifications", "Notification")
    rows = {n.pk: (n.subject_title, n.detail_text) for n in new.objects.all()}
    assert rows == {
        moderated.pk: (item.title[:60], "Propos hors charte"),
        gone.pk: ("", "Publicité"),  # its article deleted since: no title
        other.pk: ("Le séminaire", ""),
    }

    executor.loader.build_graph()
    executor.migrate(BEFORE)
    back = executor.loader.project_state(BEFORE).apps.get_model("notifications", "Notification")
    rows = {n.pk: (n.subject_title, n.detail_text) for n in back.objects.all()}
    assert rows == {
        moderated.pk: ("Propos hors charte", ""),
        gone.pk: ("Publicité", ""),
        other.pk: ("Le séminaire", ""),
    }
