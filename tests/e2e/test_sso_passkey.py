"""Browser: a passkey under required single sign-on (Chromium's virtual authenticator, WebAuthn
over CDP). A person whose domain requires single sign-on cannot sign in with a passkey alone
(it would bypass their identity provider); a break-glass administrator of that domain can (the
way in when the provider is down, and stronger than their password)."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator

from cercle.audit.models import AuditEntry
from cercle.sso.models import BreakGlassAccount, RequiredSsoDomain
from tests.factories import PASSWORD, make_admin, make_user

MESSAGE = "plutôt qu'une clé d'accès"


def _with_passkey(page: Any, username: str) -> None:
    """Signs in by password, registers a passkey usable alone, logs out."""
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
    page.goto("/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("form[action*='login'] [type=submit]").first.click()
    page.goto("/accounts/2fa/webauthn/add/")
    if "/reauthenticate/" in page.url:
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.locator("main form [type=submit]").first.click()
        page.goto("/accounts/2fa/webauthn/add/")
    page.fill("input[name=name]", "Laptop")
    page.check("input[name=passwordless]")
    with page.expect_navigation():
        page.click("#mfa_webauthn_add")
    page.wait_for_load_state()
    _log_out(page)


def _log_out(page: Any) -> None:
    page.goto("/accounts/logout/")
    with page.expect_navigation():
        page.locator("main form[action*='logout'] [type=submit]").click()


def test_a_passkey_alone_does_not_bypass_required_sso_but_break_glass_keeps_it(
    new_page: Any, transactional_db: Any
) -> None:
    alice = make_user(username="alice", email="alice@acme.fr")
    root = make_admin(username="root", email="root@acme.fr")
    alice_page, root_page = new_page(), new_page()
    for page in (alice_page, root_page):
        page.set_default_timeout(30_000)
    _with_passkey(alice_page, "alice")
    _with_passkey(root_page, "root")
    assert Authenticator.objects.filter(type=Authenticator.Type.WEBAUTHN).count() == 2

    RequiredSsoDomain.objects.create(domain="acme.fr")
    BreakGlassAccount.objects.create(user=root)

    # Alice's passkey is refused, with the message, and audited.
    with alice_page.expect_navigation():
        alice_page.click("#passkey_login")
    alice_page.wait_for_load_state()
    assert "/accounts/login/" in alice_page.url
    assert MESSAGE in alice_page.locator("body").inner_text()
    alice_page.goto("/settings/")
    assert "/accounts/login/" in alice_page.url
    assert AuditEntry.objects.filter(
        action="sso.password_refused", actor=alice, extra__method="passkey"
    ).exists()

    # The break-glass administrator signs in with theirs.
    with root_page.expect_navigation(url="**/"):
        root_page.click("#passkey_login")
    root_page.goto("/settings/")
    assert "/accounts/login/" not in root_page.url
    assert not AuditEntry.objects.filter(action="sso.password_refused", actor=root).exists()
