"""The news pages: the list (a fixed number of queries, by category, paginated), an article, the
form (write, schedule for a site, preview, errors at their field with nothing saved), the read
counts page, the categories' page, and the home page's featured panel."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cercle.news import actions
from cercle.news.models import Article, Category
from tests.factories import make_guest, make_site, make_user
from tests.helpers.clients import client_for
from tests.news.helpers import article, manager

pytestmark = pytest.mark.django_db


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_costs_the_same_for_3_or_30_articles() -> None:
    author = manager()
    category = actions.create_category(actor=author, name="RH")
    for n in range(3):
        article(author=author, title=f"Article {n}", category=category, summary="Résumé")
    reader = make_user()
    client = client_for(reader)
    client.get("/news/")  # warm the session and caches
    few = _queries(client, "/news/")
    for n in range(27):
        article(author=author, title=f"Encore {n}", category=category)
    assert _queries(client, "/news/") == few
    assert _queries(client_for(author), "/news/") == _queries(client_for(author), "/news/")


def test_the_list_filters_by_category_and_paginates() -> None:
    author = manager()
    hr = actions.create_category(actor=author, name="RH")
    safety = actions.create_category(actor=author, name="Sécurité")
    article(author=author, title="Congés", category=hr)
    article(author=author, title="Évacuation", category=safety)
    client = client_for(make_user())
    page = client.get(f"/news/?category={hr.pk}").content.decode()
    assert "Congés" in page and "Évacuation" not in page
    for odd in ("abc", "-1", "99999999999999999999999", "%00"):
        assert client.get(f"/news/?category={odd}").status_code == 200
    for n in range(13):
        article(author=author, title=f"Brève {n}")
    first = client.get("/news/").content.decode()
    assert 'rel="next"' in first
    assert client.get("/news/?page=2").status_code == 200
    assert client.get("/news/?page=zzz").status_code == 200


def test_a_manager_schedules_an_article_for_one_site_through_the_form() -> None:
    site, other = make_site("Nantes"), make_site("Lyon")
    author = manager()
    client = client_for(author)
    assert client.get("/news/write/").status_code == 200
    when = (timezone.localtime() + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    form = {
        "title": "Exercice d'évacuation",
        "summary": "Jeudi matin",
        "body": "## Consignes\n\nSuivez les **serre-files**.",
        "when": "schedule",
        "published_at": when,
        "sites": [str(site.pk)],
        "featured": "1",
    }
    preview = client.post("/news/write/", {**form, "preview": "1"})
    assert preview.status_code == 200
    assert "<strong>serre-files</strong>" in preview.content.decode()
    assert not Article.objects.exists()
    response = client.post("/news/write/", form)
    assert response.status_code == 302
    saved = Article.objects.get()
    assert list(saved.sites.all()) == [site] and saved.featured and not saved.for_everyone
    assert saved.published_at is not None and saved.published_at > timezone.now()
    here, there = make_user(site=site), make_user(site=other)
    assert client_for(here).get(f"/news/{saved.pk}/").status_code == 404  # not yet
    Article.objects.filter(pk=saved.pk).update(
        published_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert client_for(here).get(f"/news/{saved.pk}/").status_code == 200
    assert client_for(there).get(f"/news/{saved.pk}/").status_code == 404
    home = client_for(here).get("/").content.decode()
    assert "Exercice d&#x27;évacuation" in home or "Exercice d'évacuation" in home
    assert "évacuation" not in client_for(there).get("/").content.decode()


def test_form_errors_are_400_at_their_field_and_save_nothing() -> None:
    client = client_for(manager())
    bad = [
        {"title": "", "when": "now"},
        {"title": "Ok", "when": "schedule", "published_at": ""},
        {"title": "Ok", "when": "schedule", "published_at": "pas une date"},
        {"title": "Ok", "when": "later"},
        {"title": "Ok", "when": "now", "category": "999999"},
        {"title": "Ok", "when": "now", "ends_at": "2001-01-01T00:00"},
        {"title": "Ok", "when": "schedule", "published_at": "0001-01-01T00:00"},
    ]
    for data in bad:
        response = client.post("/news/write/", data)
        assert response.status_code == 400, data
        assert 'role="alert"' in response.content.decode()
    assert not Article.objects.exists()


def test_who_reaches_which_page() -> None:
    found = article()
    reader, guest = make_user(), make_guest()
    client = client_for(reader)
    assert client.get(f"/news/{found.pk}/").status_code == 200
    assert client.get("/news/write/").status_code == 403
    assert client.get(f"/news/{found.pk}/edit/").status_code == 404
    assert client.get(f"/news/{found.pk}/reads/").status_code == 404
    assert client.get("/news/categories/").status_code == 403
    assert client_for(guest).get(f"/news/{found.pk}/").status_code == 404
    assert client.post(f"/news/{found.pk}/delete/").status_code == 404
    author = found.author
    assert client_for(author).get(f"/news/{found.pk}/reads/").status_code == 200
    assert client_for(author).get(f"/news/{found.pk}/edit/").status_code == 200


def test_comment_react_and_share_through_the_pages() -> None:
    found = article()
    client = client_for(make_user())
    assert client.post(f"/news/{found.pk}/comment/", {"body": "Merci !"}).status_code == 302
    assert client.post(f"/news/{found.pk}/react/", {"kind": "celebrate"}).status_code == 302
    assert client.post(f"/news/{found.pk}/react/", {"kind": "nope"}).status_code == 400
    assert client.get(f"/news/{found.pk}/share/").status_code == 200
    assert client.post(f"/news/{found.pk}/share/", {"body": "À lire"}).status_code == 302
    found.refresh_from_db()
    assert found.comment_count == 1 and found.reaction_counts == {"celebrate": 1}
    page = client.get(f"/news/{found.pk}/").content.decode()
    assert "Merci !" in page


def test_the_categories_page() -> None:
    client = client_for(manager())
    assert client.post("/news/categories/", {"name": "Vie du site"}).status_code == 302
    assert client.post("/news/categories/", {"name": "vie du site"}).status_code == 400
    assert client.post("/news/categories/", {"name": ""}).status_code == 400
    category = Category.objects.get()
    assert client.post(f"/news/categories/{category.pk}/delete/").status_code == 302
    assert not Category.objects.exists()


def test_a_category_is_named_in_the_readers_language() -> None:
    """A category has a French name and, if given, an English one: each reader sees the name of
    their language (the French one when it has no English name), on the list, an article and
    the form; the categories' page takes both; the API gives both."""
    from django.test import Client

    author = manager()
    response = client_for(author).post(
        "/news/categories/", {"name": "Vie de l'entreprise", "name_en": "Company life"}
    )
    assert response.status_code == 302
    life = Category.objects.get(name="Vie de l'entreprise")
    assert life.name_en == "Company life"
    safety = actions.create_category(actor=author, name="Sécurité")
    item = article(author=author, title="Le pique-nique", category=life)
    article(author=author, title="Évacuation", category=safety)
    reader = make_user()

    def seen(language: str, url: str) -> str:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(reader)
        return client.get(url).content.decode()

    english, french = seen("en", "/news/"), seen("fr", "/news/")
    assert "Company life" in english and "Vie de l&#x27;entreprise" not in english
    assert "Vie de l&#x27;entreprise" in french and "Company life" not in french
    assert "Sécurité" in english and "Sécurité" in french  # no English name: the French one
    assert "Company life" in seen("en", f"/news/{item.pk}/")
    form = client_for(author).get("/news/write/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Company life</option>" in form
    from tests.helpers.api import api

    got = api(reader).get(f"/api/v1/news/{item.pk}").json()["category"]
    assert got["name"] == "Vie de l'entreprise" and got["name_en"] == "Company life"
    too_long = client_for(author).post("/news/categories/", {"name": "Autre", "name_en": "x" * 81})
    assert too_long.status_code == 400 and not Category.objects.filter(name="Autre").exists()


def test_a_space_lists_the_news_written_for_it_in_its_tab() -> None:
    from tests.factories import make_space

    author = manager()
    member = make_user()
    space = make_space(kind="private", members=(member,))
    other = make_space(kind="private", members=(member,))
    for n in range(3):
        article(author=author, title=f"Pour l'espace {n}", spaces=[space])
    article(author=author, title="Pour un autre espace", spaces=[other])
    article(author=author, title="Pour tout le monde")
    url = f"/spaces/{space.slug}/news/"
    client = client_for(member)
    client.get(url)  # warm the session and caches
    page = client.get(url).content.decode()
    assert "Pour l&#x27;espace 2" in page and "Pour l&#x27;espace 0" in page
    assert "Pour un autre espace" not in page and "Pour tout le monde" not in page
    assert f'<a href="{url}" aria-current="page">' in page  # the space's News tab
    few = _queries(client, url)
    for n in range(10):
        article(author=author, title=f"Encore {n}", spaces=[space])
    assert _queries(client, url) == few
    # Not a member of the private space: no such page; the organisation space has no such tab.
    assert client_for(make_user()).get(url).status_code == 404
    from cercle.spaces.queries import organisation_space

    assert client.get(f"/spaces/{organisation_space().slug}/news/").status_code == 404


def test_the_news_tab_shows_only_when_the_space_has_an_article_the_reader_may_see() -> None:
    from tests.factories import make_space

    author = manager()
    member = make_user()
    space = make_space(kind="private", members=(member,))
    wall, news = f"/spaces/{space.slug}/", f"/spaces/{space.slug}/news/"
    client = client_for(member)
    client.get(wall)  # warm the session and caches
    page = client.get(wall).content.decode()
    assert f'href="{news}"' not in page  # no article: no tab
    without = _queries(client, wall)
    # Scheduled for tomorrow, or ended: not live, so still no tab.
    article(
        author=author,
        title="Demain",
        spaces=[space],
        published_at=timezone.now() + datetime.timedelta(days=1),
    )
    assert f'href="{news}"' not in client.get(wall).content.decode()
    article(author=author, title="Aujourd'hui", spaces=[space])
    assert f'href="{news}"' in client.get(wall).content.decode()
    assert _queries(client, wall) == without  # one query for the tab, with or without news
    for n in range(5):
        article(author=author, title=f"Encore {n}", spaces=[space])
    assert _queries(client, wall) == without
