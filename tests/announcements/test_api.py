"""Announcements through the API: mark and unmark with targets, dismiss, acknowledge, the
author's list of who has confirmed (with dates), reminders and the CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from cercle.announcements.models import Announcement, AnnouncementReceipt
from cercle.audit.models import AuditEntry
from cercle.spaces import queries as space_queries
from tests.factories import make_department, make_post, make_site, make_user
from tests.helpers.api import ODD_IDS, ODD_TEXTS, api, assert_4xx, call, cast

pytestmark = pytest.mark.django_db


def _org_post() -> tuple[Any, Any]:
    staff = make_user(role="staff", first_name="Com", last_name="Team")
    return staff, make_post(author=staff, space=space_queries.organisation_space(), body="Mutuelle")


def test_announce_target_acknowledge_remind_export(django_capture_on_commit_callbacks: Any) -> None:
    sales, lyon = make_department("Ventes"), make_site("Lyon")
    in_sales = make_user(first_name="Anne", department=sales)
    in_lyon = make_user(first_name="Bruno", site=lyon)
    elsewhere = make_user(first_name="Chloé")
    staff, post = _org_post()
    made = call(
        api(staff),
        "put",
        f"/api/v1/posts/{post.pk}/announcement",
        {"department_ids": [sales.pk], "site_ids": [lyon.pk], "requires_ack": True},
    )
    assert made.status_code == 200, made.content
    body = made.json()
    assert body["departments"] == [{"id": sales.pk, "name": "Ventes"}]
    assert body["sites"] == [{"id": lyon.pk, "name": "Lyon"}] and body["requires_ack"] is True
    announcement_id = body["id"]

    mine = api(in_sales).get("/api/v1/announcements").json()["items"]
    assert [a["id"] for a in mine] == [announcement_id] and mine[0]["body_html"]
    assert api(elsewhere).get("/api/v1/announcements").json()["items"] == []
    refused = api(in_sales).post(f"/api/v1/announcements/{announcement_id}/dismiss")
    assert refused.status_code == 400 and "Confirm" in str(refused.json()["detail"])
    not_mine = api(elsewhere).post(f"/api/v1/announcements/{announcement_id}/acknowledge")
    assert not_mine.status_code == 403
    confirmed = api(in_sales).post(f"/api/v1/announcements/{announcement_id}/acknowledge")
    assert confirmed.status_code == 200 and confirmed.json()["acknowledged_at"]
    assert api(in_sales).get("/api/v1/announcements").json()["items"] == []

    report = api(staff).get(f"/api/v1/announcements/{announcement_id}/acknowledgements")
    assert report.status_code == 200
    rows = {r["user"]["id"]: r for r in report.json()["items"]}
    assert set(rows) == {in_sales.pk, in_lyon.pk}
    assert rows[in_sales.pk]["acknowledged_at"] and rows[in_sales.pk]["department"] == "Ventes"
    assert rows[in_lyon.pk]["acknowledged_at"] is None and rows[in_lyon.pk]["site"] == "Lyon"
    assert (report.json()["done_count"], report.json()["pending_count"]) == (1, 1)
    assert (
        api(in_sales).get(f"/api/v1/announcements/{announcement_id}/acknowledgements").status_code
        == 403
    )

    with django_capture_on_commit_callbacks(execute=True):
        reminded = api(staff).post(f"/api/v1/announcements/{announcement_id}/remind")
    assert reminded.status_code == 200 and reminded.json()["last_reminded_at"]
    from cercle.notifications.models import Notification

    assert set(
        Notification.objects.filter(kind="announcement").values_list("recipient_id", flat=True)
    ) == {in_lyon.pk}
    exported = api(staff).get(f"/api/v1/announcements/{announcement_id}/acknowledgements.csv")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(exported.content.decode())))
    assert len(lines) == 3 and lines[0][0] == "Name"
    assert (
        api(in_lyon)
        .get(f"/api/v1/announcements/{announcement_id}/acknowledgements.csv")
        .status_code
        == 403
    )

    assert api(in_lyon).delete(f"/api/v1/posts/{post.pk}/announcement").status_code == 403
    removed = api(staff).delete(f"/api/v1/posts/{post.pk}/announcement")
    assert removed.status_code == 204 and not Announcement.objects.exists()
    assert api(in_lyon).get("/api/v1/announcements").json()["items"] == []
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "feed.announced",
        "feed.announcement_acknowledged",
        "feed.announcement_reminded",
        "feed.unannounced",
    } <= actions


def test_dismiss_an_announcement_without_confirmation() -> None:
    staff, post = _org_post()
    reader = make_user()
    made = call(api(staff), "put", f"/api/v1/posts/{post.pk}/announcement", {})
    assert made.json()["departments"] == [] and made.json()["requires_ack"] is False
    dismissed = api(reader).post(f"/api/v1/announcements/{made.json()['id']}/dismiss")
    assert dismissed.status_code == 200 and dismissed.json()["dismissed_at"]
    assert AnnouncementReceipt.objects.filter(user=reader, dismissed_at__isnull=False).exists()
    assert api(reader).get("/api/v1/announcements").json()["items"] == []
    remind = api(staff).post(f"/api/v1/announcements/{made.json()['id']}/remind")
    assert remind.status_code == 400


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 200),
        ("admin_role", 200),
        ("moderator", 403),
        ("member", 403),
        ("outsider", 404),
        ("guest", 404),
        ("deactivated", 401),
        ("org_admin", 200),
    ],
)
def test_who_may_announce_in_a_space(role: str, status: int) -> None:
    people = cast(kind="private")
    post = make_post(author=people["member"], space=people["space"])
    client = api(people[role])
    response = call(client, "put", f"/api/v1/posts/{post.pk}/announcement", {"requires_ack": True})
    assert response.status_code == status, response.content
    assert Announcement.objects.filter(post=post).exists() is (status == 200)
    if status == 200:
        announcement_id = response.json()["id"]
        listing = client.get(f"/api/v1/announcements/{announcement_id}/acknowledgements")
        assert listing.status_code == 200
        assert client.delete(f"/api/v1/posts/{post.pk}/announcement").status_code == 204
    else:
        Announcement.objects.create(post=post, created_by=people["owner"], requires_ack=True)
        announcement = Announcement.objects.get(post=post)
        report = client.get(f"/api/v1/announcements/{announcement.pk}/acknowledgements")
        # The post's author (a plain member here) follows up on it, without announcing.
        assert report.status_code == (200 if role == "member" else status)
        assert client.delete(f"/api/v1/posts/{post.pk}/announcement").status_code == status
        assert Announcement.objects.filter(post=post).exists()


def test_audience_in_the_report_is_the_members() -> None:
    people = cast(kind="private")
    post = make_post(author=people["member"], space=people["space"])
    made = call(
        api(people["owner"]), "put", f"/api/v1/posts/{post.pk}/announcement", {"requires_ack": True}
    )
    listing = api(people["owner"]).get(
        f"/api/v1/announcements/{made.json()['id']}/acknowledgements"
    )
    assert {r["user"]["id"] for r in listing.json()["items"]} == {
        people[r].pk for r in ("owner", "admin_role", "moderator", "member")
    }


def test_odd_input_is_a_4xx() -> None:
    staff, post = _org_post()
    client = api(staff)
    url = f"/api/v1/posts/{post.pk}/announcement"
    for payload in (
        {"department_ids": [999999]},
        {"site_ids": [2**70]},
        {"department_ids": ["x"]},
        {"department_ids": list(range(501))},
        {"requires_ack": "maybe"},
        {"site_ids": "1"},
        "{",
    ):
        assert_4xx(call(client, "put", url, payload))
    for text in ODD_TEXTS:
        assert_4xx(call(client, "put", url, {"department_ids": [text]}))
    assert not Announcement.objects.exists()
    for odd in ODD_IDS:
        assert_4xx(call(client, "put", f"/api/v1/posts/{odd}/announcement", {}))
        assert_4xx(client.delete(f"/api/v1/posts/{odd}/announcement"))
        for tail in ("dismiss", "acknowledge", "remind"):
            assert_4xx(client.post(f"/api/v1/announcements/{odd}/{tail}"))
        for tail in ("acknowledgements", "acknowledgements.csv"):
            assert_4xx(client.get(f"/api/v1/announcements/{odd}/{tail}"))
    wall = make_post(author=staff, body="on my wall")
    assert call(client, "put", f"/api/v1/posts/{wall.pk}/announcement", {}).status_code == 403


@pytest.mark.parametrize("n", [2, 15])
def test_acknowledgement_list_query_count_is_fixed(
    django_assert_max_num_queries: Any, n: int
) -> None:
    sales, lyon = make_department("Ventes"), make_site("Lyon")
    for i in range(n):
        make_user(department=sales, site=lyon if i % 2 else None)
    staff, post = _org_post()
    made = call(
        api(staff),
        "put",
        f"/api/v1/posts/{post.pk}/announcement",
        {"department_ids": [sales.pk], "requires_ack": True},
    )
    client = api(staff)
    url = f"/api/v1/announcements/{made.json()['id']}/acknowledgements"
    client.get(url)
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert len(response.json()["items"]) == n
    with django_assert_max_num_queries(14):
        assert client.get(url + ".csv").status_code == 200
    reader = api(make_user(department=sales))
    reader.get("/api/v1/announcements")
    with django_assert_max_num_queries(12):
        assert len(reader.get("/api/v1/announcements").json()["items"]) == 1


def test_a_bearer_token_reaches_the_follow_up_and_the_csv() -> None:
    from django.test import Client

    from cercle.accounts.actions.auth import create_api_token

    staff, post = _org_post()
    reader = make_user()
    made = call(api(staff), "put", f"/api/v1/posts/{post.pk}/announcement", {"requires_ack": True})
    _token, secret = create_api_token(user=staff, name="script")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    url = f"/api/v1/announcements/{made.json()['id']}/acknowledgements"
    assert client.get(url).status_code == 200
    exported = client.get(url + ".csv")
    assert exported.status_code == 200 and reader.username in exported.content.decode()
    _other, other_secret = create_api_token(user=reader, name="script")
    refused = Client(HTTP_AUTHORIZATION=f"Bearer {other_secret}").get(url + ".csv")
    assert refused.status_code == 403 and "detail" in refused.json()
