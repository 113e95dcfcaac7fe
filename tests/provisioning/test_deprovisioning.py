"""Deprovisioning through SCIM closes the person's open sockets at once, like an
administrator's deactivation (the `account.deactivated` event every socket acts on)."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from cercle.provisioning import actions
from tests.factories import make_admin, make_user
from tests.helpers.sockets import connected

pytestmark = pytest.mark.django_db(transaction=True)


def _scim(secret: str, method: str, path: str, body: object = None) -> int:
    response = Client().generic(
        method,
        "/scim/v2" + path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/scim+json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    return response.status_code


@pytest.mark.parametrize(
    ("method", "body"),
    [
        (
            "PATCH",
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
            },
        ),
        ("DELETE", None),
    ],
)
async def test_deprovisioning_closes_the_persons_sockets_and_no_one_elses(
    method: str, body: object
) -> None:
    admin = await sync_to_async(make_admin)()
    _token, secret = await sync_to_async(actions.create_token)(actor=admin, name="Okta")
    anne = await sync_to_async(make_user)()
    bruno = await sync_to_async(make_user)()
    # A first call builds scim2-models' classes (seconds on a loaded machine) before any
    # socket waits.
    warm_up = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": "Technicien"}],
    }
    assert await sync_to_async(_scim)(secret, "PATCH", f"/Users/{bruno.pk}", warm_up) == 200
    tab, other = await connected(anne), await connected(bruno)
    status = await sync_to_async(_scim)(secret, method, f"/Users/{anne.pk}", body)
    assert status in {200, 204}
    closed = await tab.receive_output(timeout=60)
    while closed["type"] != "websocket.close":
        closed = await tab.receive_output(timeout=60)
    assert closed["code"] == 4401
    assert await other.receive_nothing(timeout=0.3)
    await other.disconnect()
