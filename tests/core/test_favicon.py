"""The favicon: an SVG in the static files, linked from every page; /favicon.ico leads to it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_favicon_ico_redirects_to_the_svg_icon_which_is_served() -> None:
    client = Client()
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/cercle/img/favicon.svg"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)  # type: ignore[attr-defined]


def test_every_page_links_the_icon() -> None:
    client = Client()
    login_page = client.get("/accounts/login/").content.decode()
    link = '<link rel="icon" href="/static/cercle/img/favicon.svg" type="image/svg+xml">'
    assert link in login_page
    client.force_login(make_user())
    assert 'rel="icon"' in client.get("/").content.decode()
