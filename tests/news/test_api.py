"""`/api/v1/news`: the list (paginated, by category), an article, create and edit for managers;
bad input is a 4xx that changes nothing; the audience rule holds through the API."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cercle.news import actions
from cercle.news.models import Article
from tests.factories import make_site, make_user
from tests.helpers.api import ODD_IDS, api, assert_4xx, call
from tests.news.helpers import article, manager

pytestmark = pytest.mark.django_db


def test_create_read_edit_and_list() -> None:
    author = manager()
    site = make_site()
    category = actions.create_category(actor=author, name="RH")
    client = api(author)
    later = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    created = call(
        client,
        "POST",
        "/api/v1/news",
        {
            "title": "Nouvelle mutuelle",
            "summary": "Ce qui change",
            "body": "**Important**",
            "category_id": category.pk,
            "published_at": later,
            "site_ids": [site.pk],
            "featured": True,
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["state"] == "scheduled" and body["html"] == "<p><strong>Important</strong></p>\n"
    assert body["audience"]["site_ids"] == [site.pk]
    reader = make_user(site=site)
    assert api(reader).get(f"/api/v1/news/{body['id']}").status_code == 404
    edited = call(
        client,
        "PUT",
        f"/api/v1/news/{body['id']}",
        {"title": "Nouvelle mutuelle 2027", "published_at": timezone.now().isoformat()},
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["audience"]["everyone"] is True
    detail = api(reader).get(f"/api/v1/news/{body['id']}")
    assert detail.status_code == 200
    assert detail.json()["audience"] is None and detail.json()["read_count"] is None
    listed = api(reader).get("/api/v1/news").json()
    assert [i["title"] for i in listed["items"]] == ["Nouvelle mutuelle 2027"]
    assert api(reader).get(f"/api/v1/news?category={category.pk}").json()["count"] == 0


def test_readers_cannot_write() -> None:
    reader = make_user()
    found = article()
    assert call(api(reader), "POST", "/api/v1/news", {"title": "Non"}).status_code == 403
    response = call(api(reader), "PUT", f"/api/v1/news/{found.pk}", {"title": "Non"})
    assert response.status_code == 404
    assert Article.objects.count() == 1


def test_bad_input_is_a_4xx_that_changes_nothing() -> None:
    client = api(manager())
    now = timezone.now()
    for payload in [
        {},
        {"title": ""},
        {"title": "x" * 201},
        {"title": "Nul\x00"},
        {"title": "Ok", "category_id": 999999},
        {"title": "Ok", "site_ids": [999999]},
        {"title": "Ok", "published_at": "pas une date"},
        {"title": "Ok", "published_at": "0001-01-01T00:00:00+14:00"},
        {"title": "Ok", "published_at": now.isoformat(), "ends_at": now.isoformat()},
        "not json",
    ]:
        assert_4xx(call(client, "POST", "/api/v1/news", payload))
    assert not Article.objects.exists()
    for odd in ODD_IDS:
        assert 400 <= api(make_user()).get(f"/api/v1/news/{odd}").status_code < 500
    assert_4xx(api(make_user()).get("/api/v1/news?page=0"))
    assert_4xx(api(make_user()).get("/api/v1/news?category=999999"))
