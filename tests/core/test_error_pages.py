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
