"""A SCIM client on Django's test client: an administrator, a token they issued, and calls
that speak `application/scim+json`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from cercle.accounts.models import User
from cercle.provisioning import actions
from tests.factories import make_admin

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


@dataclass
class Answer:
    status: int
    body: Any
    headers: Any


@dataclass
class Scim:
    client: Client
    secret: str
    admin: User

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
    ) -> Answer:
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        response = self.client.generic(
            method,
            "/scim/v2" + path,
            data=data,
            content_type="application/scim+json",
            headers={"Authorization": f"Bearer {token or self.secret}", **(headers or {})},
        )
        content = response.content
        parsed = json.loads(content) if content else None
        if content:
            assert response["Content-Type"] == "application/scim+json", response["Content-Type"]
        return Answer(response.status_code, parsed, response)

    def create_user(self, user_name: str, **extra: Any) -> Answer:
        body = {
            "schemas": [USER],
            "userName": user_name,
            "name": {"givenName": "Anne", "familyName": "Martin"},
            "emails": [{"value": user_name, "type": "work", "primary": True}],
            **extra,
        }
        return self.call("POST", "/Users", body)


@pytest.fixture
def scim(db: Any) -> Scim:
    admin = make_admin(username="it.admin", first_name="Ines", last_name="Admin")
    _token, secret = actions.create_token(actor=admin, name="Entra ID")
    return Scim(Client(), secret, admin)


def assert_error(answer: Answer, status: int, scim_type: str | None = None) -> None:
    assert answer.status == status, answer.body
    assert answer.body["schemas"] == [ERROR]
    assert answer.body["status"] == str(status)
    if scim_type is not None:
        assert answer.body.get("scimType") == scim_type, answer.body
