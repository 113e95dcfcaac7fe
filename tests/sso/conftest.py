"""Real identity providers on loopback for the single sign-on tests: an OpenID Connect provider
(`oidc-provider-mock`, authlib underneath) in a thread; the SAML one is in saml_idp.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialApp
from django.test import Client
from oidc_provider_mock import User as OidcUser
from oidc_provider_mock import run_server_in_thread

from cercle.sso import actions
from tests.factories import make_admin

ALICE_CLAIMS = {
    "email": "alice@acme.fr",
    "email_verified": True,
    "given_name": "Alice",
    "family_name": "Martin",
    "job_title": "Ingénieure réseau",
    "department": "Systèmes d'information",
    "site": "Lyon",
    "manager_email": "boss@acme.fr",
    "phone_number": "+33 4 72 00 00 00",
    "locale": "en-GB",
}


@pytest.fixture(scope="session")
def oidc_server() -> Iterator[str]:
    """The provider's issuer URL. Plain HTTP on loopback: authlib allows it when told."""
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    users = [OidcUser(sub="alice", claims=ALICE_CLAIMS)]
    with run_server_in_thread(user_claims=users) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def oidc_app(oidc_server: str) -> SocialApp:
    return actions.save_oidc_provider(
        actor=make_admin(username="sso-setup", email="setup@example.org"),
        key="acme-idp",
        name="Acme ID",
        server_url=oidc_server,
        client_id="cercle",
        secret="cercle-secret",
        scopes="openid profile email phone",
    )


def set_oidc_user(server: str, sub: str, claims: dict[str, Any]) -> None:
    response = requests.put(f"{server}/users/{sub}", json=claims, timeout=10)
    assert response.status_code == 204, response.text


def oidc_sign_in(client: Client, sub: str, *, key: str = "acme-idp", next_url: str = "") -> Any:
    """The whole authorisation-code flow: Cercle's login POST, the provider's consent form
    (answered as `sub`), the callback with the code (Cercle fetches the token and userinfo
    from the provider itself). Returns Cercle's answer to the callback."""
    data = {"next": next_url} if next_url else {}
    start = client.post(f"/accounts/oidc/{key}/login/", data)
    assert start.status_code == 302, start.content.decode()[:2000]
    return oidc_answer(client, start["Location"], sub)


def oidc_answer(client: Client, authorize_url: str, sub: str) -> Any:
    consent = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert consent.status_code == 302, consent.text[:2000]
    callback = urlsplit(consent.headers["Location"])
    return client.get(f"{callback.path}?{callback.query}")
