"""The token endpoint, personal access tokens (API and Security page), Bearer and session auth."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cercle.accounts.actions.auth import create_api_token
from cercle.accounts.models import ApiToken
from cercle.accounts.tokens import hash_token
from cercle.audit.models import AuditEntry
from tests.factories import PASSWORD, make_admin, make_guest, make_user

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
TOKENS_URL = "/api/v1/me/tokens"


def post_json(client: Client, url: str, data: Any, **extra: Any) -> Any:
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


def bearer(secret: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


# --- POST /api/v1/auth/token


def test_token_by_username_then_used_as_bearer(client: Client) -> None:
    user = make_user(username="api.user")
    response = post_json(client, TOKEN_URL, {"username": "api.user", "password": PASSWORD})
    assert response.status_code == 200
    secret = response.json()["token"]
    assert ApiToken.objects.get(key_hash=hash_token(secret)).user == user
    me = Client().get("/api/v1/me", **bearer(secret))
    assert me.status_code == 200 and me.json()["username"] == "api.user"
    assert AuditEntry.objects.filter(action="auth.token_created", actor=user).exists()


def test_token_by_email(client: Client) -> None:
    make_user(username="mailer", email="mailer@example.org")
    response = post_json(
        client, TOKEN_URL, {"username": "Mailer@Example.org", "password": PASSWORD}
    )
    assert response.status_code == 200 and response.json()["token"].startswith("crc_")


@pytest.mark.parametrize(
    "payload",
    [
        {"username": "nobody", "password": PASSWORD},
        {"username": "known", "password": "wrong password"},
        {"username": "gone", "password": PASSWORD},
    ],
)
def test_wrong_credentials_or_deactivated_get_401(client: Client, payload: dict[str, str]) -> None:
    make_user(username="known")
    make_user(username="gone", is_active=False)
    response = post_json(client, TOKEN_URL, payload)
    assert response.status_code == 401
    assert response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_bad_input_is_a_4xx_with_detail(client: Client) -> None:
    for body in ("not json", json.dumps({"username": "x"}), json.dumps([1, 2])):
        response = client.post(TOKEN_URL, body, content_type="application/json")
        assert 400 <= response.status_code < 500
        assert "detail" in response.json()


def test_token_endpoint_is_rate_limited_like_logins(settings: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/5m/key"}
    make_user(username="target")
    for _ in range(3):
        assert (
            post_json(client, TOKEN_URL, {"username": "target", "password": "x"}).status_code == 401
        )
    response = post_json(client, TOKEN_URL, {"username": "target", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.json()["detail"]
    assert AuditEntry.objects.filter(extra__method="rate_limited").count() == 1
    failed = AuditEntry.objects.filter(action="auth.login_failed", extra__method="password")
    assert failed.count() == 3 and failed.first().extra["login"] == "target"  # type: ignore[union-attr]


# --- Bearer tokens


def test_a_deactivated_persons_token_stops_working(client: Client) -> None:
    user = make_user()
    _token, secret = create_api_token(user=user, name="script")
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get("/api/v1/me", **bearer(secret))
    assert response.status_code == 401 and response.json()["detail"]


def test_expired_and_unknown_tokens_are_refused(client: Client) -> None:
    user = make_user()
    _token, secret = create_api_token(
        user=user, name="old", expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert client.get("/api/v1/me", **bearer(secret)).status_code == 401
    assert client.get("/api/v1/me", **bearer("crc_unknown")).status_code == 401


def test_last_used_is_noted_at_most_once_a_minute(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    user = make_user()
    token, secret = create_api_token(user=user, name="script")
    assert token.last_used_at is None
    client.get("/api/v1/me", **bearer(secret))
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    # Within the minute: no write, one query to find the token.
    with django_assert_max_num_queries(1):
        client.get("/api/v1/me", **bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at == first_use
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(minutes=2))
    client.get("/api/v1/me", **bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at > first_use - timedelta(minutes=1)


# --- /api/v1/me/tokens


def test_create_list_and_revoke_tokens_through_the_api(client: Client) -> None:
    user = make_user()
    _token, secret = create_api_token(user=user, name="first")
    created = post_json(client, TOKENS_URL, {"name": "reporting"}, **bearer(secret))
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "reporting" and body["token"].startswith(body["prefix"])
    listed = client.get(TOKENS_URL, **bearer(secret)).json()
    assert [item["name"] for item in listed] == ["reporting", "first"]
    assert all("token" not in item for item in listed)  # secrets are never listed
    assert client.delete(f"{TOKENS_URL}/{body['id']}", **bearer(secret)).status_code == 204
    assert client.get("/api/v1/me", **bearer(body["token"])).status_code == 401
    assert AuditEntry.objects.filter(action="auth.token_revoked", actor=user).exists()


def test_an_empty_name_is_refused(client: Client) -> None:
    _token, secret = create_api_token(user=make_user(), name="first")
    response = post_json(client, TOKENS_URL, {"name": "   "}, **bearer(secret))
    assert response.status_code == 400 and "name" in response.json()["detail"]


def test_another_persons_token_cannot_be_revoked(client: Client) -> None:
    _mine, my_secret = create_api_token(user=make_user(), name="mine")
    theirs, _secret = create_api_token(user=make_user(), name="theirs")
    for token_id, status in ((theirs.pk, 404), (999999, 404), (2**70, 422)):  # 422: not an id
        response = client.delete(f"{TOKENS_URL}/{token_id}", **bearer(my_secret))
        assert response.status_code == status, token_id
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


def test_listing_tokens_costs_a_fixed_number_of_queries(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    user = make_user()
    _token, secret = create_api_token(user=user, name="t0")
    for n in range(10):
        create_api_token(user=user, name=f"t{n + 1}")
    client.get("/api/v1/me", **bearer(secret))  # note the use first
    with django_assert_max_num_queries(2):
        response = client.get(TOKENS_URL, **bearer(secret))
    assert len(response.json()) == 11


@pytest.mark.parametrize("who", ["anonymous", "deactivated"])
def test_token_endpoints_refuse_the_anonymous_and_deactivated(client: Client, who: str) -> None:
    if who == "deactivated":
        user = make_user()
        client.force_login(user)
        user.is_active = False
        user.save(update_fields=["is_active"])
    assert client.get(TOKENS_URL).status_code == 401
    assert post_json(client, TOKENS_URL, {"name": "x"}).status_code == 401
    assert client.delete(f"{TOKENS_URL}/1").status_code == 401


@pytest.mark.parametrize("maker", [make_user, make_guest, make_admin])
def test_everyone_signed_in_manages_their_own_tokens(maker: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(maker())
    assert client.get(TOKENS_URL).status_code == 200


def test_session_calls_need_the_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user())
    refused = post_json(client, TOKENS_URL, {"name": "no csrf"})
    assert refused.status_code == 403
    assert not ApiToken.objects.exists()
    client.get(reverse("security"))  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    accepted = post_json(client, TOKENS_URL, {"name": "with csrf"}, HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201
    assert ApiToken.objects.filter(name="with csrf").exists()


# --- The Security page's token forms


def test_security_page_creates_shows_once_and_revokes_a_token(client: Client) -> None:
    user = make_user()
    client.force_login(user)
    response = client.post(reverse("api_token_create"), {"name": "laptop script"})
    assert response.status_code == 302
    token = ApiToken.objects.get(user=user)
    page = client.get(reverse("security")).content.decode()
    assert 'id="new-token-secret"' in page and token.prefix in page
    secret = page.split('id="new-token-secret">')[1].split("<")[0]
    assert hash_token(secret) == token.key_hash
    assert 'id="new-token-secret"' not in client.get(reverse("security")).content.decode()
    assert client.post(reverse("api_token_revoke", args=[token.pk])).status_code == 302
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_security_page_refuses_an_empty_name_at_the_field(client: Client) -> None:
    client.force_login(make_user())
    response = client.post(reverse("api_token_create"), {"name": ""})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_security_page_cannot_revoke_anothers_token(client: Client) -> None:
    theirs, _secret = create_api_token(user=make_user(), name="theirs")
    client.force_login(make_user())
    assert client.post(reverse("api_token_revoke", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("api_token_revoke", args=[theirs.pk])).status_code == 405
    assert ApiToken.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("maker", [make_user, make_guest, make_admin])
def test_security_page_for_each_role_costs_the_same_with_more_tokens(maker: Any) -> None:
    client = Client()
    user = maker()
    client.force_login(user)
    create_api_token(user=user, name="t0")
    client.get(reverse("security"))  # warm the caches (organisation, session)
    with CaptureQueriesContext(connection) as one_token:
        response = client.get(reverse("security"))
    assert response.status_code == 200
    for n in range(5):
        create_api_token(user=user, name=f"t{n + 1}")
    with CaptureQueriesContext(connection) as six_tokens:
        response = client.get(reverse("security"))
    html = response.content.decode()
    assert all(f"t{n}" in html for n in range(6))
    assert len(six_tokens) == len(one_token)


def test_the_token_endpoint_needs_no_csrf_token_scripts_have_none() -> None:
    make_user(username="script.owner")
    client = Client(enforce_csrf_checks=True)
    response = post_json(client, TOKEN_URL, {"username": "script.owner", "password": PASSWORD})
    assert response.status_code == 200 and response.json()["token"]


def test_the_security_page_explains_the_bearer_header() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user())
    html = client.get(reverse("security")).content.decode()
    assert "<code>Authorization: Bearer &lt;token&gt;</code>" in html


def test_the_endpoints_are_documented_in_openapi(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "post" in paths["/api/v1/auth/token"]
    assert paths["/api/v1/auth/token"]["post"].get("security") in (None, [])
    assert {"get", "post"} <= set(paths["/api/v1/me/tokens"])
    assert "delete" in paths["/api/v1/me/tokens/{token_id}"]
