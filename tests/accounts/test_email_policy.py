"""Whether people may change their sign-in email is the organisation's policy (issue 17): on by
default; off, the email page offers no "Add" nor "Remove" and both are refused."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from cercle.accounts.models import Organisation, User
from cercle.accounts.queries import forget_organisation, may_change_email
from cercle.audit.models import AuditEntry
from tests.factories import make_admin, make_user

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(user)
    return client


def _person_with_two_addresses() -> User:
    person = make_user(email="anne@example.org")
    EmailAddress.objects.update_or_create(
        user=person, email="anne@example.org", defaults={"primary": True, "verified": True}
    )
    EmailAddress.objects.create(user=person, email="anne.old@example.org", verified=True)
    return person


def _set_policy(allowed: bool) -> None:
    Organisation.objects.update_or_create(pk=1, defaults={"email_changes_allowed": allowed})
    forget_organisation()


def test_by_default_people_add_and_remove_their_addresses() -> None:
    person = _person_with_two_addresses()
    assert may_change_email(person)
    client = client_for(person)
    page = client.get(reverse("account_email")).content.decode()
    assert 'name="action_remove"' in page and 'name="action_add"' in page
    client.post(reverse("account_email"), {"action_remove": "", "email": "anne.old@example.org"})
    assert not EmailAddress.objects.filter(email="anne.old@example.org").exists()
    client.post(reverse("account_email"), {"action_add": "", "email": "anne.new@example.org"})
    assert EmailAddress.objects.filter(email="anne.new@example.org").exists()


def test_when_the_policy_is_off_the_page_hides_and_refuses_changes() -> None:
    person = _person_with_two_addresses()
    _set_policy(False)
    assert not may_change_email(person)
    client = client_for(person)
    page = client.get(reverse("account_email")).content.decode()
    assert 'name="action_remove"' not in page and 'name="action_add"' not in page
    assert "Your organisation manages sign-in email addresses" in page
    client.post(reverse("account_email"), {"action_remove": "", "email": "anne.old@example.org"})
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "anne.new@example.org"}
    )
    assert response.status_code == 200  # the form, with its error
    assert "Your organisation manages sign-in email addresses" in response.content.decode()
    assert set(EmailAddress.objects.filter(user=person).values_list("email", flat=True)) == {
        "anne@example.org",
        "anne.old@example.org",
    }


def test_admins_set_the_policy_on_the_organisation_page() -> None:
    client = client_for(make_admin())
    response = client.post(
        reverse("admin_organisation"),
        {"name": "Cercle", "primary_colour": "#1f5fae", "accent_colour": "#b3261e"},
    )
    assert response.status_code == 302
    assert Organisation.objects.get(pk=1).email_changes_allowed is False
    entry = AuditEntry.objects.get(action="administration.organisation_changed")
    assert entry.new_value["email_changes_allowed"] is False
    client.post(
        reverse("admin_organisation"),
        {
            "name": "Cercle",
            "primary_colour": "#1f5fae",
            "accent_colour": "#b3261e",
            "email_changes_allowed": "on",
        },
    )
    assert Organisation.objects.get(pk=1).email_changes_allowed is True
