"""The session list's "last seen" (`cercle.accounts.middleware`): written at most once a minute
per session, address and browser, not on every request; a new address or browser at once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from allauth.usersessions.signals import session_client_changed
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cercle.accounts import middleware
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    middleware.forget_tracked()
    yield
    middleware.forget_tracked()


def _session_writes(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return sum("usersessions_usersession" in q["sql"] for q in queries.captured_queries)


def _signed_in(user_agent: str = "") -> tuple[Client, UserSession]:
    user = make_user()
    client = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_USER_AGENT=user_agent)
    client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    return client, UserSession.objects.get(user=user)


def test_last_seen_is_written_once_then_not_again_within_the_interval() -> None:
    client, row = _signed_in()
    long_ago = timezone.now() - timedelta(hours=1)
    UserSession.objects.filter(pk=row.pk).update(last_seen_at=long_ago)
    assert _session_writes(client, reverse("settings")) == 2  # read, then update
    row.refresh_from_db()
    assert row.last_seen_at > long_ago
    UserSession.objects.filter(pk=row.pk).update(last_seen_at=long_ago)
    for _ in range(3):
        assert _session_writes(client, reverse("settings")) == 0
    row.refresh_from_db()
    assert row.last_seen_at == long_ago


def test_last_seen_is_written_again_after_the_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    client, _row = _signed_in()
    assert _session_writes(client, reverse("settings")) == 2
    later = middleware._now() + middleware.TRACK_INTERVAL + 1
    monkeypatch.setattr(middleware, "_now", lambda: later)
    assert _session_writes(client, reverse("settings")) == 2


def test_another_browser_on_the_same_session_is_written_at_once() -> None:
    client, row = _signed_in(user_agent="Browser one")
    assert _session_writes(client, reverse("settings")) == 2
    changes: list[str] = []

    def changed(sender: object, to_session: UserSession, **kwargs: object) -> None:
        changes.append(to_session.user_agent)

    session_client_changed.connect(changed)
    try:
        response = client.get(reverse("settings"), HTTP_USER_AGENT="Browser two")
    finally:
        session_client_changed.disconnect(changed)
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.user_agent == "Browser two"
    assert changes == ["Browser two"]


def test_signed_out_requests_write_nothing() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    with CaptureQueriesContext(connection) as queries:
        client.get("/accounts/login/")
    assert not any("usersessions_usersession" in q["sql"] for q in queries.captured_queries)
    assert not UserSession.objects.exists()


def test_the_views_get_the_person_not_the_lazy_wrapper_and_sign_out_still_works() -> None:
    from django.utils.functional import SimpleLazyObject

    from cercle.accounts.models import User

    client, _session = _signed_in()
    response = client.get(reverse("home"))
    assert response.status_code == 200
    seen = response.wsgi_request.user
    assert type(seen) is User and not isinstance(seen, SimpleLazyObject)
    client.post("/accounts/logout/")
    assert client.get(reverse("home")).status_code == 302  # signed out: to the sign-in page
