"""The pages API: tree, create, read, edit with the revision it was based on (409 on a
conflict), move, revisions, diff, restore, delete; bad input is a 4xx that changes nothing."""

from __future__ import annotations

import pytest

from cercle.pages import actions
from cercle.pages.models import Page
from tests.factories import make_space, make_user
from tests.helpers.api import ODD_IDS, api, assert_4xx, call

pytestmark = pytest.mark.django_db


def test_a_page_through_its_whole_life() -> None:
    owner = make_user()
    space = make_space(owner=owner)
    client = api(owner)
    created = call(
        client,
        "POST",
        f"/api/v1/spaces/{space.slug}/pages",
        {"title": "Guide", "body": "v1 [[Annexe]]"},
    )
    assert created.status_code == 201, created.content
    page = created.json()
    child = call(
        client,
        "POST",
        f"/api/v1/spaces/{space.pk}/pages",
        {"title": "Annexe", "parent_id": page["id"]},
    ).json()
    tree = client.get(f"/api/v1/spaces/{space.slug}/pages").json()
    assert [(i["title"], i["depth"]) for i in tree["items"]] == [("Guide", 0), ("Annexe", 1)]
    assert tree["may_write"] is True
    detail = client.get(f"/api/v1/pages/{child['id']}").json()
    assert detail["backlinks"] == [page["id"]]
    edited = call(
        client,
        "PUT",
        f"/api/v1/pages/{page['id']}",
        {"title": "Guide", "body": "v2", "base_revision": 1},
    )
    assert edited.json()["revision"] == 2
    clash = call(
        client,
        "PUT",
        f"/api/v1/pages/{page['id']}",
        {"title": "Guide", "body": "v3", "base_revision": 1},
    )
    assert clash.status_code == 409
    assert (clash.json()["revision"], clash.json()["body"]) == (2, "v2")
    assert [
        r["number"] for r in client.get(f"/api/v1/pages/{page['id']}/revisions").json()["items"]
    ] == [2, 1]
    rows = client.get(f"/api/v1/pages/{page['id']}/diff?from=1&to=2").json()["rows"]
    assert rows[0]["kind"] == "changed" and rows[0]["right"] == "v2"
    restored = call(client, "POST", f"/api/v1/pages/{page['id']}/revisions/1/restore")
    assert restored.json()["body"] == "v1 [[Annexe]]" and restored.json()["revision"] == 3
    moved = call(
        client, "POST", f"/api/v1/pages/{child['id']}/move", {"parent_id": None, "position": 0}
    )
    assert moved.json()["parent_id"] is None
    assert_4xx(call(client, "POST", f"/api/v1/pages/{page['id']}/move", {"parent_id": page["id"]}))
    assert client.delete(f"/api/v1/pages/{child['id']}").status_code == 204
    assert not Page.objects.filter(pk=child["id"]).exists()


def test_others_get_404_or_403_and_bad_input_a_4xx() -> None:
    owner = make_user()
    space = make_space(owner=owner, kind="secret")
    page = actions.create_page(actor=owner, space=space, title="Caché")
    stranger = api(make_user())
    assert stranger.get(f"/api/v1/pages/{page.pk}").status_code == 404
    assert stranger.get(f"/api/v1/spaces/{space.pk}/pages").status_code == 404
    client = api(owner)
    for odd in ODD_IDS:
        assert_4xx(client.get(f"/api/v1/pages/{odd}"))
    for payload in (
        {"title": ""},
        {"title": "x" * 201},
        {"title": "ok", "parent_id": 2**63},
        {"title": "ok", "parent_id": 999_999},
        {"title": "nul\x00"},
        [],
    ):
        assert_4xx(call(client, "POST", f"/api/v1/spaces/{space.pk}/pages", payload))
    assert_4xx(client.get(f"/api/v1/pages/{page.pk}/diff?from=1&to=x"))
    assert_4xx(
        call(
            client,
            "PUT",
            f"/api/v1/pages/{page.pk}",
            {"title": "x", "body": "y", "base_revision": -1},
        )
    )
    assert Page.objects.filter(space=space).count() == 1
    page.refresh_from_db()
    assert page.revision == 1
