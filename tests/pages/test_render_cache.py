"""A page's rendered text, its tree and its comments' first lines are kept in the cache, by what
they show and never by who reads: an edit, a rename of a linked page, a moved tree or a renamed
author is seen at once; what depends on the reader (backlinks, edit and delete buttons) is
never cached; a view costs a fixed number of queries, one fewer once the text is cached."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cercle.pages import actions, queries, rendering
from cercle.pages.models import Page
from cercle.spaces import actions as space_actions
from cercle.spaces.models import Space
from cercle.spaces.queries import organisation_space
from tests.factories import add_member, make_space, make_user
from tests.helpers.api import api
from tests.helpers.clients import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings: object) -> object:
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]
    with translation.override("en"):
        yield


def _url(page: Page) -> str:
    page.refresh_from_db()
    return f"/spaces/{page.space.slug}/pages/{page.slug}/"


def _view(client: object, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as seen:
        response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return len(seen), response.content.decode()


def test_an_edit_shows_the_new_revision_at_once() -> None:
    owner, reader = make_user(), make_user()
    space = make_space(owner=owner, kind="private")
    add_member(space, reader)
    page = actions.create_page(actor=owner, space=space, title="Charte", body="## Avant\n\nancien")
    client = client_for(reader)
    _, html = _view(client, _url(page))
    assert '<h2 id="avant">Avant</h2>' in html and "ancien" in html
    actions.edit_page(
        actor=owner, page=page, title="Charte", body="## Après\n\nnouveau", base_revision=1
    )
    _, html = _view(client, _url(page))
    assert '<h2 id="apres">Après</h2>' in html and "nouveau" in html
    assert "ancien" not in html and 'href="#avant"' not in html
    # Restoring the first text is a new revision: shown at once too.
    actions.restore_revision(actor=owner, page=page, number=1)
    _, html = _view(client, _url(page))
    assert "ancien" in html and "nouveau" not in html
    # The API shares the cache, and follows the edits too.
    assert "ancien" in api(reader).get(f"/api/v1/pages/{page.pk}").json()["html"]
    actions.edit_page(actor=owner, page=page, title="Charte", body="troisième", base_revision=3)
    assert "troisième" in api(reader).get(f"/api/v1/pages/{page.pk}").json()["html"]
    assert "troisième" in _view(client, _url(page))[1]
    # A text written outside the actions (same revision number) is not served stale either.
    Page.objects.filter(pk=page.pk).update(body="écrit à la main")
    assert "écrit à la main" in _view(client, _url(page))[1]


def test_links_follow_the_tree_renames_and_deletions() -> None:
    owner = make_user()
    space = make_space(owner=owner, kind="private")
    page = actions.create_page(actor=owner, space=space, title="Accueil", body="Voir [[FAQ]].")
    client = client_for(owner)
    base = f"/spaces/{space.slug}/pages/"
    assert f'href="{base}faq/"' not in _view(client, _url(page))[1]
    faq = actions.create_page(actor=owner, space=space, title="FAQ")
    assert f'href="{base}faq/"' in _view(client, _url(page))[1]
    # Renamed: the old title still leads to it, by its new address.
    actions.edit_page(actor=owner, page=faq, title="Questions", body="", base_revision=1)
    assert f'href="{base}questions/"' in _view(client, _url(page))[1]
    actions.delete_page(actor=owner, page=Page.objects.get(pk=faq.pk))
    html = _view(client, _url(page))[1]
    assert f'href="{base}questions/"' not in html and "FAQ" in html
    # The space's new address is in the links at once.
    actions.create_page(actor=owner, space=space, title="FAQ")
    Space.objects.filter(pk=space.pk).update(slug="nouveau-nom")
    assert 'href="/spaces/nouveau-nom/pages/faq/"' in _view(client, _url(page))[1]


def test_readers_see_their_own_buttons_and_backlinks_not_the_cached_ones() -> None:
    owner, member, colleague = make_user(), make_user(), make_user()
    space = make_space(owner=owner, kind="open")
    add_member(space, member)
    add_member(space, colleague)
    page = actions.create_page(actor=owner, space=space, title="Charte", body="Texte")
    comment = actions.add_comment(actor=member, page=page, body="Mon avis")
    secret = make_space(owner=owner, kind="private")
    add_member(secret, member)
    actions.create_page(
        actor=owner, space=secret, title="Projet secret", body=f"[x](/pages/{page.pk}/)"
    )
    url = _url(page)
    _, seen_by_member = _view(client_for(member), url)
    assert f"/pages/comments/{comment.pk}/edit/" in seen_by_member  # their own comment
    assert "Projet secret" in seen_by_member
    _, seen_by_colleague = _view(client_for(colleague), url)
    assert "Mon avis" in seen_by_colleague
    assert f"/pages/comments/{comment.pk}/edit/" not in seen_by_colleague
    assert "Projet secret" not in seen_by_colleague
    # The member leaves the secret space: its page is no longer named to them.
    space_actions.leave_space(actor=member, space=secret)
    assert "Projet secret" not in _view(client_for(member), url)[1]


def test_a_comment_shows_its_author_s_new_name_and_its_edit_at_once() -> None:
    owner = make_user()
    space = make_space(owner=owner, kind="private")
    page = actions.create_page(actor=owner, space=space, title="Charte", body="Texte")
    comment = actions.add_comment(actor=owner, page=page, body="Premier avis")
    client = client_for(owner)
    html = _view(client, _url(page))[1]
    assert owner.display_name in html and "edited" not in html
    owner.first_name, owner.last_name = "Zoé", "Nouveau-Nom"
    owner.save(update_fields=["first_name", "last_name"])
    actions.edit_comment(actor=owner, comment=comment, body="Avis revu")
    html = _view(client, _url(page))[1]
    assert "Zoé Nouveau-Nom" in html and "Avis revu" in html and "edited" in html


def test_a_view_costs_the_same_queries_with_2_or_40_comments_and_one_fewer_when_cached() -> None:
    owner, reader = make_user(), make_user()
    space = make_space(owner=owner, kind="private")
    add_member(space, reader)
    for n in range(5):
        actions.create_page(actor=owner, space=space, title=f"Autre {n}")
    page = actions.create_page(
        actor=owner, space=space, title="Charte", body="## Un\n\n[[Autre 1]]\n\n## Deux\n\n## Trois"
    )
    for n in range(2):
        actions.add_comment(actor=owner, page=page, body=f"Avis {n}")
    client = client_for(reader)
    url = _url(page)
    _view(client, url)
    cached, html = _view(client, url)
    key = rendering.render_key(page, queries.PageTree.of(space))
    assert key is not None and cache.get(key) is not None
    cache.delete(key)
    assert _view(client, url)[0] == cached + 1  # rendered again: the text's links looked up
    assert _view(client, url)[0] == cached
    assert 'href="#deux"' in html and "Avis 1" in html
    for n in range(2, 40):
        actions.add_comment(actor=owner, page=page, body=f"Avis {n}")
    assert _view(client, url)[0] == cached
    many, html = _view(client, url)
    assert many == cached and "Avis 39" in html


def test_an_intranet_page_reads_the_reader_s_sections_once() -> None:
    staff, member = make_user(role="staff"), make_user()
    space = organisation_space()
    section = actions.create_page(actor=staff, space=space, title="Rubrique")
    page = actions.create_page(actor=staff, space=space, title="Fiche", parent=section)
    actions.add_editor(actor=make_user(role="admin"), page=section, person=member)
    client = client_for(member)
    url = _url(page)
    client.get(url)
    with CaptureQueriesContext(connection) as seen:
        html = client.get(url).content.decode()
    assert sum("pages_pageeditor" in q["sql"] for q in seen.captured_queries) == 1
    # They write below their section, not elsewhere.
    assert f"{url}edit/" in html
    other = actions.create_page(actor=staff, space=space, title="Ailleurs")
    assert f"{_url(other)}edit/" not in client.get(_url(other)).content.decode()
