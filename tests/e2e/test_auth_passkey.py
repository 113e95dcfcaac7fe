"""Browser: register a passkey with Chromium's virtual authenticator (WebAuthn over CDP), then
sign in with it, without a password."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from cercle.accounts.models import User
from cercle.audit.models import AuditEntry
from tests.factories import PASSWORD, make_user
from tests.helpers.browser import quiet_websocket


def test_register_a_passkey_then_sign_in_with_it(page: Any, transactional_db: Any) -> None:
    user = make_user(username="paul.passkey")
    quiet_websocket(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    page.goto("/accounts/login/?next=/settings/security/")
    page.fill("input[name=login]", "paul.passkey")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("form[action*='login'] [type=submit]").first.click()

    page.goto("/accounts/2fa/webauthn/add/")
    if "/reauthenticate/" in page.url:  # adding a key asks for the password again
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.locator("main form [type=submit]").first.click()
        page.goto("/accounts/2fa/webauthn/add/")
    assert "/2fa/webauthn/add/" in page.url, page.url
    page.fill("input[name=name]", "Laptop")
    page.check("input[name=passwordless]")
    with page.expect_navigation():
        page.click("#mfa_webauthn_add")
    page.wait_for_load_state()
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert authenticator.wrap().is_passwordless
    assert AuditEntry.objects.filter(
        action="auth.mfa_enabled", actor=user, extra__type="webauthn"
    ).exists()

    page.goto("/settings/security/")
    # The Security page now links to the list of keys (shown only when there is one).
    expect(page.locator("main a[href='/accounts/2fa/webauthn/']")).to_have_count(1)

    # Sign out, then in again with the passkey alone.
    page.goto("/accounts/logout/")
    with page.expect_navigation():
        page.locator("main form[action*='logout'] [type=submit]").click()
    assert "/accounts/login/" in page.url
    with page.expect_navigation(url="**/"):
        page.click("#passkey_login")
    page.goto("/settings/")
    assert "/accounts/login/" not in page.url
    assert Authenticator.objects.get(pk=authenticator.pk).last_used_at is not None
    assert page.locator("main select[name=language]").count() == 1

    # Once deactivated, the passkey no longer signs in.
    page.goto("/accounts/logout/")
    with page.expect_navigation():
        page.locator("main form[action*='logout'] [type=submit]").click()
    User.objects.filter(pk=user.pk).update(is_active=False)
    with page.expect_navigation():
        page.click("#passkey_login")
    assert page.url.endswith(("/accounts/inactive/", "/accounts/login/"))
    page.goto("/settings/")
    assert "/accounts/login/" in page.url
