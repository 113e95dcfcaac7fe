"""Reordering the tree: the reorder page (writers only; a section editor moves only their
section's pages), its keyboard buttons, and the drag-and-drop form (a parent and a position);
bad places are refused and change nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from cercle.accounts.models import User
from cercle.pages import actions, queries
from cercle.pages.models import Page
from cercle.spaces.models import Space
from cercle.spaces.queries import organisation_space
from tests.factories import make_admin, make_space, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings: object) -> object:
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]
    with translation.override("en"):
        yield


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shape(space: Space) -> list[tuple[str, str | None, int]]:
    return [
        (p.slug, p.parent.slug if p.parent else None, p.position)
        for p in Page.objects.filter(space=space).select_related("parent").order_by("slug")
    ]


@pytest.fixture
def anne() -> User:
    return make_user()


@pytest.fixture
def space(anne: User) -> Space:
    space = make_space(owner=anne, kind="private")
    for title in ("Alpha", "Beta", "Gamma"):
        actions.create_page(actor=anne, space=space, title=title)
    return space


def test_the_reorder_page_moves_by_buttons_and_comes_back_to_the_row(
    anne: User, space: Space
) -> None:
    client = client_for(anne)
    base = f"/spaces/{space.slug}/pages/"
    html = client.get(f"{base}reorder/").content.decode()
    assert html.count('draggable="true"') == 3
    assert "Move “Beta” up" in html and "Put “Beta” under the page above" in html
    assert "reorder/" in client.get(base).content.decode()
    response = client.post(f"{base}beta/move/", {"direction": "up", "next": "reorder"})
    beta = Page.objects.get(space=space, slug="beta")
    assert response.status_code == 302 and response["Location"] == f"{base}reorder/#move-{beta.pk}"
    assert [p.slug for p in Page.objects.filter(space=space, parent=None).order_by("position")] == [
        "beta",
        "alpha",
        "gamma",
    ]
    client.post(f"{base}alpha/move/", {"direction": "in", "next": "reorder"})
    assert Page.objects.get(space=space, slug="alpha").parent_id == beta.pk
    client.post(f"{base}alpha/move/", {"direction": "out", "next": "reorder"})
    assert shape(space) == [("alpha", None, 1), ("beta", None, 0), ("gamma", None, 2)]


def test_a_dropped_row_moves_to_its_parent_and_position(anne: User, space: Space) -> None:
    client = client_for(anne)
    base = f"/spaces/{space.slug}/pages/"
    alpha = Page.objects.get(space=space, slug="alpha")
    fetch = {"X-Requested-With": "fetch"}
    response = client.post(
        f"{base}gamma/move/",
        {"parent": str(alpha.pk), "position": "0", "next": "reorder"},
        headers=fetch,
    )
    assert response.status_code == 302
    assert shape(space) == [("alpha", None, 0), ("beta", None, 1), ("gamma", "alpha", 0)]
    # To the top, first.
    client.post(f"{base}gamma/move/", {"parent": "", "position": "0"}, headers=fetch)
    assert shape(space) == [("alpha", None, 1), ("beta", None, 2), ("gamma", None, 0)]
    before = shape(space)
    # Refused: under itself or its own child, another space's page, a bad position.
    client.post(f"{base}beta/move/", {"parent": str(alpha.pk), "position": "0"})
    beta = Page.objects.get(space=space, slug="beta")
    other = actions.create_page(actor=anne, space=make_space(owner=anne), title="Ailleurs")
    before = shape(space)
    for data in (
        {"parent": str(beta.pk), "position": "0"},
        {"parent": str(Page.objects.get(slug="alpha", space=space).pk), "position": "0"},
        {"parent": str(other.pk), "position": "0"},
        {"parent": "", "position": "-1"},
        {"parent": "", "position": "x"},
        {"parent": "abc", "position": "0"},
        {"direction": "sideways"},
    ):
        response = client.post(f"{base}alpha/move/", data, headers=fetch)
        assert response.status_code == 400, data
    assert shape(space) == before


def test_only_writers_reorder() -> None:
    staff = make_user(role="staff")
    intranet = organisation_space()
    actions.create_page(actor=staff, space=intranet, title="RH")
    reader = make_user()
    base = f"/spaces/{intranet.slug}/pages/"
    assert client_for(reader).get(f"{base}reorder/").status_code == 403
    response = client_for(reader).post(
        f"{base}rh/move/", {"parent": "", "position": "0"}, headers={"X-Requested-With": "fetch"}
    )
    assert response.status_code == 403
    assert "reorder/" not in client_for(reader).get(base).content.decode()
    assert client_for(make_admin()).get(f"{base}reorder/").status_code == 200
    assert client_for(make_user()).get(
        f"/spaces/{make_space().slug}/pages/reorder/"
    ).status_code in (403, 404)


def test_a_page_shows_the_tree_folded_around_it(anne: User, space: Space) -> None:
    """The side navigation: the top pages and the pages under the page and its ancestors, not
    the whole tree (a large intranet's pages would each draw thousands of links)."""
    alpha = Page.objects.get(space=space, slug="alpha")
    beta = Page.objects.get(space=space, slug="beta")
    under_alpha = actions.create_page(actor=anne, space=space, title="Sous alpha", parent=alpha)
    deep = actions.create_page(actor=anne, space=space, title="Profond", parent=under_alpha)
    actions.create_page(actor=anne, space=space, title="Sous beta", parent=beta)
    tree = queries.PageTree.of(space)
    assert [(node.slug, depth) for node, depth in tree.folded(under_alpha.pk)] == [
        ("alpha", 0),
        ("sous-alpha", 1),
        ("profond", 2),
        ("beta", 0),
        ("gamma", 0),
    ]
    html = client_for(anne).get(f"/spaces/{space.slug}/pages/profond/").content.decode()
    side = html.split('class="card page-tree"', 1)[1].split("</nav>", 1)[0]
    assert "/pages/sous-alpha/" in side and "/pages/sous-beta/" not in side
    assert deep.slug in side
    # The list of pages keeps the whole tree.
    listing = client_for(anne).get(f"/spaces/{space.slug}/pages/").content.decode()
    assert "/pages/sous-beta/" in listing and "/pages/profond/" in listing


def test_a_large_tree_is_reordered_50_rows_at_a_time_at_a_fixed_cost() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.pages.test_navigation import grow

    owner = make_user()
    space = make_space(owner=owner)
    grow(space, owner, sections=2, per=5)  # 2 + 10 + 10 pages
    client = client_for(owner)
    url = f"/spaces/{space.slug}/pages/reorder/"
    client.get(url)

    def cost(address: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as seen:
            response = client.get(address)
        assert response.status_code == 200
        return len(seen), response.content.decode()

    few, html = cost(url)
    assert html.count('class="page-reorder-row"') == 22 and 'rel="next"' not in html
    grow(space, owner, sections=20, per=10)  # 22 + 20 + 200 + 200 = 442 pages
    client.get(url)  # the changed tree cached
    many, html = cost(url)
    assert many == few and html.count('class="page-reorder-row"') == 50
    assert 'rel="next" href="?page=2"' in html and "Part 1 of 9" in html
    walked = [node for node, _depth in queries.PageTree.of(space).walk()]
    last_count, last = cost(f"{url}?page=9")
    assert last.count('class="page-reorder-row"') == 442 - 8 * 50 and last_count == few
    assert f'id="move-{walked[-1].id}"' in last and 'rel="prev" href="?page=8"' in last
    for odd in ("?page=0", "?page=x", "?page=99999999999", "?page=-3"):
        assert client.get(url + odd).status_code == 200
    # A move from the reorder page comes back to the part showing the moved page.
    moved = Page.objects.get(pk=walked[120].id)
    response = client.post(
        f"/spaces/{space.slug}/pages/{moved.slug}/move/", {"direction": "up", "next": "reorder"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(f"{url}?page=3#move-{moved.pk}")
