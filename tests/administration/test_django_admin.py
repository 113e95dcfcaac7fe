"""The Django admin stays available to admins, and only to them; the audit log is read-only."""

from __future__ import annotations

import pytest
from django.test import Client

from cercle.accounts.actions import people
from cercle.accounts.models import Role
from cercle.audit.actions import log_event
from tests.factories import make_admin, make_user

pytestmark = pytest.mark.django_db


def test_admins_reach_the_django_admin_and_its_registered_models() -> None:
    admin = make_admin()
    person = make_user()
    client = Client()
    client.force_login(admin)
    assert client.get("/django-admin/").status_code == 200
    for path in (
        "accounts/user/",
        f"accounts/user/{person.pk}/change/",
        "accounts/department/",
        "accounts/site/",
        "accounts/skill/",
        "accounts/organisation/",
        "audit/auditentry/",
    ):
        assert client.get(f"/django-admin/{path}").status_code == 200, path
    entry = log_event(actor=admin, action="x.y")
    assert client.get(f"/django-admin/audit/auditentry/{entry.pk}/change/").status_code == 200
    assert client.get("/django-admin/audit/auditentry/add/").status_code == 403
    assert client.post(f"/django-admin/audit/auditentry/{entry.pk}/delete/").status_code == 403


def test_a_person_made_member_loses_the_django_admin() -> None:
    admin = make_admin()
    other = make_admin()
    people.set_role(actor=admin, person=other, role=Role.MEMBER)
    client = Client()
    client.force_login(other)
    response = client.get("/django-admin/")
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(make_user(role=Role.STAFF))
    assert client.get("/django-admin/").status_code == 302
