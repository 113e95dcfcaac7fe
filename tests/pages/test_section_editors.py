"""Admins name the editors of an intranet section from its page (by username), who then write
that page and the pages below it; others cannot; bad usernames change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from cercle.accounts.models import User
from cercle.audit.models import AuditEntry
from cercle.pages import actions, queries
from cercle.pages.models import PageEditor
from cercle.spaces.queries import organisation_space
from tests.factories import make_admin, make_guest, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings: Any) -> Any:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_admins_name_and_remove_section_editors_from_the_page() -> None:
    admin = make_admin()
    space = organisation_space()
    hr = actions.create_page(actor=admin, space=space, title="RH")
    leave = actions.create_page(actor=admin, space=space, title="Congés", parent=hr)
    other = actions.create_page(actor=admin, space=space, title="Informatique")
    marie = make_user(username="marie")
    client = client_for(admin)
    base = f"/spaces/{space.slug}/pages/rh/"
    html = client.get(base).content.decode()
    assert 'id="section-editors"' in html and "Username of a new editor" in html
    response = client.post(f"{base}editors/", {"username": "MARIE"})
    assert response.status_code == 302 and response["Location"].endswith("#section-editors")
    tree = queries.PageTree.of(space)
    assert queries.may_write(marie, space, leave.pk, tree)
    assert not queries.may_write(marie, space, other.pk, tree)
    assert AuditEntry.objects.filter(action="pages.editor_added").count() == 1
    assert 'name="username" value="marie"' in client.get(base).content.decode()
    # Unknown, empty or a guest: nothing changes.
    for name in ("nobody", "", "x" * 200):
        client.post(f"{base}editors/", {"username": name})
    guest = make_guest()
    client.post(f"{base}editors/", {"username": guest.username})
    assert list(PageEditor.objects.values_list("user__username", flat=True)) == ["marie"]
    client.post(f"{base}editors/", {"username": "marie", "remove": "1"})
    assert not PageEditor.objects.exists()


def test_others_cannot_name_editors() -> None:
    space = organisation_space()
    actions.create_page(actor=make_admin(), space=space, title="RH")
    staff = make_user(role="staff")
    base = f"/spaces/{space.slug}/pages/rh/"
    assert 'id="section-editors"' not in client_for(staff).get(base).content.decode()
    response = client_for(staff).post(f"{base}editors/", {"username": staff.username})
    assert response.status_code == 403
    assert not PageEditor.objects.exists()
