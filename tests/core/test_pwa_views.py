"""The service worker is served from the site's root (its scope: the whole site), never cached
by the HTTP cache; the offline page it keeps holds nothing personal."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_service_worker_is_served_at_the_root() -> None:
    answer = Client().get("/sw.js")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/javascript")
    assert answer["Service-Worker-Allowed"] == "/"
    assert answer["Cache-Control"] == "no-cache"
    body = answer.content.decode()
    assert 'const OFFLINE_URL = "/offline/";' in body
    for handler in ("install", "activate", "fetch", "push", "notificationclick"):
        assert f'addEventListener("{handler}"' in body
    assert Client().post("/sw.js").status_code == 405


def test_offline_page_holds_nothing_personal() -> None:
    me = make_user(first_name="Zoé", last_name="Lemaire")
    client = Client()
    client.force_login(me)
    page = client.get("/offline/")
    assert page.status_code == 200
    assert "Zoé".encode() not in page.content and b"Lemaire" not in page.content
    assert b"<h1>" in page.content
