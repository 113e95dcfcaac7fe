"""The pages in the browser's requests: reading, writing, conflicts, history and diffs, moves,
print and export; old addresses redirect; what one may not read is a 404, not a hint."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client

from cercle.accounts.models import User
from cercle.pages import actions
from cercle.pages.models import Page
from cercle.spaces.models import Space
from cercle.spaces.queries import organisation_space
from tests.factories import make_guest, make_space, make_user

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner() -> User:
    return make_user()


@pytest.fixture
def space(owner: User) -> Space:
    return make_space(owner=owner, kind="private")


def test_a_member_writes_a_page_and_reads_it_with_its_contents(owner: User, space: Space) -> None:
    client = client_for(owner)
    base = f"/spaces/{space.slug}/pages/"
    assert client.get(base).status_code == 200
    response = client.post(
        f"{base}new/",
        {"title": "Accueil", "body": "# Bienvenue\n\n## Qui\n\n## Quoi\n\n## Où\n\nVoir [[FAQ]]."},
    )
    assert response.status_code == 302 and response["Location"] == f"{base}accueil/"
    page = client.get(f"{base}accueil/").content.decode()
    assert '<h2 id="qui">Qui</h2>' in page and 'href="#quoi"' in page  # table of contents
    assert "Pages qui renvoient ici" not in page
    actions.create_page(actor=owner, space=space, title="FAQ")
    assert f'href="{base}faq/"' in client.get(f"{base}accueil/").content.decode()
    backlinks = client.get(f"{base}faq/").content.decode().split("Pages qui renvoient ici")[1]
    assert f"{base}accueil/" in backlinks
    # The space's header shows the Pages tab, current here.
    assert f'<a href="{base}" aria-current="page">Pages</a>' in client.get(base).content.decode()


def test_templates_fill_a_new_page(owner: User, space: Space) -> None:
    page = client_for(owner).get(f"/spaces/{space.slug}/pages/new/?template=meeting").content
    assert b"## Agenda" in page or b"## Ordre du jour" in page


def test_a_conflict_shows_both_texts_and_saves_nothing(owner: User, space: Space) -> None:
    page = actions.create_page(actor=owner, space=space, title="Charte", body="commun")
    actions.edit_page(actor=owner, page=page, title="Charte", body="leur texte", base_revision=1)
    response = client_for(owner).post(
        f"/spaces/{space.slug}/pages/charte/edit/",
        {"title": "Charte", "body": "mon texte", "base_revision": "1"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "leur texte" in html and "mon texte" in html
    assert 'name="base_revision" value="2"' in html  # saving again builds on their version
    page.refresh_from_db()
    assert page.body == "leur texte"


def test_history_diff_and_restore(owner: User, space: Space) -> None:
    page = actions.create_page(actor=owner, space=space, title="Note", body="a\nb\n<script>")
    actions.edit_page(actor=owner, page=page, title="Note", body="a\nc\n<script>", base_revision=1)
    client = client_for(owner)
    base = f"/spaces/{space.slug}/pages/note/"
    assert "Rétablir la version 1" in client.get(f"{base}history/").content.decode()
    diff = client.get(f"{base}diff/?from=1&to=2").content.decode()
    assert "<del>b</del>" in diff and "<ins>c</ins>" in diff
    assert "<script>" not in diff and "&lt;script&gt;" in diff
    assert client.get(f"{base}diff/?from=1&to=99").status_code == 404
    assert client.get(f"{base}diff/?from=x&to=%00").status_code == 200  # read as the latest two
    assert client.post(f"{base}restore/1/").status_code == 302
    page.refresh_from_db()
    assert (page.revision, page.body) == (3, "a\nb\n<script>")


def test_old_addresses_redirect_and_the_preview_renders(owner: User, space: Space) -> None:
    page = actions.create_page(actor=owner, space=space, title="Ancien nom")
    actions.edit_page(actor=owner, page=page, title="Nouveau nom", body="", base_revision=1)
    client = client_for(owner)
    response = client.get(f"/spaces/{space.slug}/pages/ancien-nom/")
    assert response.status_code == 301
    assert response["Location"] == f"/spaces/{space.slug}/pages/nouveau-nom/"
    preview = client.post(
        f"/spaces/{space.slug}/pages/preview/", {"body": "**gras** [[Nouveau nom]]"}
    )
    assert b"<strong>gras</strong>" in preview.content
    assert f'href="/spaces/{space.slug}/pages/nouveau-nom/"'.encode() in preview.content


def test_move_buttons_print_and_export(owner: User, space: Space) -> None:
    top = actions.create_page(actor=owner, space=space, title="Haut", body="racine")
    actions.create_page(actor=owner, space=space, title="Second", body="deux")
    client = client_for(owner)
    base = f"/spaces/{space.slug}/pages/"
    client.post(f"{base}second/move/", {"direction": "in"})
    assert Page.objects.get(slug="second", space=space).parent_id == top.pk
    assert b"racine" in client.get(f"{base}haut/print/").content
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{base}haut/export.zip").content))
    names = sorted(archive.namelist())
    assert names == [
        "haut/haut.html",
        "haut/haut.md",
        "haut/second/second.html",
        "haut/second/second.md",
    ]
    assert archive.read("haut/second/second.md").decode() == "# Second\n\ndeux\n"


def test_outsiders_see_nothing_and_readers_cannot_write(owner: User, space: Space) -> None:
    actions.create_page(actor=owner, space=space, title="Secret")
    outsider = client_for(make_user())
    assert outsider.get(f"/spaces/{space.slug}/pages/secret/").status_code == 404
    assert outsider.get(f"/spaces/{space.slug}/pages/").status_code == 404
    org = organisation_space()
    actions.create_page(actor=make_user(role="staff"), space=org, title="Règlement")
    reader = client_for(make_user())
    assert reader.get(f"/spaces/{org.slug}/pages/reglement/").status_code == 200
    assert reader.get(f"/spaces/{org.slug}/pages/reglement/edit/").status_code == 403
    assert reader.post(f"/spaces/{org.slug}/pages/new/", {"title": "x"}).status_code == 403
    assert client_for(make_guest()).get(f"/spaces/{org.slug}/pages/").status_code == 404
    assert reader.get("/intranet/")["Location"] == f"/spaces/{org.slug}/pages/"


@pytest.mark.parametrize("slug", ["%00", "x" * 300, "..", "new"])
def test_odd_addresses_are_404s(owner: User, space: Space, slug: str) -> None:
    response = client_for(owner).get(f"/spaces/{space.slug}/pages/{slug}/")
    assert response.status_code in (200, 404)  # "new" is the new-page form
    if slug != "new":
        assert response.status_code == 404


def test_bad_input_re_shows_the_form_with_errors(owner: User, space: Space) -> None:
    client = client_for(owner)
    response = client.post(f"/spaces/{space.slug}/pages/new/", {"title": "", "body": "x"})
    assert response.status_code == 400 and b"aria-invalid" in response.content
    response = client.post(f"/spaces/{space.slug}/pages/new/", {"title": "T", "parent": "99x"})
    assert response.status_code == 400
    assert not Page.objects.filter(space=space).exists()
