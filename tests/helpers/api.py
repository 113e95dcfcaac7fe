"""Helpers for the API tests of the wall, spaces and notifications."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from tests.factories import add_member, make_admin, make_guest, make_space, make_user

# Odd input every endpoint must turn into a 4xx, never a 500.
ODD_TEXTS = ["x" * 100_000, "nul\x00byte", "", " ", "🙂" * 10, "<script>alert(1)</script>"]
ODD_IDS = ["0", "-1", "99999999999999999999999", str(2**63), "abc", "1.5", "%00", "²", "x" * 300]


def api(user: Any = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def call(client: Client, method: str, url: str, payload: Any = None) -> Any:
    """A JSON call; `payload` may be a raw string (sent as it is) or anything JSON can encode."""
    data = payload if isinstance(payload, str) else json.dumps(payload or {})
    return getattr(client, method.lower())(url, data, content_type="application/json")


def cast(space: Any = None, kind: str = "open") -> dict[str, Any]:
    """A space with one person per role, plus a non-member, a guest and a deactivated person."""
    owner = make_user(first_name="Owner")
    space = space or make_space(owner=owner, kind=kind)
    people = {
        "owner": owner,
        "admin_role": make_user(first_name="SpaceAdmin"),
        "moderator": make_user(first_name="Moderator"),
        "member": make_user(first_name="Member"),
        "outsider": make_user(first_name="Outsider"),
        "guest": make_guest(first_name="Guest"),
        "deactivated": make_user(first_name="Gone"),
        "org_admin": make_admin(first_name="Admin"),
    }
    add_member(space, people["admin_role"], "admin")
    add_member(space, people["moderator"], "moderator")
    add_member(space, people["member"])
    add_member(space, people["deactivated"])
    people["deactivated"].is_active = False
    people["deactivated"].save(update_fields=["is_active"])
    people["space"] = space
    return people


def assert_4xx(response: Any) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert "detail" in response.json()
