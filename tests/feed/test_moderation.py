"""Reports: anyone who sees a post reports it; the space's moderators (admins for everything)
see a queue and hide the content or dismiss the report; every decision is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from cercle.audit.models import AuditEntry
from cercle.feed import actions, queries
from cercle.feed.models import Report
from tests.factories import add_member, make_admin, make_post, make_space, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def setup() -> tuple[Any, Any, Any, Any, Any]:
    owner, moderator, author, reader = make_user(), make_user(), make_user(), make_user()
    space = make_space(owner=owner, members=(author, reader))
    add_member(space, moderator, "moderator")
    post = make_post(author=author, space=space, body="Buy cheap watches")
    return space, moderator, author, reader, post


def test_report_then_hide_a_post() -> None:
    _space, moderator, author, reader, post = setup()
    report = actions.report(actor=reader, post=post, reason="spam", details="Ad")
    with pytest.raises(ValidationError):
        actions.report(actor=reader, post=post, reason="spam")
    with pytest.raises(ValidationError):
        actions.report(actor=author, post=post, reason="weird")
    assert list(queries.moderation_queue(moderator)) == [report]
    assert list(queries.moderation_queue(reader)) == []
    assert list(queries.moderation_queue(make_admin())) == [report]
    with pytest.raises(PermissionDenied):
        actions.decide_report(actor=reader, report=report, hide=True)
    actions.decide_report(actor=moderator, report=report, hide=True)
    post.refresh_from_db()
    assert post.hidden_at is not None
    # Hidden: gone for readers, still there for its author and the moderators.
    assert not queries.visible_posts(reader).filter(pk=post.pk).exists()
    assert not queries.can(reader, "see", post)
    assert queries.visible_posts(author).filter(pk=post.pk).exists()
    assert queries.visible_posts(moderator).filter(pk=post.pk).exists()
    assert queries.can(moderator, "see", post)
    entry = AuditEntry.objects.get(action="feed.report_hidden")
    assert entry.actor == moderator and entry.old_value == {"body": "Buy cheap watches"}
    with pytest.raises(ValidationError):
        actions.decide_report(actor=moderator, report=report, hide=False)


def test_dismiss_and_comment_reports() -> None:
    _space, moderator, author, reader, post = setup()
    comment = actions.add_comment(actor=author, post=post, body="rude words")
    report = actions.report(actor=reader, post=post, comment=comment, reason="harassment")
    other = actions.report(actor=moderator, post=post, comment=comment, reason="harassment")
    actions.decide_report(actor=moderator, report=report, hide=True)
    other.refresh_from_db()
    assert other.status == "hidden"  # every open report on the same content is settled
    viewer = queries.Viewer.of(reader)
    assert [t.comment.comment for t in queries.comment_threads(post, viewer)] == []
    assert [
        t.comment.comment for t in queries.comment_threads(post, queries.Viewer.of(moderator))
    ] == [comment]
    dismissed = actions.report(actor=reader, post=post, reason="other")
    actions.decide_report(actor=moderator, report=dismissed, hide=False)
    post.refresh_from_db()
    assert post.hidden_at is None
    assert AuditEntry.objects.filter(action="feed.report_dismissed").count() == 1


def test_reporting_what_one_cannot_see_is_not_found() -> None:
    hidden = make_post(space=make_space(kind="private"))
    with pytest.raises(queries.NotFound):
        actions.report(actor=make_user(), post=hidden, reason="spam")


def test_pages_report_queue_and_decision() -> None:
    _space, moderator, author, reader, post = setup()
    bad = client_for(reader).post(f"/posts/{post.pk}/report/", {"reason": ""})
    assert bad.status_code == 400
    client_for(reader).post(f"/posts/{post.pk}/report/", {"reason": "spam", "details": "x"})
    report = Report.objects.get()
    queue = client_for(moderator).get("/moderation/").content.decode()
    assert "Buy cheap watches" in queue
    assert "Buy cheap watches" not in client_for(reader).get("/moderation/").content.decode()
    assert (
        client_for(reader)
        .post(f"/moderation/reports/{report.pk}/decide/", {"decision": "hide"})
        .status_code
        == 404
    )
    client_for(moderator).post(f"/moderation/reports/{report.pk}/decide/", {"decision": "hide"})
    assert client_for(reader).get(f"/posts/{post.pk}/").status_code == 404
    assert b"Hidden by a moderator" in client_for(author).get(f"/posts/{post.pk}/").content
