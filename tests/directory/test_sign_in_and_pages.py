"""Sign-in by LDAP bind through the real login form, and the administration pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cercle.accounts.models import Profile, User
from cercle.core import sealing
from cercle.directory.models import DirectoryPerson, DirectorySettings, SyncRun
from tests.directory import directory_data as data
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_signing_in_with_the_directory_password_creates_a_whole_person(configure: Any) -> None:
    configure("people")
    client = Client()
    page = client.post("/accounts/login/", {"login": "p000007", "password": "pw-p000007"})
    assert page.status_code == 302, page.content.decode()[:500]
    person = User.objects.get(email="p000007@example.org")
    assert DirectoryPerson.objects.filter(user=person).exists()
    assert Profile.objects.get(user=person).department is not None
    assert client.get("/").status_code == 200
    # By email address too.
    other = Client().post(
        "/accounts/login/", {"login": "p000008@example.org", "password": "pw-p000008"}
    )
    assert other.status_code == 302


def test_a_wrong_password_is_refused_and_counted_against_the_limit(configure: Any) -> None:
    configure("people")
    for _attempt in range(5):
        page = Client().post("/accounts/login/", {"login": "p000009", "password": "wrong"})
        assert page.status_code == 200
    assert not User.objects.filter(email="p000009@example.org").exists()
    locked = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/login/", {"login": "p000009", "password": "pw-p000009"}
    )
    assert locked.status_code == 200
    assert "Too many failed login attempts" in locked.content.decode()


def test_a_deactivated_person_cannot_sign_in_with_the_directory(
    configure: Any, admin: User
) -> None:
    configure("people")
    assert (
        Client()
        .post("/accounts/login/", {"login": "p000010", "password": "pw-p000010"})
        .status_code
        == 302
    )
    from cercle.accounts.actions.people import deactivate_person

    deactivate_person(actor=admin, person=User.objects.get(email="p000010@example.org"))
    assert (
        Client()
        .post("/accounts/login/", {"login": "p000010", "password": "pw-p000010"})
        .status_code
        == 200
    )


def test_the_pages_save_test_and_run(
    slapd: data.Slapd, admin: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    assert client.get("/manage/directory/").status_code == 200
    form = {
        "enabled": "on",
        "server_uri": slapd.ldap_uri,
        "bind_dn": slapd.root_dn,
        "bind_password": slapd.root_pw,
        "preset": "openldap",
        "user_base_dn": f"ou=people,{data.SUFFIX}",
        "group_base_dn": f"ou=groups,{data.SUFFIX}",
        "max_deactivation_percent": "10",
        "map_site": "l",
    }
    assert client.post("/manage/directory/", form).status_code == 302
    row = DirectorySettings.objects.get(pk=1)
    # Stored sealed (cercle.core.sealing), read open.
    assert row.bind_password.startswith("s1:") and slapd.root_pw not in row.bind_password
    assert sealing.unseal(row.bind_password) == slapd.root_pw
    assert row.attribute_map == {"site": "l"}
    # An empty password keeps the stored one; a bad filter is a 400 and nothing changes.
    assert client.post("/manage/directory/", {**form, "bind_password": ""}).status_code == 302
    assert sealing.unseal(DirectorySettings.objects.get(pk=1).bind_password) == slapd.root_pw
    bad = client.post("/manage/directory/", {**form, "user_filter": "uid=x", "bind_password": ""})
    assert bad.status_code == 400 and DirectorySettings.objects.get(pk=1).user_filter == ""
    tested = client.post("/manage/directory/test/").content.decode()
    result = tested[tested.index('id="test-result"') :]
    assert "Connected." in result, result[:1500]
    assert "@example.org" in result and "Chargé de mission" in result
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/manage/directory/runs/", {"dry_run": "1"})
    run = SyncRun.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/manage/directory/runs/{run.pk}/"
    page = client.get(started["Location"]).content.decode()
    assert "Dry run" in page and "300 people created" in page
    partial = client.get(started["Location"], headers={"HX-Request": "true"})
    assert b"directory-progress" in partial.content and b"<html" not in partial.content
    # Not for people who are not administrators.
    other = Client()
    other.force_login(make_user())
    assert other.get("/manage/directory/").status_code == 403
    assert other.post("/manage/directory/runs/").status_code == 403
