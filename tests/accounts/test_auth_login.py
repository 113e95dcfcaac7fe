"""Signing in and out: by username or email, wrong password, rate limit, deactivated people,
login by emailed code and password reset through a real SMTP server, audit entries."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from cercle.accounts.actions.auth import end_all_sessions
from cercle.audit.models import AuditEntry
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
CODE_PATTERN = r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$"


@pytest.fixture
def client() -> Client:
    """A browser asking for English (the site's default language is French)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def log_in(client: Client, login: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(LOGIN_URL, {"login": login, "password": password}, **extra)


def test_the_login_page_offers_password_code_passkey_and_forgotten_password(client: Client) -> None:
    page = client.get(LOGIN_URL)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="login"' in html and 'name="password"' in html
    assert 'autocomplete="username"' in html and 'autocomplete="current-password"' in html
    assert reverse("account_reset_password") in html
    assert reverse("account_request_login_code") in html
    assert 'id="passkey_login"' in html and reverse("mfa_login_webauthn") in html
    # Rendered inside Cercle's layout, with labels and a main landmark.
    assert '<main id="main"' in html and "<label" in html
    # Sign-up is closed by default: no link to it.
    assert reverse("account_signup") not in html


def test_log_in_by_username(client: Client) -> None:
    user = make_user(username="helene.dupont")
    response = log_in(client, "helene.dupont")
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == user
    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.actor == user and entry.ip_address == "127.0.0.1"


def test_log_in_by_email_any_case(client: Client) -> None:
    user = make_user(username="marc", email="marc.leroy@example.org")
    response = log_in(client, "Marc.Leroy@example.org")
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == user


def test_wrong_password_says_so_and_is_audited(client: Client) -> None:
    make_user(username="alice")
    response = log_in(client, "alice", "not the password")
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert not client.get("/").wsgi_request.user.is_authenticated
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.extra["login"] == "alice"
    assert entry.ip_address == "127.0.0.1"
    assert entry.actor is None


def test_failed_logins_are_rate_limited_per_account(client: Client, settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/5m/key"}
    make_user(username="bob")
    for _ in range(3):
        assert "not correct" in log_in(client, "bob", "wrong").content.decode()
    response = log_in(client, "bob", PASSWORD)  # even the right password is refused now
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert not client.get("/").wsgi_request.user.is_authenticated
    log_in(client, "bob", PASSWORD)  # blocked again: audited once a minute, not each time
    blocked = AuditEntry.objects.filter(action="auth.login_failed", extra__method="rate_limited")
    assert blocked.count() == 1 and blocked.get().extra["login"] == "bob"
    # Another account from the same address is not blocked by this account's limit.
    make_user(username="carol")
    assert log_in(client, "carol").status_code == 302


def test_failed_logins_are_rate_limited_per_address(client: Client, settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "3/m/ip"}
    make_user(username="dan")
    for name in ("x1", "x2", "x3"):
        log_in(client, name, "wrong")
    response = log_in(client, "dan")
    assert "Too many failed login attempts" in response.content.decode()
    other_address = Client(REMOTE_ADDR="10.0.0.9", HTTP_ACCEPT_LANGUAGE="en")
    assert log_in(other_address, "dan").status_code == 302


def test_sign_ins_per_address_are_limited_by_a_setting(client: Client, settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    make_user(username="eve")
    assert log_in(client, "eve").status_code == 302
    client.post(reverse("account_logout"))
    assert log_in(client, "eve").status_code == 302
    client.post(reverse("account_logout"))
    refused = log_in(client, "eve")
    assert refused.status_code == 429 or "Too many" in refused.content.decode()
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_the_sign_in_limit_comes_from_the_environment() -> None:
    """An office behind one address raises it (docs/configuration.md, CERCLE_LOGIN_LIMIT)."""
    code = "from django.conf import settings; print(settings.ACCOUNT_RATE_LIMITS['login'])"
    env = {
        **os.environ,
        "CERCLE_LOGIN_LIMIT": "300/m/ip",
        "DJANGO_SETTINGS_MODULE": "cercle.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stdout.strip().splitlines()[-1] == "300/m/ip"


def test_logout_needs_a_post_and_is_audited(client: Client) -> None:
    user = make_user()
    client.force_login(user)
    page = client.get(reverse("account_logout"))  # a confirmation page, still signed in
    assert page.status_code == 200
    assert client.get("/").wsgi_request.user.is_authenticated
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert not client.get("/").wsgi_request.user.is_authenticated
    assert AuditEntry.objects.filter(action="auth.logout", actor=user).exists()


def test_a_deactivated_person_cannot_log_in_with_a_password(client: Client) -> None:
    make_user(username="gone", is_active=False)
    response = log_in(client, "gone")
    assert not client.get("/").wsgi_request.user.is_authenticated
    assert response.status_code in {200, 302}
    if response.status_code == 302:
        assert response["Location"] == reverse("account_inactive")


def test_an_open_session_stops_working_once_the_person_is_deactivated(client: Client) -> None:
    user = make_user()
    assert log_in(client, user.username).status_code == 302
    assert client.get(reverse("settings")).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get(reverse("settings"))
    assert response.status_code == 302 and LOGIN_URL in response["Location"]


def test_end_all_sessions_ends_every_session(client: Client) -> None:
    user = make_user()
    second = Client(HTTP_USER_AGENT="Other browser", HTTP_ACCEPT_LANGUAGE="en")
    log_in(client, user.username)
    log_in(second, user.username)
    assert UserSession.objects.filter(user=user).count() == 2
    assert end_all_sessions(user) >= 2
    assert UserSession.objects.filter(user=user).count() == 0
    assert client.get(reverse("settings")).status_code == 302
    assert second.get(reverse("settings")).status_code == 302


def test_login_by_code_through_real_smtp(client: Client, smtp_server: Any) -> None:
    user = make_user(email="code.user@example.org")
    response = client.post(reverse("account_request_login_code"), {"email": user.email})
    assert response.status_code == 302
    [message] = smtp_server.wait_for(1)
    assert message["To"] == user.email
    code = re.search(CODE_PATTERN, smtp_server.texts()[0], re.MULTILINE)
    assert code is not None
    response = client.post(reverse("account_confirm_login_code"), {"code": code.group(1)})
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == user


def test_login_by_code_refuses_a_deactivated_person(client: Client, smtp_server: Any) -> None:
    user = make_user(email="inactive.code@example.org", is_active=False)
    client.post(reverse("account_request_login_code"), {"email": user.email})
    codes = [
        match.group(1)
        for text in smtp_server.texts()
        if (match := re.search(CODE_PATTERN, text, re.MULTILINE))
    ]
    for code in codes:
        client.post(reverse("account_confirm_login_code"), {"code": code})
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_password_reset_through_real_smtp(client: Client, smtp_server: Any) -> None:
    user = make_user(email="forgetful@example.org")
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    [message] = smtp_server.wait_for(1)
    assert message["To"] == user.email
    # The organisation's name, not the request's host, in the subject and the greeting.
    assert message["Subject"].startswith("[Cercle] ")
    assert "testserver" not in smtp_server.texts()[0].split("http")[0]
    link = re.search(r"https?://[^\s]+/accounts/password/reset/key/[^\s]+", smtp_server.texts()[0])
    assert link is not None
    path = "/" + link.group(0).split("/", 3)[3]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    new_password = "a brand new passphrase 42"
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)
    assert AuditEntry.objects.filter(action="auth.password_reset", actor=user).exists()
    assert log_in(Client(), user.email, new_password).status_code == 302


def test_change_password_is_audited(client: Client) -> None:
    user = make_user()
    client.force_login(user)
    new_password = "another long passphrase 7"
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)
    assert AuditEntry.objects.filter(action="auth.password_changed", actor=user).exists()


def test_change_password_rejects_a_weak_one_at_the_field(client: Client) -> None:
    user = make_user()
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "short", "password2": "short"},
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
