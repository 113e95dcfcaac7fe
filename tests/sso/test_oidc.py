"""OpenID Connect sign-in against a real provider on loopback: just-in-time accounts that are
whole people, matching by verified email, the attribute mapping, the connection test, and the
provider's end-session at logout."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.test import Client

from cercle.accounts.models import Profile, User
from cercle.audit.models import AuditEntry
from cercle.sso import actions, oidc
from tests.factories import make_admin, make_user
from tests.helpers.whole_person import assert_whole_person
from tests.sso.conftest import oidc_answer, oidc_sign_in, set_oidc_user

pytestmark = pytest.mark.django_db


def test_first_sign_in_creates_a_whole_person_with_the_mapped_profile(
    oidc_app: SocialApp,
) -> None:
    boss = make_user(username="boss", email="boss@acme.fr")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = oidc_sign_in(client, "alice")
    assert response.status_code == 302, response.content.decode()[:3000]
    alice = User.objects.get(email="alice@acme.fr")
    assert client.get("/").wsgi_request.user == alice
    assert (alice.first_name, alice.last_name, alice.language) == ("Alice", "Martin", "en")
    assert not alice.has_usable_password()
    profile = Profile.objects.select_related("department", "site").get(user=alice)
    assert profile.job_title == "Ingénieure réseau"
    assert profile.department is not None and profile.department.name == "Systèmes d'information"
    assert profile.site is not None and profile.site.name == "Lyon"
    assert profile.manager == boss
    assert profile.phone == "+33 4 72 00 00 00"
    assert SocialAccount.objects.get(user=alice).provider == "acme-idp"
    assert AuditEntry.objects.filter(action="auth.signup", actor=alice).exists()
    assert AuditEntry.objects.filter(action="accounts.identity_synced", target_id=alice.pk).exists()
    assert_whole_person(alice, name="Martin")


def test_an_existing_person_is_matched_by_verified_email_and_updated(
    oidc_app: SocialApp, oidc_server: str
) -> None:
    existing = make_user(username="bob", email="bob@acme.fr", first_name="Robert")
    set_oidc_user(
        oidc_server,
        "bob-at-idp",
        {"email": "bob@acme.fr", "email_verified": True, "given_name": "Bob", "job_title": "DSI"},
    )
    client = Client()
    assert oidc_sign_in(client, "bob-at-idp").status_code == 302
    assert User.objects.filter(email="bob@acme.fr").count() == 1
    assert client.get("/").wsgi_request.user == existing
    existing.refresh_from_db()
    assert existing.first_name == "Bob"
    assert Profile.objects.get(user=existing).job_title == "DSI"
    assert SocialAccount.objects.get(user=existing).uid == "bob-at-idp"
    # The next sign-in finds them by the provider's account, and the provider's change lands.
    set_oidc_user(
        oidc_server,
        "bob-at-idp",
        {"email": "bob@acme.fr", "email_verified": True, "job_title": "Directeur des SI"},
    )
    client.logout()
    assert oidc_sign_in(Client(), "bob-at-idp").status_code == 302
    assert Profile.objects.get(user=existing).job_title == "Directeur des SI"


def test_an_unverified_address_of_an_untrusted_provider_matches_nobody(
    oidc_app: SocialApp, oidc_server: str
) -> None:
    actions.save_oidc_provider(
        actor=make_admin(),
        app=oidc_app,
        key="acme-idp",
        name="Acme ID",
        server_url=oidc_app.settings["server_url"],
        client_id="cercle",
        secret="",
        trust_email=False,
    )
    victim = make_user(username="carol", email="carol@acme.fr")
    set_oidc_user(oidc_server, "mallory", {"email": "carol@acme.fr", "email_verified": False})
    client = Client()
    oidc_sign_in(client, "mallory")
    assert client.get("/").wsgi_request.user != victim
    assert not SocialAccount.objects.filter(user=victim).exists()


def test_a_provider_set_to_existing_people_only_creates_nobody(
    oidc_app: SocialApp, oidc_server: str
) -> None:
    actions.save_oidc_provider(
        actor=make_admin(),
        app=oidc_app,
        key="acme-idp",
        name="Acme ID",
        server_url=oidc_app.settings["server_url"],
        client_id="cercle",
        secret="",
        create_accounts=False,
    )
    set_oidc_user(oidc_server, "dave", {"email": "dave@acme.fr", "email_verified": True})
    client = Client()
    oidc_sign_in(client, "dave")
    assert not User.objects.filter(email="dave@acme.fr").exists()
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_the_mapping_is_editable_per_provider(oidc_app: SocialApp, oidc_server: str) -> None:
    admin = make_admin()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    page = client.get("/manage/sso/providers/acme-idp/").content.decode()
    assert 'value="job_title"' in page and "Attribute mapping" in page
    response = client.post(
        "/manage/sso/providers/acme-idp/mapping/", {"job_title": "title", "site": ""}
    )
    assert response.status_code == 302
    set_oidc_user(
        oidc_server,
        "erin",
        {"email": "erin@acme.fr", "email_verified": True, "title": "Cheffe", "site": "Nantes"},
    )
    assert oidc_sign_in(Client(), "erin").status_code == 302
    erin = Profile.objects.get(user__email="erin@acme.fr")
    assert erin.job_title == "Cheffe"
    assert erin.site is None  # not mapped any more
    assert AuditEntry.objects.filter(action="sso.provider_saved", actor=admin).exists()


def test_the_connection_test_shows_the_attributes_and_signs_nobody_in(
    oidc_app: SocialApp,
) -> None:
    admin = make_admin(username="it", email="it@example.org")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    start = client.post("/manage/sso/providers/acme-idp/test/")
    assert start.status_code == 302 and start["Location"].startswith(
        oidc_app.settings["server_url"]
    )

    answer = oidc_answer(client, start["Location"], "alice")
    assert answer.status_code == 302
    assert answer["Location"] == "/manage/sso/providers/acme-idp/test/result/"
    page = client.get(answer["Location"]).content.decode()
    assert "The provider answered" in page
    assert "Ingénieure réseau" in page and "given_name" in page and "alice@acme.fr" in page
    assert not User.objects.filter(email="alice@acme.fr").exists()
    assert client.get("/").wsgi_request.user == admin


def test_logout_ends_the_session_at_the_provider(oidc_app: SocialApp, oidc_server: str) -> None:
    client = Client()
    assert oidc_sign_in(client, "alice").status_code == 302
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{oidc_server}/oauth2/end_session?")
    assert "post_logout_redirect_uri=http%3A%2F%2Ftestserver%2Faccounts%2Flogin%2F" in location
    assert not client.get("/").wsgi_request.user.is_authenticated
    # The ID token the provider issued at sign-in, signed by its keys, for Alice and Cercle.
    query = parse_qs(urlsplit(location).query)
    (hint,) = query["id_token_hint"]
    discovery = requests.get(f"{oidc_server}/.well-known/openid-configuration", timeout=10).json()
    keys = jwt.PyJWKSet.from_dict(requests.get(discovery["jwks_uri"], timeout=10).json()).keys
    (key,) = keys  # the provider's one signing key (its tokens name no `kid`)
    claims = jwt.decode(
        hint, key.key, algorithms=["RS256"], audience="cercle", issuer=discovery["issuer"]
    )
    assert claims["sub"] == "alice"
    # The provider's page takes it (it warns when the hint is missing), then sends the browser
    # back to Cercle's login page.
    page = requests.get(location, timeout=10)
    assert page.status_code == 200
    assert "id_token_hint</code> not set" not in page.text
    assert hint in page.text
    back = requests.post(
        f"{oidc_server}/oauth2/end_session/confirm",
        data={"redirect_uri": query["post_logout_redirect_uri"][0]},
        allow_redirects=False,
        timeout=10,
    )
    assert back.headers["Location"] == "http://testserver/accounts/login/"
    # Gone with the session: the next session has no token to give.
    assert oidc.ID_TOKEN_SESSION_KEY not in client.session


def test_the_hint_is_the_latest_sign_in_s_and_a_connection_test_keeps_none(
    oidc_app: SocialApp, oidc_server: str
) -> None:
    admin = make_admin(username="it2", email="it2@example.org")
    client = Client()
    client.force_login(admin)
    start = client.post("/manage/sso/providers/acme-idp/test/")
    oidc_answer(client, start["Location"], "alice")
    assert oidc.PENDING_SESSION_KEY not in client.session
    assert oidc.ID_TOKEN_SESSION_KEY not in client.session
    # The administrator signed in by password: a local logout, no hint anywhere.
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"
    # Two sign-ins in a row, the second over the first's session (a new session): the hint
    # is the last one's.
    set_oidc_user(oidc_server, "bea", {"email": "bea@acme.fr", "email_verified": True})
    other = Client()
    assert oidc_sign_in(other, "alice").status_code == 302
    assert oidc_sign_in(other, "bea").status_code == 302
    kept = other.session[oidc.ID_TOKEN_SESSION_KEY]
    assert kept["provider"] == "acme-idp"
    location = other.post("/accounts/logout/")["Location"]
    (hint,) = parse_qs(urlsplit(location).query)["id_token_hint"]
    assert hint == kept["id_token"]
    payload = json.loads(base64.urlsafe_b64decode(hint.split(".")[1] + "=="))
    assert payload["sub"] == "bea"


def test_a_password_session_logs_out_locally(oidc_app: SocialApp) -> None:
    make_user(username="pat", email="pat@example.org")
    client = Client()
    assert (
        client.post(
            "/accounts/login/", {"login": "pat", "password": "correct horse battery staple"}
        ).status_code
        == 302
    )
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
