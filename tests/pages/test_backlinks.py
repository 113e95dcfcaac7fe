"""Backlinks ("Pages that link here"): links written as `[[Title]]` or to a page's stable
address (`/pages/<number>/`) in other pages' current text, kept as rows when a page is saved
(not a scan at read time), shown only when the reader may read the linking page, on the page
and in the API, at a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cercle.pages import actions, queries
from cercle.pages.models import PageLink
from cercle.spaces.queries import organisation_space
from tests.factories import add_member, make_space, make_user
from tests.helpers.api import api
from tests.helpers.clients import client_for

pytestmark = pytest.mark.django_db


def test_links_by_number_are_kept_on_save_and_follow_the_text() -> None:
    owner = make_user()
    space = make_space(owner=owner, kind="private")
    target = actions.create_page(actor=owner, space=space, title="Cible")
    source = actions.create_page(
        actor=owner,
        space=space,
        title="Source",
        body=f"Voir [la cible](/pages/{target.pk}/) et `/pages/{target.pk}/` (du code).",
    )
    assert list(PageLink.objects.filter(target__isnull=False).values_list("source", "target")) == [
        (source.pk, target.pk)
    ]
    assert [p.pk for p in queries.backlinks(target)] == [source.pk]
    # Not a link to itself, nor to a page that does not exist; a link in code is no link.
    actions.edit_page(
        actor=owner,
        page=source,
        title="Source",
        body=f"/pages/{source.pk}/ /pages/999999/\n```\n/pages/{target.pk}/\n```",
        base_revision=source.revision,
    )
    assert not PageLink.objects.filter(target__isnull=False).exists()
    assert list(queries.backlinks(target)) == []
    # Written again, then the linking page deleted: the row goes with it.
    source.refresh_from_db()
    actions.edit_page(
        actor=owner,
        page=source,
        title="Source",
        body=f"<https://cercle.example/pages/{target.pk}/#section>",
        base_revision=source.revision,
    )
    assert [p.pk for p in queries.backlinks(target)] == [source.pk]
    actions.delete_page(actor=owner, page=source)
    assert list(queries.backlinks(target)) == []


def test_only_pages_the_reader_may_read_are_listed() -> None:
    staff = make_user(role="staff")
    home = actions.create_page(actor=staff, space=organisation_space(), title="Accueil")
    owner, member, colleague = make_user(), make_user(), make_user()
    secret = make_space(owner=owner, kind="private")
    add_member(secret, member)
    hidden = actions.create_page(
        actor=owner, space=secret, title="Projet secret", body=f"[Accueil](/pages/{home.pk}/)"
    )
    public = actions.create_page(
        actor=staff, space=organisation_space(), title="Annuaire", body="[[Accueil]]"
    )
    url = f"/spaces/{organisation_space().slug}/pages/{home.slug}/"
    seen_by_member = client_for(member).get(url).content.decode()
    assert "Projet secret" in seen_by_member and "Annuaire" in seen_by_member
    seen_by_colleague = client_for(colleague).get(url).content.decode()
    assert "Annuaire" in seen_by_colleague and "Projet secret" not in seen_by_colleague
    assert f"/spaces/{secret.slug}/pages/{hidden.slug}/" in seen_by_member
    assert api(colleague).get(f"/api/v1/pages/{home.pk}").json()["backlinks"] == [public.pk]
    got = api(member).get(f"/api/v1/pages/{home.pk}").json()
    assert got["backlinks"] == [public.pk, hidden.pk]  # by title: Annuaire, Projet secret
    assert got["backlink_pages"][1] == {
        "id": hidden.pk,
        "space_id": secret.pk,
        "title": "Projet secret",
        "url": f"/spaces/{secret.slug}/pages/{hidden.slug}/",
    }


def test_the_page_costs_the_same_queries_with_1_or_30_backlinks() -> None:
    owner = make_user()
    space = make_space(owner=owner)
    target = actions.create_page(actor=owner, space=space, title="Cible")
    other = make_space(owner=owner)
    actions.create_page(actor=owner, space=space, title="Lien 0", body="[[Cible]]")
    client = client_for(owner)
    url = f"/spaces/{space.slug}/pages/{target.slug}/"
    client.get(url)

    def cost() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as seen:
            html = client.get(url).content.decode()
        return len(seen), html

    few, html = cost()
    assert "Lien 0" in html
    for n in range(1, 30):
        where = space if n % 2 else other
        body = "[[Cible]]" if where == space else f"[x](/pages/{target.pk}/)"
        actions.create_page(actor=owner, space=where, title=f"Lien {n}", body=body)
    client.get(url)  # the changed tree cached again
    many, html = cost()
    assert many == few and all(f"Lien {n}<" in html for n in range(30))
    api_client = api(owner)
    api_client.get(f"/api/v1/pages/{target.pk}")
    with CaptureQueriesContext(connection) as seen:
        got = api_client.get(f"/api/v1/pages/{target.pk}").json()
    assert len(got["backlinks"]) == 30
    with_30 = len(seen)
    for n in range(30, 40):
        actions.create_page(
            actor=owner, space=other, title=f"Lien {n}", body=f"/pages/{target.pk}/"
        )
    with CaptureQueriesContext(connection) as seen:
        got = api_client.get(f"/api/v1/pages/{target.pk}").json()
    assert len(got["backlinks"]) == 40 and len(seen) == with_30


def test_hidden_linking_pages_do_not_take_the_places_of_readable_ones() -> None:
    """Candidates are read `limit` at a time and filtered for the reader: hidden ones first in
    the order (by title) do not leave the list short."""
    staff = make_user(role="staff")
    home = actions.create_page(actor=staff, space=organisation_space(), title="Accueil")
    owner, reader = make_user(), make_user()
    secret = make_space(owner=owner, kind="private")
    for title in ("A secret", "B secret", "C secret"):
        actions.create_page(actor=owner, space=secret, title=title, body=f"/pages/{home.pk}/")
    for title in ("D public", "E public", "F public"):
        actions.create_page(
            actor=staff, space=organisation_space(), title=title, body="[[Accueil]]"
        )
    titles = [p.title for p in queries.readable_backlinks(home, reader, limit=2)]
    assert titles == ["D public", "E public"]
    assert [p.title for p in queries.readable_backlinks(home, owner, limit=4)] == [
        "A secret",
        "B secret",
        "C secret",
        "D public",
    ]
    admin = make_user(role="admin")
    assert len(queries.readable_backlinks(home, admin)) == 6
