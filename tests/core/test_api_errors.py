"""Under /api/, every answer is JSON `{"detail": …}`, errors included: a server error (500), an
unknown URL (404), a method an endpoint does not have (405), a multipart body without its
boundary (400) — never Django's HTML pages. The OpenAPI schema declares the errors."""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from pydantic import BaseModel

from cercle.accounts.actions.auth import create_api_token
from cercle.api import api
from cercle.notifications import queries
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings: Any) -> Iterator[None]:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _bearer(user: Any) -> dict[str, str]:
    _token, secret = create_api_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _json(response: Any) -> Any:
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    return response.json()


def test_a_server_error_is_json_logged_and_signalled(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug forced through a real endpoint: the 500 is JSON, the traceback is logged on
    `django.request` and `got_request_exception` is sent (Django's test client re-raises it)."""

    def broken(user: Any) -> int:
        raise RuntimeError("the bug under test")

    monkeypatch.setattr(queries, "unread_count", broken)
    headers = _bearer(make_user())
    client = Client(raise_request_exception=False)
    with caplog.at_level("ERROR", logger="django.request"):
        response = client.get("/api/v1/notifications/unread-count", **headers)  # type: ignore[arg-type]
    assert response.status_code == 500
    assert _json(response) == {
        "detail": "Something went wrong on the server: the error has been logged."
    }
    assert any(
        record.exc_info and "the bug under test" in str(record.exc_info[1])
        for record in caplog.records
    )
    with pytest.raises(RuntimeError, match="the bug under test"):
        Client().get("/api/v1/notifications/unread-count", **headers)  # type: ignore[arg-type]


def test_an_unknown_api_url_is_a_json_404() -> None:
    headers = _bearer(make_user())
    for url in ["/api/v1/nothing-here", "/api/v1/posts/1/nothing", "/api/v2/", "/api/"]:
        response = Client().get(url, **headers)  # type: ignore[arg-type]
        assert response.status_code == 404, url
        assert _json(response) == {"detail": "Not found."}
    # Pages keep their HTML 404.
    page = Client().get("/nothing-here/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_method_an_endpoint_lacks_is_a_json_405_with_allow() -> None:
    response = Client().put("/api/v1/me", **_bearer(make_user()))  # type: ignore[arg-type]
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert _json(response) == {"detail": "This method is not allowed here."}


def test_a_multipart_body_without_boundary_is_a_400() -> None:
    me = make_user()
    response = Client().post(
        "/api/v1/posts/with-attachments",
        data=b"--x\r\nnot a part\r\n",
        content_type="multipart/form-data",
        **_bearer(me),  # type: ignore[arg-type]
    )
    assert response.status_code == 400
    assert _json(response) == {"detail": "The request's multipart body cannot be read."}


def test_the_schema_declares_the_errors_of_every_operation() -> None:
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
    error = {"$ref": "#/components/schemas/Error"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = {str(status): value for status, value in operation["responses"].items()}
            if operation.get("security"):
                assert "401" in responses, (method, path)
            if "{" in path:
                assert responses["404"]["content"]["application/json"]["schema"] == error
            if operation.get("parameters") or "requestBody" in operation:
                assert {"400", "403", "404", "422"} <= set(responses), (method, path)
    me = schema["paths"]["/api/v1/me"]["get"]["responses"]
    assert set(me) == {200, 401}
    # A status an operation declares itself keeps its own schema.
    token = schema["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert token[401]["content"]["application/json"]["schema"]["$ref"].endswith("/DetailOut")
    assert "401" not in token


def _models(annotation: Any, found: dict[str, set[type]]) -> None:
    for argument in typing.get_args(annotation):
        _models(argument, found)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found.get(annotation.__name__, set()):
            return
        found.setdefault(annotation.__name__, set()).add(annotation)
        for field in annotation.model_fields.values():
            _models(field.annotation, found)


def test_two_schemas_never_share_a_name() -> None:
    """The OpenAPI schema names each input and output schema by its class name: two different
    classes of one name (chat's and the feed's `AttachmentOut`) would show one of them for both,
    and clients — and the fuzzer — would read the other's responses against the wrong fields."""
    found: dict[str, set[type]] = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in (operation.response_models or {}).values():
                    _models(model, found)
                for model in operation.models:
                    _models(model, found)
    assert len(found) > 50
    clashes = {
        name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
        for name, classes in found.items()
        if len({json.dumps(c.model_json_schema(), sort_keys=True) for c in classes}) > 1
        # ninja's own per-operation wrappers (PathParams, BodyParams…) are never named alone
        and not all(c.__module__ == "abc" for c in classes)
    }
    assert clashes == {}
