"""Passkeys under required single sign-on. The identity provider is the only way in for the
domain's people, as Entra ID and Okta have it: a passkey alone is refused at sign-in (the browser
test tests/e2e/test_sso_passkey.py, with Chromium's virtual authenticator), and none can be
added — the checkbox is gone, and a form asking for one anyway, or carrying a credential the
browser says is discoverable, is refused with the message and adds nothing. A security key as a
second factor stays possible; break-glass administrators and other domains keep passkeys."""

from __future__ import annotations

import json
from typing import Any

import pytest
from allauth.account.models import Login
from allauth.core import context
from allauth.mfa.models import Authenticator
from allauth.mfa.webauthn.internal import flows
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from cercle.audit.models import AuditEntry
from cercle.sso.models import BreakGlassAccount, RequiredSsoDomain
from tests.factories import PASSWORD, make_admin, make_user

pytestmark = pytest.mark.django_db
MESSAGE = "a passkey cannot sign you in, so none can be added"
CHECKBOX = 'name="passwordless"'


def _on_add_page(user: object) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)  # type: ignore[arg-type]
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    return client


def _credential(*, discoverable: bool) -> str:
    return json.dumps(
        {
            "id": "AAAA",
            "rawId": "AAAA",
            "type": "public-key",
            "response": {"clientDataJSON": "e30", "attestationObject": "oA"},
            "clientExtensionResults": {"credProps": {"rk": discoverable}},
        }
    )


def test_no_passkey_can_be_added_when_the_domain_requires_sso() -> None:
    alice = make_user(username="alice", email="alice@acme.fr")
    client = _on_add_page(alice)  # (signed in before the domain required SSO)
    RequiredSsoDomain.objects.create(domain="acme.fr")
    page = client.get(reverse("mfa_add_webauthn"))
    assert page.status_code == 200
    assert CHECKBOX not in page.content.decode()
    for data in (
        {"name": "Laptop", "passwordless": "on", "credential": _credential(discoverable=False)},
        {"name": "Laptop", "credential": _credential(discoverable=True)},
    ):
        refused = client.post(reverse("mfa_add_webauthn"), data)
        assert refused.status_code == 200
        assert MESSAGE in refused.content.decode()
    assert not Authenticator.objects.filter(user=alice).exists()


def test_a_security_key_as_second_factor_is_not_refused_for_sso() -> None:
    alice = make_user(username="alice", email="alice@acme.fr")
    client = _on_add_page(alice)  # (signed in before the domain required SSO)
    RequiredSsoDomain.objects.create(domain="acme.fr")
    # Not a passkey: the SSO rule lets it through to allauth's own check of the credential
    # (this one is no real credential: refused as unreadable, a 4xx-like form error, no 500).
    answer = client.post(
        reverse("mfa_add_webauthn"),
        {"name": "Key", "credential": _credential(discoverable=False)},
    )
    assert answer.status_code == 200
    assert MESSAGE not in answer.content.decode()
    assert "could not be read" in answer.content.decode()
    assert not Authenticator.objects.filter(user=alice).exists()


def test_break_glass_admins_and_other_domains_keep_passkeys() -> None:
    root = make_admin(username="root", email="root@acme.fr")
    olga = make_user(username="olga", email="olga@partner.org")
    clients = [_on_add_page(root), _on_add_page(olga)]
    RequiredSsoDomain.objects.create(domain="acme.fr")
    BreakGlassAccount.objects.create(user=root)
    for client in clients:
        assert CHECKBOX in client.get(reverse("mfa_add_webauthn")).content.decode()
        answer = client.post(
            reverse("mfa_add_webauthn"),
            {"name": "Laptop", "passwordless": "on", "credential": _credential(discoverable=True)},
        )
        assert MESSAGE not in answer.content.decode()


def _passkey_sign_in(person: object) -> tuple[Any, Any]:
    """allauth's passkey sign-in from the point the key's signature was verified (that part is
    the browser test's, with a real authenticator): the same flow, its login stages included."""
    authenticator = Authenticator.objects.create(
        user=person, type=Authenticator.Type.WEBAUTHN, data={"name": "Laptop", "credential": {}}
    )
    request = RequestFactory().post("/accounts/2fa/webauthn/login/", HTTP_ACCEPT_LANGUAGE="en")
    SessionMiddleware(lambda r: HttpResponse()).process_request(request)
    MessageMiddleware(lambda r: HttpResponse()).process_request(request)
    request.user = AnonymousUser()
    with context.request_context(request), translation.override("en"):
        response = flows.perform_passwordless_login(
            request,
            authenticator,
            Login(user=person),  # type: ignore[arg-type]
        )
    return request, response


def test_a_passkey_alone_does_not_sign_in_under_required_sso() -> None:
    alice = make_user(username="alice", email="alice@acme.fr")
    root = make_admin(username="root", email="root@acme.fr")
    RequiredSsoDomain.objects.create(domain="acme.fr")
    BreakGlassAccount.objects.create(user=root)
    request, response = _passkey_sign_in(alice)
    assert response.status_code == 302 and response["Location"] == reverse("account_login")
    assert "_auth_user_id" not in request.session
    assert any(
        "instead of a passkey" in str(m)
        for m in get_messages(request)  # type: ignore[arg-type]
    )
    assert AuditEntry.objects.filter(
        action="sso.password_refused", actor=alice, extra__method="passkey"
    ).exists()
    # The break-glass administrator's passkey signs them in.
    request, response = _passkey_sign_in(root)
    assert response.status_code == 302
    assert request.session["_auth_user_id"] == str(root.pk)
