"""Every way an account comes to exist leaves a whole person: a profile (their own page answers),
a directory entry (found by name) and the organisation space (an implied member).

Single sign-on's just-in-time accounts are checked the same way in tests/sso/test_oidc.py.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from cercle.accounts.actions import people
from cercle.accounts.actions.auth import accept_invitation
from cercle.accounts.models import Organisation, Profile, User
from cercle.search.models import SearchDocument
from cercle.spaces.models import SpaceRole
from cercle.spaces.queries import can_read_wall, effective_role, organisation_space
from tests.factories import PASSWORD, make_admin, make_invitation

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a fresh passphrase 2026"


def assert_whole_person(user: User, *, name: str) -> None:
    """`name` is a word of their name, searched for in the directory by a colleague."""
    user.refresh_from_db()
    profile = Profile.objects.get(user=user)
    assert profile.sort_name, "the directory sorts by this column"
    assert name.lower() in profile.search_text
    own = Client(HTTP_ACCEPT_LANGUAGE="en")
    own.force_login(user)
    assert own.get(f"/people/{user.username}/").status_code == 200
    colleague = Client(HTTP_ACCEPT_LANGUAGE="en")
    colleague.force_login(make_admin(username=f"colleague-of-{user.pk}"))
    directory = colleague.get("/people/", {"q": name}).content.decode()
    assert f"/people/{user.username}/" in directory
    space = organisation_space()
    assert can_read_wall(user, space)
    assert effective_role(user, space) in {SpaceRole.MEMBER, SpaceRole.OWNER, SpaceRole.ADMIN}


def test_create_user_gives_a_whole_person() -> None:
    user = User.objects.create_user(
        username="plain", email="plain@example.org", password=PASSWORD, first_name="Plaine"
    )
    assert_whole_person(user, name="Plaine")


def test_createsuperuser_gives_a_whole_person(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long enough password 42")
    call_command(
        "createsuperuser", "--no-input", username="root", email="root@example.org", verbosity=0
    )
    assert_whole_person(User.objects.get(username="root"), name="root")


def test_djangos_admin_gives_a_whole_person() -> None:
    admin = Client()
    admin.force_login(make_admin())
    response = admin.post(
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
    assert_whole_person(user, name="fromadmin")


def test_an_invitation_gives_a_whole_person() -> None:
    user = people.invite_person(
        actor=make_admin(),
        email="invited@example.org",
        first_name="Inès",
        last_name="Vitée",
        job_title="Juriste",
        send=False,
    )
    assert Profile.objects.get(user=user).job_title == "Juriste"
    assert_whole_person(user, name="Vitee")


def test_an_accepted_invitation_stays_a_whole_person() -> None:
    user, secret = make_invitation()
    user = User.objects.get(pk=user.user_id) if not isinstance(user, User) else user
    accept_invitation(token=secret, password=NEW_PASSWORD)
    assert_whole_person(user, name=user.last_name)


def test_a_csv_import_gives_whole_people() -> None:
    checked = people.check_import(
        "email,first_name,last_name\nimported@example.org,Ivan,Importé\n", create_missing=False
    )
    [user_id] = people.import_people(actor=make_admin(), checked=checked)
    assert_whole_person(User.objects.get(pk=user_id), name="Importe")
    # Created in bulk (no model signals): in the site's search all the same.
    assert SearchDocument.objects.filter(kind="person", object_id=user_id).exists()


def test_sign_up_by_an_allowed_domain_gives_a_whole_person() -> None:
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
    assert_whole_person(User.objects.get(username="nina"), name="nina")
