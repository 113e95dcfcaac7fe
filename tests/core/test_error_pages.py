"""Error pages speak the person's language and keep the layout (no Django built-in English page)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "text"), [("fr", "Page introuvable"), ("en", "Page not found")]
)
def test_not_found_page_is_translated(language: str, text: str) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/no-such-page/")
    assert response.status_code == 404
    assert text in response.content.decode()
    assert f'lang="{language}"' in response.content.decode()


def test_forbidden_page_is_translated_for_a_member() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(make_user())
    response = client.get("/manage/people/")
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


@pytest.mark.parametrize("path", ["/", "/spaces/", "/accounts/login/", "/api/v1/people"])
def test_a_host_not_allowed_is_a_400_page_not_a_500(path: str) -> None:
    # Django refuses the Host before the authentication middleware runs: the 400 page is drawn
    # for a request without a user.
    client = Client(HTTP_HOST="evil.example", HTTP_ACCEPT_LANGUAGE="en")
    client.raise_request_exception = False
    response = client.get(path)
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
