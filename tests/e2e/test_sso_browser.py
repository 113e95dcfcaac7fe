"""Browser: single sign-on through the real flows in Chromium — Cercle's login page, the identity
provider's own page (a real OpenID Connect provider, a real SAML one, both on loopback), and back
to Cercle signed in as a new, whole person; then SAML single logout through the provider."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cercle.accounts.models import Profile, User
from cercle.sso import actions
from tests.factories import make_admin
from tests.sso.conftest import oidc_server  # noqa: F401  (the provider, a session fixture)
from tests.sso.saml_idp import SamlIdp, run_saml_idp


def test_oidc_sign_in_in_the_browser(
    page: Any,
    live_server: Any,
    oidc_server: str,  # noqa: F811  (the fixture imported above)
    transactional_db: Any,
) -> None:
    actions.save_oidc_provider(
        actor=make_admin(username="it", email="it@example.org"),
        key="acme-idp",
        name="Acme ID",
        server_url=oidc_server,
        client_id="cercle",
        secret="cercle-secret",
    )
    # Three servers (Cercle, the provider, the browser) share a loaded machine: wait longer.
    page.set_default_timeout(30_000)
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Se connecter avec Acme ID").click()
    page.wait_for_url(f"{oidc_server}/**")
    page.get_by_role("button", name="alice").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "Alice" in page.locator("h1").inner_text()
    alice = User.objects.get(email="alice@acme.fr")
    assert Profile.objects.get(user=alice).job_title == "Ingénieure réseau"


@pytest.fixture
def saml_idp(tmp_path: Path) -> Iterator[SamlIdp]:
    with run_saml_idp(tmp_path) as idp:
        idp.identities["jeanne"] = {
            "uid": ["jeanne"],
            "mail": ["jeanne@acme.fr"],
            "givenName": ["Jeanne"],
            "sn": ["Durand"],
            "title": ["Comptable"],
        }
        idp.next_user = "jeanne"
        yield idp


def test_saml_sign_in_in_the_browser(
    new_page: Any, live_server: Any, saml_idp: SamlIdp, transactional_db: Any
) -> None:
    # python3-saml refuses single-label host names: reach the live server by its address.
    base = live_server.url.replace("localhost", "127.0.0.1")
    actions.save_saml_provider(
        actor=make_admin(username="it", email="it@example.org"),
        key="acme-saml",
        name="Acme SAML",
        idp_entity_id=saml_idp.entity_id,
        sso_url=saml_idp.sso_url,
        slo_url=saml_idp.slo_url,
        x509cert=saml_idp.cert,
        uid_attribute="urn:oid:0.9.2342.19200300.100.1.1",
    )
    page = new_page()
    page.set_default_timeout(30_000)
    saml_idp.sp_metadata = page.request.get(f"{base}/accounts/saml/acme-saml/metadata/").text()
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("button", name="Se connecter avec Acme SAML").click()
    page.wait_for_url(f"{base}/", timeout=20_000)
    assert "Jeanne" in page.locator("h1").inner_text()
    jeanne = User.objects.get(email="jeanne@acme.fr")
    assert Profile.objects.get(user=jeanne).job_title == "Comptable"
    # Logging out goes through the provider's SLO address and back to Cercle's login page.
    page.goto(f"{base}/accounts/logout/")
    page.locator("main form[action*='logout'] [type=submit]").click()
    page.wait_for_url(f"{base}/accounts/login/**", timeout=20_000)
    assert [r["name_id"] for r in saml_idp.logout_requests] == ["idp-jeanne"]
    page.goto(f"{base}/")
    assert "/accounts/login/" in page.url
