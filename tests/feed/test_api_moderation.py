"""Moderation through the API: report a post or a comment; the queue for space moderators and
admins; hide or dismiss, with the audit entries the actions write."""

from __future__ import annotations

from typing import Any

import pytest

from cercle.audit.models import AuditEntry
from cercle.feed.models import Comment, Post, Report
from tests.factories import make_post, make_space, make_user
from tests.helpers.api import ODD_IDS, ODD_TEXTS, api, assert_4xx, call, cast

pytestmark = pytest.mark.django_db


def _setup() -> tuple[dict[str, Any], Any, Any]:
    people = cast(kind="private")
    post = make_post(author=people["member"], space=people["space"], body="Buy cheap watches")
    comment = Comment.objects.create(
        post=post, author=people["owner"], body="spam reply", body_html="<p>spam reply</p>"
    )
    return people, post, comment


def test_report_a_post_and_a_comment_then_hide_and_dismiss() -> None:
    people, post, comment = _setup()
    reporter = api(people["moderator"])
    made = call(
        reporter, "post", f"/api/v1/posts/{post.pk}/reports", {"reason": "spam", "details": "Ad"}
    )
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "open" and made.json()["reason_label"] == "Spam or advertising"
    again = call(reporter, "post", f"/api/v1/posts/{post.pk}/reports", {"reason": "spam"})
    assert again.status_code == 400 and "already reported" in str(again.json()["detail"])
    on_comment = call(
        api(people["member"]),
        "post",
        f"/api/v1/posts/{post.pk}/reports",
        {"reason": "harassment", "comment_id": comment.pk},
    )
    assert on_comment.status_code == 201 and on_comment.json()["comment_id"] == comment.pk

    queue = api(people["moderator"]).get("/api/v1/moderation/reports").json()["items"]
    assert [r["id"] for r in queue] == [made.json()["id"], on_comment.json()["id"]]
    assert queue[0]["content_author"]["id"] == people["member"].pk
    assert queue[1]["content_html"] == "<p>spam reply</p>"
    assert queue[0]["reporter"]["id"] == people["moderator"].pk

    hidden = call(
        api(people["moderator"]),
        "post",
        f"/api/v1/moderation/reports/{made.json()['id']}/decide",
        {"decision": "hide"},
    )
    assert hidden.status_code == 200 and hidden.json()["status"] == "hidden"
    assert Post.objects.get(pk=post.pk).hidden_at is not None
    assert api(people["outsider"]).get(f"/api/v1/posts/{post.pk}").status_code == 404
    dismissed = call(
        api(people["org_admin"]),
        "post",
        f"/api/v1/moderation/reports/{on_comment.json()['id']}/decide",
        {"decision": "dismiss"},
    )
    assert dismissed.json()["status"] == "dismissed"
    assert Comment.objects.get(pk=comment.pk).hidden_at is None
    twice = call(
        api(people["org_admin"]),
        "post",
        f"/api/v1/moderation/reports/{on_comment.json()['id']}/decide",
        {"decision": "hide"},
    )
    assert twice.status_code == 404  # no longer in the queue
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"feed.reported", "feed.report_hidden", "feed.report_dismissed"} <= actions


@pytest.mark.parametrize(
    ("role", "sees_queue", "may_report"),
    [
        ("owner", True, True),
        ("admin_role", True, True),
        ("moderator", True, True),
        ("member", False, True),
        ("outsider", False, False),
        ("guest", False, False),
        ("org_admin", True, True),
    ],
)
def test_who_reports_sees_the_queue_and_decides(
    role: str, sees_queue: bool, may_report: bool
) -> None:
    people, post, _comment = _setup()
    report = Report.objects.create(post=post, reporter=people["member"], reason="spam")
    client = api(people[role])
    queue = client.get("/api/v1/moderation/reports")
    assert queue.status_code == 200
    assert [r["id"] for r in queue.json()["items"]] == ([report.pk] if sees_queue else [])
    made = call(client, "post", f"/api/v1/posts/{post.pk}/reports", {"reason": "other"})
    if role == "member":
        assert made.status_code == 400  # already reported by them
    else:
        assert made.status_code == (201 if may_report else 404)
    decided = call(
        client, "post", f"/api/v1/moderation/reports/{report.pk}/decide", {"decision": "hide"}
    )
    assert decided.status_code == (200 if sees_queue else 404)
    assert (Post.objects.get(pk=post.pk).hidden_at is not None) is sees_queue


def test_deactivated_and_anonymous_get_401() -> None:
    people, post, _comment = _setup()
    report = Report.objects.create(post=post, reporter=people["member"], reason="spam")
    for client in (api(people["deactivated"]), api()):
        assert client.get("/api/v1/moderation/reports").status_code == 401
        assert_4xx(call(client, "post", f"/api/v1/posts/{post.pk}/reports", {"reason": "spam"}))
        assert_4xx(
            call(
                client,
                "post",
                f"/api/v1/moderation/reports/{report.pk}/decide",
                {"decision": "hide"},
            )
        )
    assert Post.objects.get(pk=post.pk).hidden_at is None


def test_odd_input_is_a_4xx() -> None:
    people, post, comment = _setup()
    client = api(people["moderator"])
    for text in ODD_TEXTS:
        assert_4xx(call(client, "post", f"/api/v1/posts/{post.pk}/reports", {"reason": text}))
        assert_4xx(call(client, "post", "/api/v1/moderation/reports/1/decide", {"decision": text}))
    for details in ("x" * 2001, "a\x00b", 5, None):
        assert_4xx(
            call(
                client,
                "post",
                f"/api/v1/posts/{post.pk}/reports",
                {"reason": "spam", "details": details},
            )
        )
    for odd in ODD_IDS:
        assert_4xx(call(client, "post", f"/api/v1/posts/{odd}/reports", {"reason": "spam"}))
        assert_4xx(
            call(client, "post", f"/api/v1/moderation/reports/{odd}/decide", {"decision": "hide"})
        )
    for wrong in (
        {"reason": 5},
        {"reason": ["spam"]},
        {"reason": "spam", "comment_id": "x"},
        "[]",
        "{",
    ):
        assert_4xx(call(client, "post", f"/api/v1/posts/{post.pk}/reports", wrong))
    other_post = make_post(author=people["member"], space=people["space"])
    assert_4xx(
        call(
            client,
            "post",
            f"/api/v1/posts/{other_post.pk}/reports",
            {"reason": "spam", "comment_id": comment.pk},
        )
    )
    assert not Report.objects.exists()


@pytest.mark.parametrize("n", [2, 12])
def test_queue_query_count_is_fixed(django_assert_max_num_queries: Any, n: int) -> None:
    moderator = make_user()
    space = make_space(owner=moderator)
    for i in range(n):
        post = make_post(author=make_user(), space=space, body=f"p{i}")
        Report.objects.create(post=post, reporter=make_user(), reason="spam")
    client = api(moderator)
    client.get("/api/v1/moderation/reports")
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/moderation/reports")
    assert len(response.json()["items"]) == n
