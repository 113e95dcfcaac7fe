"""Every way an account comes to exist leaves a whole person: a profile (their own page answers),
a directory entry (found by name) and the organisation space (an implied member).

One table of every way (`WAYS`), each run against the real thing it needs: Django's
`create_user`, `createsuperuser` and admin, an invitation (sent, then accepted), a CSV import,
sign-up by an allowed domain, OpenID Connect and SAML against the identity providers the single
sign-on tests start on loopback, LDAP (a sign-in by bind, and a synchronisation) against the
directory tests' slapd, and SCIM through its API with an issued token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ldap3
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from cercle.accounts.actions import people
from cercle.accounts.actions.auth import accept_invitation
from cercle.accounts.models import Organisation, Profile, User
from tests.directory import directory_data
from tests.directory.conftest import admin, configure, slapd, sync, unit  # noqa: F401
from tests.factories import PASSWORD, make_admin, make_invitation
from tests.helpers.whole_person import assert_whole_person
from tests.provisioning.conftest import scim  # noqa: F401
from tests.sso.conftest import oidc_app, oidc_server, oidc_sign_in  # noqa: F401
from tests.sso.test_saml import client, saml_idp, saml_sign_in  # noqa: F401

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a fresh passphrase 2026"


Way = Callable[[pytest.FixtureRequest], tuple[User, str]]


def by_create_user(request: pytest.FixtureRequest) -> tuple[User, str]:
    user = User.objects.create_user(
        username="plain", email="plain@example.org", password=PASSWORD, first_name="Plaine"
    )
    return user, "Plaine"


def by_createsuperuser(request: pytest.FixtureRequest) -> tuple[User, str]:
    request.getfixturevalue("monkeypatch").setenv(
        "DJANGO_SUPERUSER_PASSWORD", "a long enough password 42"
    )
    call_command(
        "createsuperuser", "--no-input", username="root", email="root@example.org", verbosity=0
    )
    return User.objects.get(username="root"), "root"


def by_djangos_admin(request: pytest.FixtureRequest) -> tuple[User, str]:
    staff = Client()
    staff.force_login(make_admin())
    response = staff.post(
        "/django-admin/accounts/user/add/",
        {
            "username": "fromadmin",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "usable_password": "true",
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "0",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
            "profile-0-job_title": "Archiviste",
            "profile-0-team": "",
            "profile-0-phone": "",
            "profile-0-languages": "[]",
            "profile-0-ask_me_about": "[]",
            "profile-0-bio": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="fromadmin")
    assert Profile.objects.get(user=user).job_title == "Archiviste"
    return user, "fromadmin"


def by_invitation(request: pytest.FixtureRequest) -> tuple[User, str]:
    user = people.invite_person(
        actor=make_admin(),
        email="invited@example.org",
        first_name="Inès",
        last_name="Vitée",
        job_title="Juriste",
        send=False,
    )
    assert Profile.objects.get(user=user).job_title == "Juriste"
    return user, "Vitee"


def by_accepted_invitation(request: pytest.FixtureRequest) -> tuple[User, str]:
    user, secret = make_invitation()
    user = User.objects.get(pk=user.user_id) if not isinstance(user, User) else user
    accept_invitation(token=secret, password=NEW_PASSWORD)
    return user, user.last_name


def by_csv_import(request: pytest.FixtureRequest) -> tuple[User, str]:
    checked = people.check_import(
        "email,first_name,last_name\nimported@example.org,Ivan,Importé\n", create_missing=False
    )
    [user_id] = people.import_people(actor=make_admin(), checked=checked)
    return User.objects.get(pk=user_id), "Importe"


def by_sign_up_of_an_allowed_domain(request: pytest.FixtureRequest) -> tuple[User, str]:
    Organisation.objects.update_or_create(pk=1, defaults={"signup_domains": "acme.fr"})
    cache.clear()
    response = Client().post(
        "/accounts/signup/",
        {
            "email": "nina@acme.fr",
            "username": "nina",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    return User.objects.get(username="nina"), "nina"


def by_openid_connect(request: pytest.FixtureRequest) -> tuple[User, str]:
    request.getfixturevalue("oidc_app")
    answer = oidc_sign_in(Client(), "alice")
    assert answer.status_code == 302, answer.content.decode()[:2000]
    return User.objects.get(email="alice@acme.fr"), "Martin"


def by_saml(request: pytest.FixtureRequest) -> tuple[User, str]:
    # test_saml's `client` (imported above): python3-saml refuses the host "testserver".
    idp = request.getfixturevalue("saml_idp")
    answer: Any = saml_sign_in(request.getfixturevalue("client"), idp, "jeanne")
    assert answer.status_code == 302, answer.content.decode()[:2000]
    return User.objects.get(email="jeanne@acme.fr"), "Durand"


def by_ldap_sign_in(request: pytest.FixtureRequest) -> tuple[User, str]:
    name = request.getfixturevalue("unit")(1)
    request.getfixturevalue("configure")(name)
    index = _first_index_of(request, name)
    answer = Client().post(
        "/accounts/login/", {"login": f"p{index:06d}", "password": f"pw-p{index:06d}"}
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    return User.objects.get(email=f"p{index:06d}@example.org"), f"Martin{index}"


def by_ldap_synchronisation(request: pytest.FixtureRequest) -> tuple[User, str]:
    name = request.getfixturevalue("unit")(2)
    request.getfixturevalue("configure")(name)
    run = sync()
    assert run.created_count == 2, run.report
    index = _first_index_of(request, name) + 1
    return User.objects.get(email=f"p{index:06d}@example.org"), f"Martin{index}"


def by_scim(request: pytest.FixtureRequest) -> tuple[User, str]:
    answer = request.getfixturevalue("scim").create_user("anne.martin@example.com")
    assert answer.status == 201, answer.body
    return User.objects.get(pk=int(answer.body["id"])), "Martin"


def _first_index_of(request: pytest.FixtureRequest, unit_name: str) -> int:
    """The index of the first person (p<index>) the `unit` fixture put in this unit."""
    server = request.getfixturevalue("slapd")
    connection = ldap3.Connection(
        ldap3.Server(server.ldap_uri.rstrip("/")), server.root_dn, server.root_pw, auto_bind=True
    )
    connection.search(f"ou={unit_name},{directory_data.SUFFIX}", "(uid=*)", attributes=["uid"])
    return min(int(str(entry.uid)[1:]) for entry in connection.entries)


WAYS: dict[str, Way] = {
    "create_user": by_create_user,
    "createsuperuser": by_createsuperuser,
    "django_admin": by_djangos_admin,
    "invitation": by_invitation,
    "accepted_invitation": by_accepted_invitation,
    "csv_import": by_csv_import,
    "sign_up_by_allowed_domain": by_sign_up_of_an_allowed_domain,
    "openid_connect": by_openid_connect,
    "saml": by_saml,
    "ldap_sign_in": by_ldap_sign_in,
    "ldap_synchronisation": by_ldap_synchronisation,
    "scim": by_scim,
}


@pytest.mark.parametrize("way", WAYS)
def test_every_way_an_account_comes_gives_a_whole_person(
    way: str, request: pytest.FixtureRequest
) -> None:
    user, name = WAYS[way](request)
    assert_whole_person(user, name=name)
