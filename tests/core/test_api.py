"""The core part of /api/v1/: the socket's ticket for API clients (cercle.core.api)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cercle.accounts.actions.auth import create_api_token
from cercle.core import actions
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> dict[str, str]:
    _token, secret = create_api_token(user=user, name="test")
    return {"Authorization": f"Bearer {secret}"}


def test_ticket_for_api_clients() -> None:
    anne = make_user()
    response = Client().post("/api/v1/realtime/ticket", headers=bearer(anne))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"ticket", "expires_at", "url"}
    assert body["url"] == f"/ws/?ticket={body['ticket']}"
    assert actions.redeem_ticket(key=body["ticket"]) == anne
    assert Client().post("/api/v1/realtime/ticket").status_code == 401
