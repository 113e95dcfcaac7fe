"""Who may administer what (issue 17): the communication/HR team manages people — invitations,
imports, deactivation, departments and sites — but not the IT department's settings, nor the
administrator role; the roles page says so in words."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from cercle.accounts.actions import people
from cercle.accounts.models import Department, Role, Site, User
from cercle.accounts.queries import (
    assignable_roles,
    may_administer,
    may_manage_people,
    may_manage_person,
    may_manage_settings,
)
from cercle.administration import actions
from cercle.administration.models import ImportJob
from tests.factories import make_admin, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _memory_mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def client_for(user: User) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


PEOPLE_PAGES = [
    "admin_index",
    "admin_people",
    "admin_invite",
    "admin_import",
    "admin_import_template",
    "admin_roles",
    "admin_departments",
    "admin_sites",
]
SETTINGS_PAGES = ["admin_organisation", "admin_messaging", "admin_documents", "admin_audit"]


def test_the_rules_by_role() -> None:
    admin, hr = make_admin(), make_user(role=Role.STAFF)
    member, guest = make_user(), make_user(role=Role.GUEST)
    gone = make_user(role=Role.STAFF, is_active=False)
    assert [may_manage_people(u) for u in (admin, hr, member, guest, gone)] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert [may_manage_settings(u) for u in (admin, hr, member, guest, gone)] == [
        True,
        False,
        False,
        False,
        False,
    ]
    assert may_administer(hr) and not may_administer(member)
    assert Role.ADMIN not in assignable_roles(hr) and Role.STAFF in assignable_roles(hr)
    assert Role.ADMIN in assignable_roles(admin)
    assert assignable_roles(member) == []
    assert may_manage_person(hr, member) and not may_manage_person(hr, admin)
    assert may_manage_person(admin, hr)


def test_hr_opens_the_people_pages_but_not_the_it_settings() -> None:
    hr = make_user(role=Role.STAFF)
    client = client_for(hr)
    for name in PEOPLE_PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    for name in SETTINGS_PAGES:
        assert client.get(reverse(name)).status_code == 403, name
    # The navigation shows only what the role may open; the header links to the administration.
    body = client.get(reverse("admin_people")).content.decode()
    for name in PEOPLE_PAGES[:4] + PEOPLE_PAGES[5:]:
        assert f'href="{reverse(name)}"' in body, name
    for name in SETTINGS_PAGES:
        assert f'href="{reverse(name)}"' not in body, name
    assert f'href="{reverse("admin:index")}"' not in body


def test_members_see_no_administration_link_and_admins_see_every_section() -> None:
    member_page = client_for(make_user()).get(reverse("home")).content.decode()
    assert f'href="{reverse("admin_index")}"' not in member_page
    admin_page = client_for(make_admin()).get(reverse("admin_people")).content.decode()
    for name in SETTINGS_PAGES:
        assert f'href="{reverse(name)}"' in admin_page


def test_hr_invites_and_deactivates_people_through_the_pages() -> None:
    hr = make_user(role=Role.STAFF)
    client = client_for(hr)
    response = client.post(
        reverse("admin_invite"),
        {"email": "new@example.org", "first_name": "Nina", "last_name": "Neuve", "role": "member"},
    )
    assert response.status_code == 302
    invited = User.objects.get(email="new@example.org")
    assert invited.role == Role.MEMBER
    colleague = make_user()
    assert client.post(reverse("admin_deactivate", args=[colleague.pk])).status_code == 302
    colleague.refresh_from_db()
    assert not colleague.is_active
    assert client.post(reverse("admin_reactivate", args=[colleague.pk])).status_code == 302
    colleague.refresh_from_db()
    assert colleague.is_active
    assert client.post(reverse("admin_departments"), {"name": "Production"}).status_code == 302
    assert client.post(reverse("admin_sites"), {"name": "Lyon"}).status_code == 302
    assert Department.objects.filter(name="Production").exists()
    assert Site.objects.filter(name="Lyon").exists()


def test_hr_cannot_make_an_administrator_nor_touch_one() -> None:
    admin = make_admin()
    hr = make_user(role=Role.STAFF)
    member = make_user()
    client = client_for(hr)
    # Not offered, and refused when sent anyway.
    assert 'value="admin"' not in client.get(reverse("admin_invite")).content.decode()
    response = client.post(
        reverse("admin_invite"),
        {"email": "boss@example.org", "first_name": "B", "last_name": "B", "role": "admin"},
    )
    assert response.status_code == 200  # the form says the choice is not valid
    assert not User.objects.filter(email="boss@example.org").exists()
    assert (
        client.post(reverse("admin_set_role", args=[member.pk]), {"role": "admin"}).status_code
        == 403
    )
    assert client.post(reverse("admin_deactivate", args=[admin.pk])).status_code == 403
    assert (
        client.post(reverse("admin_set_role", args=[admin.pk]), {"role": "member"}).status_code
        == 403
    )
    member.refresh_from_db()
    admin.refresh_from_db()
    assert member.role == Role.MEMBER and admin.role == Role.ADMIN and admin.is_active
    # HR may give the roles below administrator.
    client.post(reverse("admin_set_role", args=[member.pk]), {"role": "staff"})
    member.refresh_from_db()
    assert member.role == Role.STAFF
    # On the people list, an administrator's row has no role menu nor actions for HR.
    body = client.get(reverse("admin_people")).content.decode()
    assert reverse("admin_set_role", args=[admin.pk]) not in body
    assert reverse("admin_deactivate", args=[admin.pk]) not in body
    assert reverse("admin_set_role", args=[member.pk]) in body
    with pytest.raises(PermissionDenied):
        people.invite_person(
            actor=hr, email="x@example.org", first_name="X", last_name="Y", role=Role.ADMIN
        )


def test_hr_imports_people_but_not_administrators(
    django_capture_on_commit_callbacks: Any,
) -> None:
    hr = make_user(role=Role.STAFF)
    data = (
        b"email,first_name,last_name,role\na@example.org,Anne,A,member\nb@example.org,Bob,B,admin\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        job = actions.start_import(actor=hr, filename="people.csv", data=data, language="en")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID
    assert [e["row"] for e in job.report["errors"]] == [3]
    assert job.report["errors"][0]["field"] == "role"
    assert "Only administrators" in job.report["errors"][0]["message"]
    with django_capture_on_commit_callbacks(execute=True):
        actions.import_valid_rows(actor=hr, job=job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert User.objects.filter(email="a@example.org", role=Role.MEMBER).exists()
    assert not User.objects.filter(email="b@example.org").exists()


def test_the_roles_page_says_what_each_role_may_do() -> None:
    body = client_for(make_user(role=Role.STAFF)).get(reverse("admin_roles")).content.decode()
    assert "Communication/HR team" in body and "External guest" in body
    assert "Invite, import, deactivate and reactivate people" in body
    assert "Sign-in and branding settings, messaging policy, audit log" in body
    assert client_for(make_user()).get(reverse("admin_roles")).status_code == 403
