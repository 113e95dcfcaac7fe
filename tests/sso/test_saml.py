"""SAML 2.0 sign-in against a real identity provider on loopback (pysaml2 signing with xmlsec1):
a just-in-time whole person with the mapped profile, then the same person found again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from cercle.accounts.models import Profile, User
from cercle.sso import actions
from tests.accounts.test_whole_person import assert_whole_person
from tests.factories import make_admin, make_user
from tests.sso.saml_idp import SamlIdp, read_post_form, run_saml_idp

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    """python3-saml refuses single-label host names such as Django's "testserver"."""
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def saml_idp(tmp_path: Path, client: Client) -> Iterator[SamlIdp]:
    with run_saml_idp(tmp_path) as idp:
        actions.save_saml_provider(
            actor=make_admin(username="saml-setup", email="setup@example.org"),
            key="acme-saml",
            name="Acme SAML",
            idp_entity_id=idp.entity_id,
            sso_url=idp.sso_url,
            x509cert=idp.cert,
            uid_attribute="urn:oid:0.9.2342.19200300.100.1.1",
        )
        idp.sp_metadata = client.get("/accounts/saml/acme-saml/metadata/").content.decode()
        idp.identities["jeanne"] = {
            "uid": ["jeanne"],
            "mail": ["jeanne@acme.fr"],
            "givenName": ["Jeanne"],
            "sn": ["Durand"],
            "title": ["Comptable"],
            "ou": ["Finances"],
            "l": ["Bordeaux"],
            "telephoneNumber": ["+33 5 56 00 00 00"],
            "preferredLanguage": ["fr"],
        }
        yield idp


def saml_sign_in(client: Client, idp: SamlIdp, user: str) -> object:
    idp.next_user = user
    start = client.post("/accounts/saml/acme-saml/login/")
    assert start.status_code == 302, start.content.decode()[:2000]
    assert start["Location"].startswith(idp.sso_url)
    page = requests.get(start["Location"], timeout=10)
    assert page.status_code == 200, page.text[:2000]
    action, fields = read_post_form(page.text)
    acs = urlsplit(action)
    answer = client.post(acs.path, fields)
    # allauth finishes the assertion on a second, same-site request.
    while answer.status_code == 302 and "/accounts/saml/" in answer["Location"]:
        answer = client.get(answer["Location"])
    return answer


def test_first_saml_sign_in_creates_a_whole_person(saml_idp: SamlIdp, client: Client) -> None:
    answer = saml_sign_in(client, saml_idp, "jeanne")
    assert getattr(answer, "status_code", 0) == 302, answer.content.decode()[:3000]  # type: ignore[attr-defined]
    jeanne = User.objects.get(email="jeanne@acme.fr")
    assert client.get("/").wsgi_request.user == jeanne
    assert (jeanne.first_name, jeanne.last_name, jeanne.language) == ("Jeanne", "Durand", "fr")
    profile = Profile.objects.select_related("department", "site").get(user=jeanne)
    assert profile.job_title == "Comptable"
    assert profile.department is not None and profile.department.name == "Finances"
    assert profile.site is not None and profile.site.name == "Bordeaux"
    assert profile.phone == "+33 5 56 00 00 00"
    assert SocialAccount.objects.get(user=jeanne).uid == "jeanne"
    assert_whole_person(jeanne, name="Durand")


def test_saml_matches_an_existing_person_by_email(saml_idp: SamlIdp) -> None:
    existing = make_user(username="jd", email="jeanne@acme.fr", first_name="J.")
    client = Client(HTTP_HOST="127.0.0.1")
    saml_sign_in(client, saml_idp, "jeanne")
    assert client.get("/").wsgi_request.user == existing
    assert User.objects.filter(email="jeanne@acme.fr").count() == 1
    existing.refresh_from_db()
    assert existing.first_name == "Jeanne"
