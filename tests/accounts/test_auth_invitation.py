"""Accepting an invitation (valid, expired, used, unknown) and signing up by email domain."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.core import context
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from cercle.accounts.actions.auth import InvalidInvitation, accept_invitation, invitation_url
from cercle.accounts.adapter import AccountAdapter
from cercle.accounts.models import Organisation, Profile, Role, User
from cercle.audit.models import AuditEntry
from tests.factories import make_invitation, make_user

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a fresh passphrase 2026"


@pytest.fixture
def client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_invitation_url_is_absolute_on_the_site(settings: Any) -> None:
    settings.SITE_URL = "https://cercle.example.org"
    assert invitation_url("crc_abc") == "https://cercle.example.org/invitation/crc_abc/"


def test_a_valid_invitation_sets_the_password_and_logs_in(client: Client) -> None:
    invitation, secret = make_invitation()
    user = invitation.user
    assert not user.has_usable_password()
    page = client.get(reverse("accept_invitation", args=[secret]))
    assert page.status_code == 200
    assert user.username in page.content.decode()
    response = client.post(
        reverse("accept_invitation", args=[secret]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(reverse("settings")).wsgi_request.user == user
    user.refresh_from_db()
    invitation.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert invitation.accepted_at is not None
    assert AuditEntry.objects.filter(action="auth.invitation_accepted", actor=user).exists()
    # The link is used up.
    again = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("accept_invitation", args=[secret]))
    assert again.status_code == 404


def test_a_weak_or_mismatched_password_is_refused_at_the_field(client: Client) -> None:
    invitation, secret = make_invitation()
    url = reverse("accept_invitation", args=[secret])
    weak = client.post(url, {"password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 200
    assert "errorlist" in weak.content.decode()
    mismatch = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert "The two passwords differ" in mismatch.content.decode()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not client.get(reverse("settings")).wsgi_request.user.is_authenticated


@pytest.mark.parametrize("kind", ["expired", "used", "unknown", "deactivated"])
def test_an_unusable_link_shows_a_clear_message_and_changes_nothing(
    client: Client, kind: str
) -> None:
    if kind == "unknown":
        secret, invitation = "crc_nothing_like_this", None
    else:
        invitation, secret = make_invitation(
            expires_in_days=-1 if kind == "expired" else 7, accepted=kind == "used"
        )
        if kind == "deactivated":
            invitation.user.is_active = False
            invitation.user.save(update_fields=["is_active"])
    url = reverse("accept_invitation", args=[secret])
    page = client.get(url)
    assert page.status_code == 404
    assert "This invitation link does not work" in page.content.decode()
    response = client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 404
    with pytest.raises(InvalidInvitation):
        accept_invitation(token=secret, password=NEW_PASSWORD)
    if invitation is not None:
        invitation.user.refresh_from_db()
        assert not invitation.user.has_usable_password()
    assert not AuditEntry.objects.filter(action="auth.invitation_accepted").exists()
    assert not client.get(reverse("settings")).wsgi_request.user.is_authenticated


def _set_signup_domains(domains: str) -> None:
    Organisation.objects.update_or_create(pk=1, defaults={"signup_domains": domains})
    cache.clear()


def signup(client: Client, email: str, username: str = "newcomer") -> Any:
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "username": username,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )


def test_sign_up_is_closed_by_default(client: Client) -> None:
    page = client.get(reverse("account_signup"))
    assert "closed" in page.content.decode().lower()
    signup(client, "someone@example.org")
    assert not User.objects.filter(email="someone@example.org").exists()


def test_sign_up_is_open_for_the_listed_domains(client: Client) -> None:
    _set_signup_domains("acme.fr, @acme-group.com")
    login_page = client.get("/accounts/login/").content.decode()
    assert reverse("account_signup") in login_page
    response = signup(client, "Nina.Roux@ACME.fr", username="nina")
    assert response.status_code == 302
    user = User.objects.get(username="nina")
    assert user.email == "nina.roux@acme.fr"
    assert user.role == Role.MEMBER
    profile = Profile.objects.get(user=user)
    assert "nina" in profile.search_text
    assert AuditEntry.objects.filter(action="auth.signup", actor=user).exists()


def test_sign_up_refuses_other_domains_with_a_clear_message(client: Client) -> None:
    _set_signup_domains("acme.fr")
    response = signup(client, "intruder@gmail.com", username="intruder")
    assert response.status_code == 200
    assert "Sign-up is open only to addresses ending in: @acme.fr." in response.content.decode()
    assert not User.objects.filter(username="intruder").exists()
    # A look-alike domain is no better.
    signup(client, "intruder@evilacme.fr", username="intruder")
    assert not User.objects.filter(username="intruder").exists()


def test_a_signed_in_person_may_add_an_address_outside_the_sign_up_domains(
    client: Client,
) -> None:
    _set_signup_domains("acme.fr")
    user = make_user(email="guest@partner.org")
    request = client.get(reverse("settings")).wsgi_request
    request.user = user
    with context.request_context(request):
        assert AccountAdapter(request).clean_email("Other@Partner.org") == "other@partner.org"
