"""Every id the API takes is a `cercle.core.schemas.Id` (1 … 2⁶³ − 1): a number beyond the
database's range is a 422 at the field, not SQLite's OverflowError (a 500) — checked over the
whole OpenAPI schema, so that a new module's ids are too."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cercle.accounts.actions.auth import create_api_token
from cercle.api import api
from cercle.core.schemas import MAX_ID
from tests.factories import make_group, make_user

pytestmark = pytest.mark.django_db


def _is_id(name: str) -> bool:
    return (
        name == "id"
        or name.endswith(("_id", "_ids"))
        or name
        in {
            "reply_to",
            "attachments",
            "conversation",
        }
    )


def _integers(schema: dict[str, Any], components: dict[str, Any]) -> list[dict[str, Any]]:
    """The integer schemas a (possibly nullable, possibly list) schema accepts."""
    if "$ref" in schema:
        return _integers(components[schema["$ref"].rsplit("/", 1)[1]], components)
    found = [schema] if schema.get("type") == "integer" else []
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        found += _integers(option, components)
    if schema.get("type") == "array":
        found += _integers(schema.get("items", {}), components)
    return found


def _inputs(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(operation, field, schema) for every parameter and body field of every operation."""
    components = schema["components"]["schemas"]
    fields = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                fields.append((where, parameter["name"], parameter["schema"]))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                body = content["schema"]
                if "$ref" in body:
                    body = components[body["$ref"].rsplit("/", 1)[1]]
                for name, field in body.get("properties", {}).items():
                    if "$ref" in field:
                        nested = components[field["$ref"].rsplit("/", 1)[1]]
                        fields += [(where, n, f) for n, f in nested.get("properties", {}).items()]
                    else:
                        fields.append((where, name, field))
    return [(where, name, field) for where, name, field in fields]


def test_every_id_the_api_takes_is_within_the_databases_range() -> None:
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    components = schema["components"]["schemas"]
    checked = 0
    for where, name, field in _inputs(schema):
        if not _is_id(name):
            continue
        for integer in _integers(field, components):
            checked += 1
            assert integer.get("maximum") == MAX_ID, (where, name, integer)
            assert integer.get("minimum") == 1, (where, name, integer)
    assert checked > 50  # the walk found the ids (path and body)


@pytest.mark.parametrize("huge", [516219579169677, MAX_ID, MAX_ID + 1, 2**64, 10**30])
def test_huge_ids_are_a_4xx_never_a_500(huge: int) -> None:
    me, other = make_user(), make_user()
    conversation = make_group(me, [other])
    _token, secret = create_api_token(user=me, name="test")
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {secret}")
    sent = client.post(
        f"/api/v1/conversations/{conversation.pk}/messages",
        {"client_id": "c1", "body": "Bonjour", "attachments": [huge]},
        content_type="application/json",
    )
    added = client.post(
        f"/api/v1/conversations/{huge}/members",
        {"usernames": [other.username]},
        content_type="application/json",
    )
    read = client.post(f"/api/v1/conversations/{huge}/read", {}, content_type="application/json")
    for response in (sent, added, read):
        # Within the range: an attachment that is not mine (400), a missing conversation (404);
        # beyond it: invalid input (422).
        expected = {400, 404} if huge <= MAX_ID else {422}
        assert response.status_code in expected, (huge, response.status_code, response.content)
        assert response.json()["detail"]
    assert not conversation.messages.exists()
