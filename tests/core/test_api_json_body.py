"""A JSON body that is not an object (`[]`, `"x"`, `3`, `null`) is a 422 naming the body, in the
shape of the other invalid-input errors, and changes nothing — on a PATCH whose fields are all
optional (which used to answer 200) as on a POST whose fields all have defaults (which used to
create things). Objects, malformed JSON and multipart bodies are read as before."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from cercle.audit.models import AuditEntry
from cercle.feed.models import Post
from cercle.notifications.models import Preference
from cercle.spaces.models import JoinRequest, Space
from tests.factories import PASSWORD, make_post, make_space, make_user

pytestmark = pytest.mark.django_db
NOT_OBJECTS = ["[]", '"x"', "3", "-1.5", "null", "true", "false", '[{"name": "Renamed"}]']
NOT_AN_OBJECT = [
    {"type": "dict_type", "loc": ["body"], "msg": "The request body must be a JSON object."}
]


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _client(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _send(client: Client, method: str, url: str, body: str, **headers: Any) -> Any:
    return getattr(client, method)(url, body, content_type="application/json", **headers)


@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_patching_a_space_with_a_non_object_is_a_422_and_changes_nothing(body: str) -> None:
    owner = make_user()
    space = make_space(owner=owner, name="Before", kind="open")
    client = _client(owner)  # signing in is an audit entry of its own
    audit = AuditEntry.objects.count()
    response = _send(client, "patch", f"/api/v1/spaces/{space.slug}", body)
    assert response.status_code == 422, response.content
    assert response.json() == {"detail": NOT_AN_OBJECT}
    space.refresh_from_db()
    assert (space.name, space.kind) == ("Before", "open")
    assert AuditEntry.objects.count() == audit


@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_patching_a_profile_or_preferences_with_a_non_object_is_a_422(body: str) -> None:
    person = make_user(first_name="Camille", job_title="Chef de projet")
    client = _client(person)
    before = client.get("/api/v1/notifications/preferences").json()
    profile = _send(client, "patch", "/api/v1/me/profile", body)
    preferences = _send(client, "patch", "/api/v1/notifications/preferences", body)
    assert (profile.status_code, preferences.status_code) == (422, 422)
    assert profile.json() == preferences.json() == {"detail": NOT_AN_OBJECT}
    person.refresh_from_db()
    assert (person.first_name, person.profile.job_title) == ("Camille", "Chef de projet")
    assert client.get("/api/v1/notifications/preferences").json() == before
    assert not Preference.objects.filter(user=person).exists()


@pytest.mark.parametrize("body", ["[]", "null", "3"])
def test_posts_with_all_default_fields_create_nothing_from_a_non_object(body: str) -> None:
    owner, asker = make_user(), make_user()
    space = make_space(owner=owner, kind="request")
    post = make_post(author=owner, body="Original")
    asked = _send(_client(asker), "post", f"/api/v1/spaces/{space.slug}/requests", body)
    shared = _send(_client(asker), "post", f"/api/v1/posts/{post.pk}/share", body)
    assert (asked.status_code, shared.status_code) == (422, 422)
    assert not JoinRequest.objects.exists()
    assert list(Post.objects.values_list("body", flat=True)) == ["Original"]


def test_with_a_bearer_token_too() -> None:
    owner = make_user()
    space = make_space(owner=owner, name="Before")
    token = Client().post(
        "/api/v1/auth/token",
        json.dumps({"username": owner.username, "password": PASSWORD}),
        content_type="application/json",
    )
    assert token.status_code == 200
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token.json()['token']}"}
    response = _send(Client(), "patch", f"/api/v1/spaces/{space.pk}", "[]", **bearer)
    assert response.status_code == 422 and response.json() == {"detail": NOT_AN_OBJECT}
    assert Space.objects.get(pk=space.pk).name == "Before"
    # Credentials are checked first: without them it is a 401, whatever the body.
    assert _send(Client(), "patch", f"/api/v1/spaces/{space.pk}", "[]").status_code == 401
    # Obtaining a token (no credentials needed) refuses a non-object body as well.
    refused = _send(Client(), "post", "/api/v1/auth/token", '["user", "password"]')
    assert refused.status_code == 422 and refused.json() == {"detail": NOT_AN_OBJECT}


def test_the_message_is_in_the_callers_language() -> None:
    owner = make_user()
    owner.language = "fr"
    owner.save(update_fields=["language"])
    space = make_space(owner=owner)
    response = _send(_client(owner), "patch", f"/api/v1/spaces/{space.slug}", "[]")
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert (
        problem["loc"] == ["body"]
        and problem["msg"] == "Le corps de la requête doit être un objet JSON."
    )


def test_objects_malformed_json_and_empty_bodies_are_read_as_before() -> None:
    owner = make_user()
    space = make_space(owner=owner, name="Before")
    client = _client(owner)
    url = f"/api/v1/spaces/{space.slug}"
    # An empty object changes nothing and is fine; an object changes what it names.
    assert _send(client, "patch", url, "{}").status_code == 200
    renamed = _send(client, "patch", url, json.dumps({"name": "After"}))
    assert renamed.status_code == 200 and renamed.json()["name"] == "After"
    # JSON that does not parse stays a 400; no body at all is a 422 (the body is required).
    malformed = _send(client, "patch", url, "{")
    assert malformed.status_code == 400 and malformed.json() == {
        "detail": "Cannot parse request body"
    }
    empty = _send(client, "patch", url, "")
    assert empty.status_code == 422 and "detail" in empty.json()
    # A field of the wrong type is still reported at the field.
    wrong = _send(client, "patch", url, json.dumps({"name": ["x"]}))
    assert wrong.status_code == 422
    assert wrong.json()["detail"][0]["loc"] == ["body", "payload", "name"]
    space.refresh_from_db()
    assert space.name == "After"


def test_multipart_bodies_are_not_json_and_still_work() -> None:
    author = make_user()
    created = _client(author).post("/api/v1/posts/with-attachments", {"body": "From a form"})
    assert created.status_code == 201, created.content
    assert created.json()["body"] == "From a form"
