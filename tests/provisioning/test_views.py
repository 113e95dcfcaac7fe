"""The administration page of SCIM tokens: administrators only; a token shown once, stored
hashed, listed, revoked; every change in the audit log."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse

from cercle.accounts.models import Role
from cercle.audit.models import AuditEntry
from cercle.provisioning.models import ScimToken
from tests.factories import make_admin, make_user

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_only_administrators_open_the_page() -> None:
    url = reverse("provisioning_tokens")
    assert Client().get(url).status_code == 302
    assert _client(make_user()).get(url).status_code == 403
    assert _client(make_user(role=Role.STAFF)).get(url).status_code == 403
    assert _client(make_admin()).get(url).status_code == 200


def test_create_show_once_list_and_revoke() -> None:
    admin = make_admin()
    client = _client(admin)
    url = reverse("provisioning_tokens")
    response = client.post(url, {"name": "Entra ID"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    secret = re.search(r'id="new-scim-token">([^<]+)<', page)
    assert secret is not None
    token = ScimToken.objects.get()
    assert token.key_hash == hashlib.sha256(secret[1].encode()).hexdigest()
    assert secret[1] not in str(ScimToken.objects.values_list())
    assert "http://testserver/scim/v2/" in page
    again = client.get(url).content.decode()
    assert secret[1] not in again and "Entra ID" in again  # shown once, listed after
    # The token works, until it is revoked.
    call = Client().get("/scim/v2/Users", headers={"Authorization": f"Bearer {secret[1]}"})
    assert call.status_code == 200
    assert client.post(reverse("provisioning_revoke", args=[token.pk])).status_code == 302
    call = Client().get("/scim/v2/Users", headers={"Authorization": f"Bearer {secret[1]}"})
    assert call.status_code == 401
    recorded = AuditEntry.objects.filter(action__startswith="provisioning.token")
    assert sorted(recorded.values_list("action", flat=True)) == [
        "provisioning.token_created",
        "provisioning.token_revoked",
    ]
    assert {entry.actor_id for entry in recorded} == {admin.pk}


def test_a_token_needs_a_name() -> None:
    client = _client(make_admin())
    response = client.post(reverse("provisioning_tokens"), {"name": "  "})
    assert response.status_code == 400
    assert not ScimToken.objects.exists()


def test_revoking_is_for_administrators_and_a_post() -> None:
    admin = make_admin()
    token = ScimToken.objects.create(
        name="x", key_hash="0" * 64, prefix="crcscim_x", created_by=admin
    )
    url = reverse("provisioning_revoke", args=[token.pk])
    assert _client(make_user()).post(url).status_code == 403
    assert _client(admin).get(url).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None
