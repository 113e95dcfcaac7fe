"""docs/api.md lists every endpoint of the OpenAPI description, so the guide cannot fall behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"


@pytest.mark.django_db
def test_every_endpoint_is_in_the_api_guide() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    guide = GUIDE.read_text()
    missing = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if f"| `{method.upper()}` | `{path.removeprefix('/api/v1')}` |" not in guide
    ]
    assert missing == [], f"add these endpoints to docs/api.md: {missing}"


@pytest.mark.django_db
def test_interactive_docs_are_served_without_outside_resources() -> None:
    page = Client().get("/api/v1/docs")
    assert page.status_code == 200
    assert b"/static/ninja/swagger-ui-bundle.js" in page.content
    assert b"cdn." not in page.content


@pytest.mark.django_db
def test_the_docs_introduce_the_api_and_how_to_get_a_token() -> None:
    info = Client().get("/api/v1/openapi.json").json()["info"]
    description = info["description"]
    for expected in (
        "POST /api/v1/auth/token",
        "/settings/security/",
        "Authorization: Bearer",
        "docs/api.md",
        "](/)",
    ):
        assert expected in description, expected
