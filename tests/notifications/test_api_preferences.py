"""Notification preferences and space levels through the API (the settings page's actions), and
the notification list's fixed query count."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from cercle.feed import actions as feed_actions
from cercle.notifications import queries
from cercle.notifications.models import Preference, QuietHours, SpaceSetting
from cercle.notifications.registry import KINDS
from tests.factories import make_guest, make_space, make_user
from tests.helpers.api import ODD_IDS, ODD_TEXTS, api, assert_4xx, call, cast

pytestmark = pytest.mark.django_db
URL = "/api/v1/notifications/preferences"


def test_read_and_change_preferences_only_what_is_sent() -> None:
    me = make_user()
    client = api(me)
    start = client.get(URL).json()
    assert [k["kind"] for k in start["kinds"]] == list(KINDS)
    assert all(k["email"] and k["digest"] for k in start["kinds"])
    assert start["quiet_start"] is None and start["quiet_end"] is None

    changed = call(
        client,
        "patch",
        URL,
        {
            "email": {"mention": False},
            "digest": {"reaction": False},
            "quiet_start": "21:30",
            "quiet_end": "07:00",
        },
    )
    assert changed.status_code == 200, changed.content
    kinds = {k["kind"]: k for k in changed.json()["kinds"]}
    assert kinds["mention"]["email"] is False and kinds["mention"]["digest"] is True
    assert kinds["reaction"]["digest"] is False and kinds["invitation"]["email"] is True
    assert changed.json()["quiet_start"] == "21:30:00"
    assert not queries.wants_email(me, "mention") and queries.wants_email(me, "invitation")
    assert QuietHours.objects.get(user=me).end == datetime.time(7, 0)

    # What is not sent stays as it was.
    again = call(client, "patch", URL, {"email": {"invitation": False}}).json()
    kinds = {k["kind"]: k for k in again["kinds"]}
    assert kinds["mention"]["email"] is False and kinds["invitation"]["email"] is False
    assert kinds["reaction"]["digest"] is False and again["quiet_start"] == "21:30:00"

    cleared = call(client, "patch", URL, {"quiet_start": None, "quiet_end": None}).json()
    assert cleared["quiet_start"] is None and not QuietHours.objects.filter(user=me).exists()
    assert {k["kind"]: k["email"] for k in cleared["kinds"]}["mention"] is False


def test_bad_preferences_change_nothing() -> None:
    me = make_user()
    client = api(me)
    call(client, "patch", URL, {"email": {"mention": False}})
    half = call(client, "patch", URL, {"email": {"mention": True}, "quiet_start": "22:00"})
    assert half.status_code == 400 and "quiet_end" in half.json()["detail"]
    unknown = call(client, "patch", URL, {"email": {"weird": True}})
    assert unknown.status_code == 400 and "kind" in unknown.json()["detail"]
    for payload in (
        {"email": {"mention": "perhaps"}},
        {"email": ["mention"]},
        {"digest": {"a\x00": True}},
        {"quiet_start": "25:00", "quiet_end": "07:00"},
        {"quiet_start": "x" * 10_000, "quiet_end": "07:00"},
        {"email": {f"k{i}": True for i in range(51)}},
        "[",
    ):
        assert_4xx(call(client, "patch", URL, payload))
    for text in ODD_TEXTS:
        assert_4xx(call(client, "patch", URL, {"email": {text: False}}))
    assert not queries.wants_email(me, "mention")  # still as set first
    assert Preference.objects.filter(user=me, email=False).count() == 1


def test_guests_have_preferences_deactivated_and_anonymous_do_not() -> None:
    guest = make_guest()
    assert call(api(guest), "patch", URL, {"email": {"mention": False}}).status_code == 200
    gone = make_user(is_active=False)
    for client in (api(gone), api()):
        assert client.get(URL).status_code == 401
        assert call(client, "patch", URL, {"email": {"mention": False}}).status_code == 401
    assert not Preference.objects.filter(user=gone).exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("owner", 200),
        ("admin_role", 200),
        ("moderator", 200),
        ("member", 200),
        ("outsider", 404),
        ("guest", 404),
        ("deactivated", 401),
        ("org_admin", 200),
    ],
)
def test_space_level_by_role(role: str, status: int) -> None:
    people = cast(kind="private")
    space = people["space"]
    client = api(people[role])
    url = f"/api/v1/spaces/{space.slug}/notification-level"
    read = client.get(url)
    assert read.status_code == status
    if status == 200:
        assert read.json() == {
            "space_id": space.pk,
            "level": "all",
            "chosen": False,
            "choices": ["all", "mentions", "nothing"],
        }
    changed = call(client, "put", url, {"level": "nothing"})
    assert changed.status_code == status
    if status == 200:
        assert changed.json()["level"] == "nothing" and changed.json()["chosen"] is True
    assert SpaceSetting.objects.filter(user=people[role], space=space).exists() is (status == 200)


def test_space_level_odd_input() -> None:
    me = make_user()
    space = make_space(members=(me,))
    client = api(me)
    url = f"/api/v1/spaces/{space.pk}/notification-level"
    for text in ODD_TEXTS:
        assert_4xx(call(client, "put", url, {"level": text}))
    for payload in ({"level": 3}, {}, "[", {"level": None}):
        assert_4xx(call(client, "put", url, payload))
    for odd in ODD_IDS:
        assert_4xx(client.get(f"/api/v1/spaces/{odd}/notification-level"))
        assert_4xx(
            call(client, "put", f"/api/v1/spaces/{odd}/notification-level", {"level": "all"})
        )
    assert not SpaceSetting.objects.exists()


@pytest.mark.parametrize("n", [2, 25])
def test_notification_list_query_count_is_fixed(django_assert_max_num_queries: Any, n: int) -> None:
    me = make_user(username="me")
    for i in range(n):
        feed_actions.create_post(actor=make_user(), body=f"Hi @me {i}")
    client = api(me)
    client.get("/api/v1/notifications")
    with django_assert_max_num_queries(10):
        response = client.get("/api/v1/notifications?limit=50")
    assert len(response.json()["items"]) == n
    with django_assert_max_num_queries(10):
        assert len(client.get(URL).json()["kinds"]) == len(KINDS)


@pytest.mark.parametrize("zoned", ["00:00:00Z", "21:00+02:00", "07:00:00-05:00"])
def test_quiet_hours_with_a_time_zone_are_refused_and_change_nothing(zoned: str) -> None:
    """Quiet hours are in the person's own time zone: a time with a zone of its own is a 422 at
    its field (it used to be a 500 on SQLite), and the quiet hours stay as they were."""
    me = make_user()
    client = api(me)
    before = call(client, "patch", URL, {"quiet_start": "21:30", "quiet_end": "07:00"})
    assert before.status_code == 200
    response = call(client, "patch", URL, {"quiet_start": zoned, "quiet_end": "07:00"})
    assert response.status_code == 422, response.content
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "payload", "quiet_start"]
    assert "time zone" in problem["msg"]
    quiet = QuietHours.objects.get(user=me)
    assert (quiet.start, quiet.end) == (datetime.time(21, 30), datetime.time(7, 0))
