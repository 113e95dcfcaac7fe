"""Admins set how long a signed-in session lasts: idle time and absolute lifetime (OWASP ASVS
3.3.1/3.3.2). Past either, the next request signs the person out and sends them to sign in again
(the API answers 401); what the page fetches by itself never counts as activity."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from cercle.audit.models import AuditEntry
from cercle.sso import queries
from cercle.sso.middleware import SEEN_KEY, STARTED_KEY
from cercle.sso.models import SessionPolicy
from tests.factories import make_admin, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    queries.forget_session_limits()
    yield
    queries.forget_session_limits()


def signed_in(user: object) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)  # type: ignore[arg-type]
    return client


def set_policy(idle_minutes: int, lifetime_hours: int) -> None:
    admin = signed_in(make_admin(username="it", email="it@example.org"))
    response = admin.post(
        "/manage/sso/sessions/",
        {"idle_minutes": idle_minutes, "lifetime_hours": lifetime_hours},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    queries.forget_session_limits()  # what the commit does in a real request


def age(client: Client, key: str, seconds: float) -> None:
    session = client.session
    session[key] = session[key] - seconds
    session.save()


def test_an_idle_session_ends_and_the_person_signs_in_again() -> None:
    set_policy(idle_minutes=30, lifetime_hours=0)
    client = signed_in(make_user(username="mel"))
    assert client.get("/").status_code == 200
    age(client, SEEN_KEY, 29 * 60)
    assert client.get("/").status_code == 200  # 29 minutes: still in (and active again)
    age(client, SEEN_KEY, 31 * 60)
    response = client.get("/spaces/?page=2")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fspaces%2F%3Fpage%3D2"
    # Signed out for good, not only redirected once.
    assert client.get("/")["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_activity_keeps_a_session_alive_but_background_refreshes_do_not() -> None:
    set_policy(idle_minutes=30, lifetime_hours=0)
    client = signed_in(make_user(username="mel"))
    age(client, SEEN_KEY, 20 * 60)
    before = client.session[SEEN_KEY]
    client.get("/notifications/bell/", headers={"X-Cercle-Background": "1"})
    assert client.session[SEEN_KEY] == before  # the bell's refresh is not activity
    client.get("/")
    assert client.session[SEEN_KEY] > before + 19 * 60  # a page is
    age(client, SEEN_KEY, 25 * 60)
    assert client.get("/").status_code == 200  # 25 minutes since the last page: still in


def test_the_lifetime_ends_even_a_busy_session() -> None:
    set_policy(idle_minutes=0, lifetime_hours=12)
    client = signed_in(make_user(username="mel"))
    age(client, STARTED_KEY, 11 * 3600)
    assert client.get("/").status_code == 200
    age(client, STARTED_KEY, 2 * 3600)
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_the_api_answers_401_once_the_session_is_over() -> None:
    set_policy(idle_minutes=10, lifetime_hours=0)
    client = signed_in(make_user(username="mel"))
    assert client.get("/api/v1/me").status_code == 200
    age(client, SEEN_KEY, 11 * 60)
    assert client.get("/api/v1/me").status_code == 401


def test_no_policy_no_limit() -> None:
    client = signed_in(make_user(username="mel"))
    age(client, SEEN_KEY, 30 * 24 * 3600)
    age(client, STARTED_KEY, 30 * 24 * 3600)
    assert client.get("/").status_code == 200


def test_the_change_is_audited_and_bad_values_change_nothing() -> None:
    set_policy(idle_minutes=45, lifetime_hours=10)
    assert AuditEntry.objects.filter(action="sso.session_policy").count() == 1
    admin = signed_in(make_admin(username="it2", email="it2@example.org"))
    for bad in (
        {"idle_minutes": -1, "lifetime_hours": 10},
        {"idle_minutes": 45, "lifetime_hours": 10**6},
        {"idle_minutes": "soon", "lifetime_hours": 10},
        {},
    ):
        page = admin.post("/manage/sso/sessions/", bad)
        assert page.status_code == 200 and 'class="errorlist' in page.content.decode(), bad
    policy = SessionPolicy.objects.get(pk=1)
    assert (policy.idle_minutes, policy.lifetime_hours) == (45, 10)
    assert signed_in(make_user()).post("/manage/sso/sessions/", {}).status_code == 403
    page = admin.get("/manage/sso/")
    assert 'name="idle_minutes" value="45"' in page.content.decode()
