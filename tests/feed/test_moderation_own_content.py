"""Nobody decides on a report about their own post or comment (an
organisation admin included): the report shows read-only in their queue ("another moderator must
decide"), the action refuses (PermissionDenied, API 403), nothing changes and nothing is audited.
When another moderator hides the content, its author is told (notification `content_hidden`, with
the report's reason); dismissing tells nobody."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import translation

from cercle.audit.models import AuditEntry
from cercle.feed import actions
from cercle.feed.models import Post, Report
from cercle.feed.notifications import CONTENT_HIDDEN
from cercle.notifications import queries as notification_queries
from cercle.notifications.models import Notification
from cercle.spaces.queries import organisation_space
from tests.factories import add_member, make_admin, make_post, make_space, make_user
from tests.helpers.api import api, call

pytestmark = pytest.mark.django_db

OWN = "This report is about your own content: another moderator must decide."


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_author_sees_the_report_on_their_post_read_only_and_cannot_decide() -> None:
    org = organisation_space()
    author = make_user(role="staff", first_name="François")
    other_staff = make_user(role="staff", first_name="Sophie")
    reader = make_user()
    post = make_post(author=author, space=org, body="Announcement about teleworking")
    report = actions.report(actor=reader, post=post, reason="inappropriate")
    audited = AuditEntry.objects.filter(action__startswith="feed.report_").count()

    page = client_for(author).get("/moderation/").content.decode()
    assert OWN in page and f"/moderation/reports/{report.pk}/decide/" not in page
    # Another moderator gets the buttons.
    other_page = client_for(other_staff).get("/moderation/").content.decode()
    assert OWN not in other_page and f"/moderation/reports/{report.pk}/decide/" in other_page

    answer = client_for(author).post(
        f"/moderation/reports/{report.pk}/decide/", {"decision": "dismiss"}, follow=True
    )
    assert answer.status_code == 200 and OWN in answer.content.decode()
    with pytest.raises(PermissionDenied):
        actions.decide_report(actor=author, report=report, hide=True)
    refused = call(
        api(author), "post", f"/api/v1/moderation/reports/{report.pk}/decide", {"decision": "hide"}
    )
    assert refused.status_code == 403 and OWN in refused.json()["detail"]
    report.refresh_from_db()
    post.refresh_from_db()
    assert report.status == "open" and report.decided_by is None and post.hidden_at is None
    assert AuditEntry.objects.filter(action__startswith="feed.report_").count() == audited == 0
    assert not Notification.objects.filter(kind=CONTENT_HIDDEN).exists()

    queue = api(author).get("/api/v1/moderation/reports").json()["items"]
    assert [(r["id"], r["can_decide"]) for r in queue] == [(report.pk, False)]
    queue = api(other_staff).get("/api/v1/moderation/reports").json()["items"]
    assert [(r["id"], r["can_decide"]) for r in queue] == [(report.pk, True)]


def test_an_organisation_admin_cannot_decide_on_their_own_post_another_admin_hides_it() -> None:
    admin, second_admin, reader = make_admin(), make_admin(first_name="Nadia"), make_user()
    space = make_space(owner=admin, members=(reader,))
    post = make_post(author=admin, space=space, body="Our supplier's prices for 2027")
    report = actions.report(actor=reader, post=post, reason="confidential")
    with pytest.raises(PermissionDenied):
        actions.decide_report(actor=admin, report=report, hide=False)
    assert Report.objects.get(pk=report.pk).status == "open"

    answer = call(
        api(second_admin),
        "post",
        f"/api/v1/moderation/reports/{report.pk}/decide",
        {"decision": "hide"},
    )
    assert answer.status_code == 200 and answer.json()["status"] == "hidden"
    assert answer.json()["can_decide"] is False
    assert Post.objects.get(pk=post.pk).hidden_at is not None
    assert AuditEntry.objects.filter(action="feed.report_hidden").count() == 1

    told = notification_queries.visible_notifications(admin).get(kind=CONTENT_HIDDEN)
    assert told.actor is None and told.subject_id == post.pk and told.read_at is None
    assert notification_queries.describe(told) == (
        "A moderator hid your post (reason: Confidential information)"
        " “Our supplier's prices for 2027”"
    )
    with translation.override("fr"):
        assert notification_queries.describe(told).startswith("Un modérateur a masqué")
    assert notification_queries.target_url(told) == f"/posts/{post.pk}/"
    # The moderator is not named to the author, and the reporter is told nothing.
    assert not Notification.objects.filter(recipient=reader, kind=CONTENT_HIDDEN).exists()
    listed = client_for(admin).get("/notifications/").content.decode()
    assert "A moderator hid your post" in listed and "Nadia" not in listed


def test_a_hidden_comment_tells_its_author_a_dismissed_report_tells_nobody() -> None:
    owner, moderator, poster, commenter, reader = (make_user() for _ in range(5))
    space = make_space(owner=owner, members=(poster, commenter, reader))
    add_member(space, moderator, "moderator")
    post = make_post(author=moderator, space=space, body="Team lunch on Friday")
    comment = actions.add_comment(actor=commenter, post=post, body="Rude words")
    # The post's author moderates the space: a report on another's comment is theirs to decide.
    on_comment = actions.report(actor=reader, post=post, comment=comment, reason="harassment")
    actions.decide_report(actor=moderator, report=on_comment, hide=True)
    told = Notification.objects.get(recipient=commenter, kind=CONTENT_HIDDEN)
    assert told.detail_id == comment.pk
    assert notification_queries.describe(told) == (
        "A moderator hid your comment (reason: Harassment or hateful content) “Rude words”"
    )
    assert notification_queries.target_url(told) == f"/posts/{post.pk}/#comment-{comment.pk}"

    other = make_post(author=poster, space=space, body="Fine post")
    dismissed = actions.report(actor=reader, post=other, reason="other")
    actions.decide_report(actor=moderator, report=dismissed, hide=False)
    assert not Notification.objects.filter(recipient=poster, kind=CONTENT_HIDDEN).exists()

    # "Something else" is no reason worth repeating.
    third = make_post(author=poster, space=space, body="Another one")
    actions.decide_report(
        actor=owner, report=actions.report(actor=reader, post=third, reason="other"), hide=True
    )
    told = Notification.objects.get(recipient=poster, kind=CONTENT_HIDDEN)
    assert notification_queries.describe(told) == "A moderator hid your post “Another one”"


def test_the_new_kind_is_in_the_notification_preferences() -> None:
    person = make_user()
    prefs = api(person).get("/api/v1/notifications/preferences").json()
    assert "content_hidden" in str(prefs)
