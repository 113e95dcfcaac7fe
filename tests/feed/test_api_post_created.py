"""Creating a post through the API answers with the post as a later read gives it (the answer is
built from what the action stored, not read back), at a fixed number of queries."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from cercle.spaces.queries import organisation_space
from tests.factories import add_member, make_admin, make_space, make_user
from tests.helpers.api import api, call

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), "red").save(out, "PNG")
    return out.getvalue()


def _same_as_read_back(client: Any, created: Any) -> dict[str, Any]:
    assert created.status_code == 201, created.content
    body: dict[str, Any] = created.json()
    detail = client.get(f"/api/v1/posts/{body['id']}")
    assert detail.status_code == 200
    assert body == detail.json()
    return body


def test_a_space_post_with_a_mention_and_a_hashtag_answers_as_its_detail() -> None:
    anne, bruno = make_user(username="anne"), make_user(username="bruno")
    space = make_space(owner=anne, kind="private")
    add_member(space, bruno)
    client = api(bruno)
    body = _same_as_read_back(
        client,
        call(client, "POST", "/api/v1/posts", {"body": "Hi @anne #club", "space_id": space.pk}),
    )
    assert body["space"]["id"] == space.pk and body["author"]["username"] == "bruno"
    assert body["rights"]["edit"] and body["rights"]["delete"] and not body["rights"]["pin"]
    assert body["seen_by"] == 0 and body["my_reaction"] is None and body["saved"] is False


def test_a_wall_post_and_an_organisation_post_by_an_admin_answer_as_their_detail() -> None:
    admin = make_admin()
    client = api(admin)
    _same_as_read_back(client, call(client, "POST", "/api/v1/posts", {"body": "Mon mur"}))
    body = _same_as_read_back(
        client,
        call(
            client,
            "POST",
            "/api/v1/posts",
            {"body": "À tous", "space_id": organisation_space().pk},
        ),
    )
    assert body["rights"]["pin"] is True


def test_a_post_with_files_answers_as_its_detail() -> None:
    me = make_user()
    client = api(me)
    created = client.post(
        "/api/v1/posts/with-attachments",
        {
            "body": "Photo",
            "attachments": [
                SimpleUploadedFile("p.png", _png(), "image/png"),
                SimpleUploadedFile("n.txt", b"Bonjour", "text/plain"),
            ],
        },
    )
    body = _same_as_read_back(client, created)
    assert [f["name"] for f in body["attachments"]] == ["p.png", "n.txt"]


def test_creating_a_post_costs_the_same_queries_in_a_space_of_any_size() -> None:
    counts = []
    for size in (2, 60):
        owner = make_user()
        space = make_space(owner=owner, kind="open")
        for _ in range(size):
            add_member(space, make_user())
        client = api(owner)
        call(client, "POST", "/api/v1/posts", {"body": "warm #tous", "space_id": space.pk})
        with CaptureQueriesContext(connection) as captured:
            response = call(
                client, "POST", "/api/v1/posts", {"body": "Bonjour #tous", "space_id": space.pk}
            )
        assert response.status_code == 201
        counts.append(len(captured))
    assert counts[0] == counts[1]
    # Session and person, the space and the role, the post, its hashtag, the fan-out task, the
    # live event, the answer: nothing per member (the fan-out runs in the background).
    assert counts[1] <= 22, counts
