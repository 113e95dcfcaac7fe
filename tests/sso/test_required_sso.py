"""Per email domain, admins require single sign-on: password and sign-in code are refused with a
clear message (the login page, the API's token, Django's admin), a break-glass administrator keeps
a password; people of the domain still sign in through their provider."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialApp
from django.core import mail
from django.test import Client

from cercle.audit.models import AuditEntry
from cercle.sso.models import BreakGlassAccount, RequiredSsoDomain
from tests.factories import PASSWORD, make_admin, make_user
from tests.sso.conftest import oidc_sign_in

pytestmark = pytest.mark.django_db
MESSAGE = "Your organisation signs you in through its identity provider"


@pytest.fixture
def admin_client(oidc_app: SocialApp) -> Client:
    admin = make_admin(username="it", email="it@example.org")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    return client


def require(client: Client, domains: str) -> None:
    response = client.post("/manage/sso/domains/", {"domains": domains})
    assert response.status_code == 302, response.content.decode()[:2000]


def test_password_sign_in_is_refused_with_a_clear_message(admin_client: Client) -> None:
    person = make_user(username="alice", email="alice@acme.fr")
    outsider = make_user(username="olga", email="olga@partner.org")
    require(admin_client, "acme.fr")
    assert list(RequiredSsoDomain.objects.values_list("domain", flat=True)) == ["acme.fr"]
    for login in ("alice", "ALICE@acme.fr"):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        page = client.post("/accounts/login/", {"login": login, "password": PASSWORD})
        assert page.status_code == 200
        assert MESSAGE in page.content.decode()
        assert "Sign in with Acme ID" in page.content.decode()
        assert not client.get("/").wsgi_request.user.is_authenticated
    assert AuditEntry.objects.filter(action="sso.password_refused", actor=person).exists()
    # A wrong password says nothing about single sign-on (nothing revealed about "alice").
    wrong = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/login/", {"login": "alice", "password": "not it at all"}
    )
    assert MESSAGE not in wrong.content.decode()
    # Other domains are not concerned.
    other = Client()
    assert (
        other.post("/accounts/login/", {"login": "olga", "password": PASSWORD}).status_code == 302
    )
    assert other.get("/").wsgi_request.user == outsider


def test_the_api_token_and_djangos_admin_refuse_the_password_too(admin_client: Client) -> None:
    make_admin(username="root", email="root@acme.fr")
    require(admin_client, "acme.fr")
    token = Client().post(
        "/api/v1/auth/token",
        {"username": "root", "password": PASSWORD},
        content_type="application/json",
    )
    assert token.status_code in {401, 403}
    client = Client()
    client.post("/django-admin/login/", {"username": "root", "password": PASSWORD})
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_sign_in_codes_are_refused(admin_client: Client) -> None:
    make_user(username="alice", email="alice@acme.fr")
    require(admin_client, "acme.fr")
    mail.outbox.clear()
    page = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/login/code/", {"email": "alice@acme.fr"}
    )
    assert MESSAGE in page.content.decode()
    assert mail.outbox == []


def test_people_of_the_domain_still_sign_in_through_their_provider(admin_client: Client) -> None:
    require(admin_client, "acme.fr")
    client = Client()
    assert oidc_sign_in(client, "alice").status_code == 302
    user = client.get("/").wsgi_request.user
    assert user.is_authenticated and user.email == "alice@acme.fr"
    # The session stays valid on the next requests (the backends only refuse passwords).
    assert client.get("/people/").wsgi_request.user == user


def test_a_break_glass_admin_keeps_their_password(admin_client: Client) -> None:
    root = make_admin(username="root", email="root@acme.fr")
    member = make_user(username="mel", email="mel@acme.fr")
    response = admin_client.post("/manage/sso/break-glass/", {"person": "mel"})
    assert "Only an active administrator" in response.content.decode()
    assert (
        admin_client.post("/manage/sso/break-glass/", {"person": "root@acme.fr"}).status_code == 302
    )
    assert BreakGlassAccount.objects.filter(user=root).exists()
    require(admin_client, "acme.fr")
    client = Client()
    assert (
        client.post("/accounts/login/", {"login": "root", "password": PASSWORD}).status_code == 302
    )
    assert client.get("/").wsgi_request.user == root
    refused = Client().post("/accounts/login/", {"login": "mel", "password": PASSWORD})
    assert refused.status_code == 200
    assert not BreakGlassAccount.objects.filter(user=member).exists()


def test_an_admin_cannot_lock_themselves_out(oidc_app: SocialApp) -> None:
    admin = make_admin(username="boss", email="boss@acme.fr")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    page = client.post("/manage/sso/domains/", {"domains": "acme.fr"})
    assert page.status_code == 200
    assert "break-glass account first" in page.content.decode()
    assert not RequiredSsoDomain.objects.exists()


def test_bad_domains_and_no_provider_are_refused_and_change_nothing() -> None:
    admin = make_admin(username="it", email="it@example.org")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    page = client.post("/manage/sso/domains/", {"domains": "acme.fr"})
    assert "Add an identity provider first" in page.content.decode()
    page = client.post("/manage/sso/domains/", {"domains": "acme.fr, not a domain"})
    assert "is not an email domain" in page.content.decode()
    assert not RequiredSsoDomain.objects.exists()


def test_only_admins_open_the_page() -> None:
    client = Client()
    client.force_login(make_user())
    assert client.get("/manage/sso/").status_code == 403
    assert client.post("/manage/sso/domains/", {"domains": ""}).status_code == 403


def test_the_message_is_no_way_round_the_limit_on_failed_logins(admin_client: Client) -> None:
    make_user(username="alice", email="alice@acme.fr")
    require(admin_client, "acme.fr")
    for _attempt in range(5):
        Client().post("/accounts/login/", {"login": "alice", "password": "a wrong guess"})
    # Locked out: even the right password no longer tells whether it was right.
    page = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/login/", {"login": "alice", "password": PASSWORD}
    )
    assert MESSAGE not in page.content.decode()
    assert "Too many failed login attempts" in page.content.decode()
