"""Identity providers from `CERCLE_SSO_PROVIDERS` sit beside those of the pages, read-only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from cercle.settings import _sso_providers_from_environment
from cercle.sso import queries
from tests.factories import make_admin

pytestmark = pytest.mark.django_db

ENVIRONMENT = json.dumps(
    [
        {
            "kind": "oidc",
            "key": "keycloak",
            "name": "Keycloak",
            "server_url": "https://id.example.org/realms/staff",
            "client_id": "cercle",
            "secret": "s3cret",
            "profile_mapping": {"job_title": "title"},
        },
        {
            "kind": "saml",
            "key": "adfs",
            "name": "ADFS",
            "idp": {"metadata_url": "https://adfs.example.org/metadata.xml"},
        },
    ]
)


def test_the_environment_adds_read_only_providers(settings: Any) -> None:
    settings.SOCIALACCOUNT_PROVIDERS = _sso_providers_from_environment(ENVIRONMENT)
    providers = {p.key: p for p in queries.identity_providers()}
    assert set(providers) == {"keycloak", "adfs"}
    assert providers["keycloak"].from_environment
    assert providers["keycloak"].mapping["job_title"] == "title"
    assert providers["adfs"].kind == queries.SAML
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_admin())
    listing = client.get("/manage/sso/").content.decode()
    assert "Keycloak" in listing and "CERCLE_SSO_PROVIDERS" in listing
    page = client.get("/manage/sso/providers/keycloak/").content.decode()
    assert "set in the environment" in page and "s3cret" not in page
    refused = client.post(
        "/manage/sso/providers/keycloak/mapping/", {"job_title": "x"}, follow=True
    )
    assert "change it there" in refused.content.decode()
    login = Client(HTTP_ACCEPT_LANGUAGE="en").get("/accounts/login/").content.decode()
    assert "Sign in with Keycloak" in login and "Sign in with ADFS" in login


def test_a_malformed_environment_is_an_error_at_start() -> None:
    with pytest.raises(json.JSONDecodeError):
        _sso_providers_from_environment("[{not json")
    assert _sso_providers_from_environment("") == {
        "openid_connect": {"APPS": []},
        "saml": {"APPS": []},
    }


def test_an_unknown_provider_page_is_a_404() -> None:
    client = Client()
    client.force_login(make_admin())
    assert client.get("/manage/sso/providers/nope/").status_code == 404
    assert client.get("/manage/sso/add/ldap/").status_code == 404
