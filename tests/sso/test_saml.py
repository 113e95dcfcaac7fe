"""SAML 2.0 sign-in against a real identity provider on loopback (pysaml2 signing with xmlsec1):
a just-in-time whole person with the mapped profile, then the same person found again; single
logout started in Cercle and started at the provider."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from asgiref.sync import sync_to_async
from django.conf import settings
from django.test import Client

from cercle.accounts.models import Profile, User
from cercle.audit.models import AuditEntry
from cercle.sso import actions
from tests.factories import make_admin, make_user
from tests.helpers.sockets import drain, socket_for
from tests.helpers.whole_person import assert_whole_person
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
            slo_url=idp.slo_url,
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


def _signed_in_as(client: Client) -> object:
    return client.get("/").wsgi_request.user


def test_logout_in_cercle_ends_the_session_at_the_provider(
    saml_idp: SamlIdp, client: Client
) -> None:
    saml_sign_in(client, saml_idp, "jeanne")
    jeanne = User.objects.get(email="jeanne@acme.fr")
    assert _signed_in_as(client) == jeanne
    out = client.post("/accounts/logout/")
    assert out.status_code == 302
    assert out["Location"].startswith(saml_idp.slo_url + "?")
    assert "SAMLRequest" in parse_qs(urlsplit(out["Location"]).query)
    assert not _signed_in_as(client).is_authenticated  # type: ignore[attr-defined]
    # The provider reads the request, ends its session and sends the browser back.
    back = requests.get(out["Location"], allow_redirects=False, timeout=10)
    assert back.status_code == 302, back.text[:2000]
    assert saml_idp.logout_requests == [
        {
            "name_id": "idp-jeanne",
            "session_index": saml_idp.session_indexes["jeanne"],
            "issuer": "http://127.0.0.1/accounts/saml/acme-saml/metadata/",
        }
    ]
    sls = urlsplit(back.headers["Location"])
    assert sls.path == "/accounts/saml/acme-saml/sls/"
    assert "Signature" in parse_qs(sls.query)
    answer = client.get(f"{sls.path}?{sls.query}")
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert "/saml/" not in answer["Location"]


def test_a_logout_response_with_a_bad_signature_is_refused(
    saml_idp: SamlIdp, client: Client
) -> None:
    saml_sign_in(client, saml_idp, "jeanne")
    out = client.post("/accounts/logout/")
    back = requests.get(out["Location"], allow_redirects=False, timeout=10)
    sls = urlsplit(back.headers["Location"])
    params = {k: v[0] for k, v in parse_qs(sls.query).items()}
    params["Signature"] = params["Signature"][:-8] + "AAAAAAA="
    answer = client.get(sls.path, params)
    assert answer.status_code == 400


def test_logout_started_at_the_provider_ends_the_cercle_session(
    saml_idp: SamlIdp, client: Client
) -> None:
    saml_sign_in(client, saml_idp, "jeanne")
    assert _signed_in_as(client).is_authenticated  # type: ignore[attr-defined]
    answer = client.get(saml_idp.logout_request_url("jeanne"))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    # The answer goes back to the provider: a LogoutResponse.
    assert answer["Location"].startswith(saml_idp.slo_url + "?")
    assert "SAMLResponse" in parse_qs(urlsplit(answer["Location"]).query)
    assert not _signed_in_as(client).is_authenticated  # type: ignore[attr-defined]


def test_a_provider_logout_naming_someone_else_ends_nothing(
    saml_idp: SamlIdp, client: Client
) -> None:
    saml_sign_in(client, saml_idp, "jeanne")
    answer = client.get(saml_idp.logout_request_url("paul"))
    assert answer.status_code == 302
    assert answer["Location"].startswith(saml_idp.slo_url + "?")
    assert _signed_in_as(client) == User.objects.get(email="jeanne@acme.fr")


def test_a_provider_logout_does_not_end_a_session_opened_by_password(
    saml_idp: SamlIdp, client: Client
) -> None:
    jeanne = make_user(username="jeanne", email="jeanne@acme.fr")
    client.force_login(jeanne)
    answer = client.get(saml_idp.logout_request_url("jeanne"))
    assert answer.status_code == 302
    assert _signed_in_as(client) == jeanne


def test_a_forged_provider_logout_is_refused_and_ends_nothing(
    saml_idp: SamlIdp, client: Client
) -> None:
    saml_sign_in(client, saml_idp, "jeanne")
    url = urlsplit(saml_idp.logout_request_url("jeanne"))
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    params["Signature"] = params["Signature"][:-8] + "AAAAAAA="
    answer = client.get(url.path, params)
    assert answer.status_code == 400
    assert _signed_in_as(client).is_authenticated  # type: ignore[attr-defined]


def _signed_in_twice(saml_idp: SamlIdp) -> tuple[Client, str, Client, str]:
    """Jeanne signed in through the provider in two browsers (two provider sessions)."""
    first, second = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    saml_sign_in(first, saml_idp, "jeanne")
    first_index = saml_idp.session_indexes["jeanne"]
    saml_sign_in(second, saml_idp, "jeanne")
    second_index = saml_idp.session_indexes["jeanne"]
    assert first_index and second_index and first_index != second_index
    return first, first_index, second, second_index


def test_a_provider_logout_without_session_index_ends_every_session_it_opened(
    saml_idp: SamlIdp,
) -> None:
    first, _first_index, second, _second_index = _signed_in_twice(saml_idp)
    jeanne = User.objects.get(email="jeanne@acme.fr")
    by_password = Client(HTTP_HOST="127.0.0.1")
    by_password.force_login(jeanne)
    answer = first.get(saml_idp.logout_request_url("jeanne", session_index=""))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert "SAMLResponse" in parse_qs(urlsplit(answer["Location"]).query)
    assert not _signed_in_as(first).is_authenticated  # type: ignore[attr-defined]
    assert not _signed_in_as(second).is_authenticated  # type: ignore[attr-defined]
    # A session opened another way is not the provider's to end.
    assert _signed_in_as(by_password) == jeanne
    entry = AuditEntry.objects.get(action="sso.provider_logout")
    assert (entry.actor, entry.extra) == (jeanne, {"provider": "acme-saml", "sessions": 2})


def test_a_provider_logout_with_a_session_index_ends_that_session_only(
    saml_idp: SamlIdp,
) -> None:
    first, first_index, second, _second_index = _signed_in_twice(saml_idp)
    answer = first.get(saml_idp.logout_request_url("jeanne", session_index=first_index))
    assert answer.status_code == 302
    assert not _signed_in_as(first).is_authenticated  # type: ignore[attr-defined]
    assert _signed_in_as(second) == User.objects.get(email="jeanne@acme.fr")


def test_a_provider_logout_for_another_session_index_ends_nothing(saml_idp: SamlIdp) -> None:
    first, _first_index, second, second_index = _signed_in_twice(saml_idp)
    # The request for the second browser's provider session, reaching the first browser.
    answer = first.get(saml_idp.logout_request_url("jeanne", session_index=second_index))
    assert answer.status_code == 302
    jeanne = User.objects.get(email="jeanne@acme.fr")
    assert _signed_in_as(first) == jeanne and _signed_in_as(second) == jeanne
    assert not AuditEntry.objects.filter(action="sso.provider_logout").exists()


@pytest.mark.django_db(transaction=True)
async def test_a_provider_logout_closes_the_sockets_of_the_sessions_it_ends(
    saml_idp: SamlIdp,
) -> None:
    first, _i, second, _j = await sync_to_async(_signed_in_twice)(saml_idp)
    jeanne = await User.objects.aget(email="jeanne@acme.fr")
    by_password = Client(HTTP_HOST="127.0.0.1")
    await sync_to_async(by_password.force_login)(jeanne)
    engine = import_module(settings.SESSION_ENGINE)
    sockets = []
    for browser in (second, by_password):
        comm = socket_for(jeanne)
        comm.scope["session"] = engine.SessionStore(browser.cookies["sessionid"].value)
        ok, _code = await comm.connect(timeout=30)
        assert ok
        assert (await comm.receive_json_from(timeout=30))["type"] == "hello"
        await drain(comm)
        sockets.append(comm)
    url = saml_idp.logout_request_url("jeanne", session_index="")
    answer = await sync_to_async(first.get)(url)
    assert answer.status_code == 302
    closed = await sockets[0].receive_output(timeout=30)
    while closed["type"] != "websocket.close":
        closed = await sockets[0].receive_output(timeout=30)
    assert closed["code"] == 4401
    # The password session's socket stays open.
    assert await sockets[1].receive_nothing(timeout=0.5)
    await sockets[1].disconnect()
