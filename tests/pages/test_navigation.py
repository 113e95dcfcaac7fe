"""The tree of pages at a few hundred pages: drawn folded (the top pages, a button fetching the
pages under one), a fixed number of queries whatever the tree's size; a page's history is paged
and its differences are bounded."""

from __future__ import annotations

import re
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cercle.accounts.models import User
from cercle.core.text import normalize
from cercle.pages import actions, queries
from cercle.pages.diff import MAX_ROWS, bounded, side_by_side
from cercle.pages.models import Page, PageRevision
from cercle.spaces.models import Space
from tests.factories import make_space, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings: object) -> None:
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def grow(space: Space, owner: User, sections: int, per: int = 10) -> list[Page]:
    """`sections` top pages with `per` pages under each and `per` under each of those, in bulk
    (as a large intranet's import would), then a new tree version (as the actions give)."""
    made = Page.objects.filter(space=space).count()

    def add(rows: list[tuple[str, int | None, int]]) -> list[Page]:
        nonlocal made
        pages = [
            Page(
                space=space,
                parent_id=parent,
                position=at,
                title=title,
                title_key=normalize(title),
                slug=f"p-{made + n}",
                owner=owner,
            )
            for n, (title, parent, at) in enumerate(rows)
        ]
        made += len(pages)
        return Page.objects.bulk_create(pages)

    tops = add([(f"Rubrique {made + s}", None, made + s) for s in range(sections)])
    seconds = add([(f"Page {t.pk}-{n}", t.pk, n) for t in tops for n in range(per)])
    add([(f"Fiche {p.pk}-{n}", p.pk, n) for p in seconds[:sections] for n in range(per)])
    queries.tree_changed(space)
    return tops


def queries_of(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as seen:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(seen), response.content.decode()


def test_a_large_tree_is_drawn_folded_with_the_same_queries_at_any_size() -> None:
    owner = make_user()
    space = make_space(owner=owner)
    tops = grow(space, owner, sections=3)  # 3 + 30 + 30 pages
    small = Page.objects.filter(space=space).count()
    assert small <= queries.FOLD_ABOVE
    client = client_for(owner)
    base = f"/spaces/{space.slug}/pages/"
    client.get(base)  # the tree cached
    count_small, html = queries_of(client, base)
    assert html.count('class="page-tree-item"') == small  # small: drawn whole
    tops += grow(space, owner, sections=30)  # 396 pages
    assert Page.objects.filter(space=space).count() > 300
    client.get(base)
    count_large, html = queries_of(client, base)
    assert count_large == count_small
    # Folded: the top pages only, each with a button that fetches the pages under it.
    assert html.count('class="page-tree-item"') == len(tops)
    buttons = re.findall(r'<button type="button" class="page-tree-toggle"[^>]*>', html)
    assert len(buttons) == len(tops)
    assert 'aria-expanded="false"' in buttons[0] and "aria-controls=" in buttons[0]
    url = re.search(r'data-url="([^"]+)"', buttons[0])
    assert url is not None and url.group(1) == f"{base}tree/{tops[0].pk}/"
    # What the button fetches: the 10 pages under it, each folded, and only those.
    count_children, part = queries_of(client, url.group(1))
    assert part.count('class="page-tree-item"') == 10
    with_pages = Page.objects.filter(parent__parent=tops[0]).values("parent").distinct().count()
    assert with_pages == 3 and part.count('class="page-tree-toggle"') == with_pages
    assert "<html" not in part
    assert count_children <= count_large
    # A page beside its tree: folded around it, same queries in the small and large trees.
    deep = Page.objects.filter(space=space, title__startswith="Fiche").last()
    assert deep is not None
    count_page, page_html = queries_of(client, f"{base}{deep.slug}/")
    side = page_html.split('class="card page-tree"', 1)[1].split("</nav>", 1)[0]
    assert 'aria-current="page"' in side and side.count('aria-expanded="true"') == 2
    first = Page.objects.filter(space=space, title__startswith="Fiche").first()
    assert first is not None
    assert queries_of(client, f"{base}{first.slug}/")[0] == count_page


def test_the_tree_button_answers_readers_only() -> None:
    owner = make_user()
    space = make_space(owner=owner, kind="private")
    top = actions.create_page(actor=owner, space=space, title="Haut")
    actions.create_page(actor=owner, space=space, title="Dessous", parent=top)
    url = f"/spaces/{space.slug}/pages/tree/{top.pk}/"
    assert "Dessous" in client_for(owner).get(url).content.decode()
    assert client_for(make_user()).get(url).status_code == 404  # not a member
    elsewhere = make_space(owner=owner)
    other = f"/spaces/{elsewhere.slug}/pages/tree/{top.pk}/"  # a page of another space
    assert client_for(owner).get(other).status_code == 404
    assert client_for(owner).post(url).status_code == 405


def add_revisions(page: Page, count: int) -> None:
    lines = [f"Ligne {n} : une règle du règlement intérieur." for n in range(60)]
    rows = []
    for number in range(page.revision + 1, page.revision + count + 1):
        lines[number % 60] = f"Ligne {number % 60} : modifiée à la version {number}."
        rows.append(
            PageRevision(
                page=page, number=number, title=page.title, body="\n".join(lines), author=page.owner
            )
        )
    PageRevision.objects.bulk_create(rows)
    Page.objects.filter(pk=page.pk).update(revision=page.revision + count, body=rows[-1].body)


def test_history_of_500_revisions_is_paged_with_the_same_queries() -> None:
    owner = make_user()
    space = make_space(owner=owner)
    page = actions.create_page(actor=owner, space=space, title="Congés")
    client = client_for(owner)
    history = f"/spaces/{space.slug}/pages/{page.slug}/history/"
    add_revisions(page, 59)
    client.get(history)  # the session and the tree read once
    few, html = queries_of(client, history)
    assert html.count('name="to"') == queries.HISTORY_PAGE
    add_revisions(Page.objects.get(pk=page.pk), 440)
    many, html = queries_of(client, history)
    assert many == few
    assert html.count('name="to"') == queries.HISTORY_PAGE and 'value="500"' in html
    older = re.search(r'rel="next" href="\?before=(\d+)"', html)
    assert older is not None and older.group(1) == "451"
    html = client.get(f"{history}?before=451").content.decode()
    assert 'value="450"' in html and 'value="401"' in html and 'value="400"' not in html
    last = client.get(f"{history}?before=51").content.decode()
    assert 'value="1"' in last and 'rel="next"' not in last
    # The page itself: the same queries with 60 or 500 revisions (one is the News tab's).
    assert queries_of(client, f"/spaces/{space.slug}/pages/{page.slug}/")[0] <= 26
    diff = f"/spaces/{space.slug}/pages/{page.slug}/diff/"
    assert "modifiée à la version 500" in queries_of(client, f"{diff}?from=1&to=500")[1]
    assert client.get(f"{diff}?before=x&from=abc&to=99999").status_code == 404


def test_a_diff_is_bounded_however_long_the_texts() -> None:
    old = "\n".join(f"ancienne ligne {n}" for n in range(20000))
    new = "\n".join(f"nouvelle ligne {n}" for n in range(20000))
    started = time.perf_counter()
    diff = bounded(old, new)
    assert time.perf_counter() - started < 5  # matched line by line: minutes
    assert diff.truncated and len(diff.rows) == MAX_ROWS
    assert diff.rows[0].kind == "removed" and diff.rows[0].left == "ancienne ligne 0"
    # Common first and last lines are kept as they are; a small middle is still matched.
    rows = side_by_side("a\nb\nc\nd", "a\nB\nc\nd")
    assert [row.kind for row in rows] == ["same", "changed", "same", "same"]
    assert [(r.left_number, r.right_number) for r in rows] == [(1, 1), (2, 2), (3, 3), (4, 4)]
    rows = side_by_side("x\ny", "x\ny\nz")
    assert [(row.kind, row.right) for row in rows] == [("same", "x"), ("same", "y"), ("added", "z")]
    assert not bounded("un\ndeux", "un\ntrois").truncated
