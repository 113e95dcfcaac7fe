"""Two-factor authentication (TOTP, recovery codes, WebAuthn), open sessions, the Security page."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from cercle.audit.models import AuditEntry
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def totp_code(secret: str, step: int = 0) -> str:
    return str(format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step)))


def password_login(client: Client, login: str) -> Any:
    return client.post("/accounts/login/", {"login": login, "password": PASSWORD})


def reauthenticate(client: Client) -> None:
    """Sensitive pages (adding a second factor) ask for the password again."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302


def signed_in_user(client: Client) -> Any:
    return client.get(reverse("settings")).wsgi_request.user


def test_enable_totp_then_logging_in_needs_a_code(
    client: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MFA_TOTP_TOLERANCE = 1  # so that login can use the next period's (unused) code
    user = make_user()
    assert password_login(client, user.username).status_code == 302
    assert client.get(reverse("mfa_activate_totp")).status_code == 302  # asks for the password
    reauthenticate(client)
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    assert "otpauth://" in page.content.decode() or secret in page.content.decode()
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200 and "errorlist" in wrong.content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals after commit
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    # Recovery codes come with it.
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
    enabled = AuditEntry.objects.filter(action="auth.mfa_enabled", actor=user)
    assert {entry.extra["type"] for entry in enabled} >= {"totp"}

    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = password_login(browser, user.username)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in_user(browser).is_authenticated
    bad = browser.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert "Incorrect code" in bad.content.decode()
    failed = AuditEntry.objects.get(action="auth.login_failed", extra__method="mfa")
    assert failed.extra["login"] == user.username
    assert not signed_in_user(browser).is_authenticated
    response = browser.post(reverse("mfa_authenticate"), {"code": totp_code(secret, step=1)})
    assert response.status_code == 302
    assert signed_in_user(browser) == user


def test_a_recovery_code_logs_in_once(client: Client) -> None:
    user = make_user()
    TOTP.activate(user, generate_totp_secret())
    recovery = RecoveryCodes.activate(user)
    code = recovery.get_unused_codes()[0]
    password_login(client, user.username)
    assert not signed_in_user(client).is_authenticated
    assert client.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert signed_in_user(client) == user
    # The same code does not work twice.
    again = Client(HTTP_ACCEPT_LANGUAGE="en")
    password_login(again, user.username)
    again.post(reverse("mfa_authenticate"), {"code": code})
    assert not signed_in_user(again).is_authenticated


def test_deactivating_totp_is_audited(client: Client) -> None:
    user = make_user()
    TOTP.activate(user, secret := generate_totp_secret())
    password_login(client, user.username)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})
    assert signed_in_user(client) == user
    reauthenticate(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert AuditEntry.objects.filter(action="auth.mfa_disabled", actor=user).exists()


def test_webauthn_page_begins_a_registration(client: Client) -> None:
    user = make_user()
    password_login(client, user.username)
    reauthenticate(client)
    page = client.get(reverse("mfa_add_webauthn"))
    assert page.status_code == 200
    html = page.content.decode()
    match = re.search(r'<script id="js_data" type="application/json">(.*?)</script>', html, re.S)
    assert match is not None
    options = json.loads(match.group(1))["creation_options"]["publicKey"]
    assert options["challenge"]
    assert options["user"]["name"] in {user.username, user.email}
    assert options["rp"]["id"] == "testserver"
    # A passkey can also be used to sign in: the login page carries the passkey form.
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    login_page = anonymous.get("/accounts/login/").content.decode()
    assert reverse("mfa_login_webauthn") in login_page


def test_sessions_list_and_end_the_others(client: Client) -> None:
    user = make_user()
    other = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_USER_AGENT="Another browser/1.0")
    password_login(client, user.username)
    password_login(other, user.username)
    assert UserSession.objects.filter(user=user).count() == 2
    page = client.get(reverse("usersessions_list"))
    assert page.status_code == 200
    assert "Another browser/1.0" in page.content.decode()
    response = client.post(reverse("usersessions_list"))
    assert response.status_code == 302
    assert UserSession.objects.filter(user=user).count() == 1
    assert signed_in_user(client) == user
    assert not signed_in_user(other).is_authenticated


def test_security_page_shows_what_is_on(client: Client) -> None:
    user = make_user()
    password_login(client, user.username)
    page = client.get(reverse("security"))
    html = page.content.decode()
    assert page.status_code == 200
    for name in (
        "account_change_password",
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "usersessions_list",
        "api_token_create",
    ):
        assert reverse(name) in html
    TOTP.activate(user, generate_totp_secret())
    RecoveryCodes.activate(user)
    html = client.get(reverse("security")).content.decode()
    assert reverse("mfa_deactivate_totp") in html
    assert "codes left" in html


def test_pages_need_a_signed_in_person(client: Client) -> None:
    for name in ("security", "settings", "usersessions_list", "mfa_index", "mfa_add_webauthn"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_security_page_in_french_says_aucune_for_keys_and_aucun_for_codes() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    user = make_user()
    password_login(client, user.username)
    html = client.get(reverse("security")).content.decode()
    keys = html.split("Clés de sécurité")[1].split("</li>")[0]
    assert '<span class="status-off">aucune</span>' in keys
    codes = html.split("Codes de récupération")[1].split("</li>")[0]
    assert '<span class="status-off">aucun</span>' in codes
