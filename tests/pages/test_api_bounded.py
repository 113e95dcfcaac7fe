"""The pages API reads within bounds: the history 50 revisions at a time by cursor (the same
queries for 60 or 500 revisions), the diff at most 3,000 rows (and says so), the report of pages
to review as JSON for those who oversee them; bad cursors and sorts are a 4xx."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cercle.pages import actions, diff, queries
from cercle.pages.models import Page, PageRevision
from cercle.spaces.queries import organisation_space
from tests.factories import add_member, make_space, make_user
from tests.helpers.api import api, assert_4xx

pytestmark = pytest.mark.django_db


def add_revisions(page: Page, count: int, *, lines: int = 10) -> None:
    rows = [
        PageRevision(
            page=page,
            number=number,
            title=page.title,
            body="\n".join(f"{number} ligne {n}" for n in range(lines)),
            author=page.owner,
        )
        for number in range(page.revision + 1, page.revision + count + 1)
    ]
    PageRevision.objects.bulk_create(rows)
    Page.objects.filter(pk=page.pk).update(revision=page.revision + count, body=rows[-1].body)


def counted(client: object, url: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as seen:
        response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == 200, response.content
    return len(seen), response.json()


def test_the_history_comes_50_at_a_time_with_the_same_queries() -> None:
    owner = make_user()
    space = make_space(owner=owner)
    page = actions.create_page(actor=owner, space=space, title="Règlement")
    add_revisions(page, 59)  # 60 revisions
    client = api(owner)
    url = f"/api/v1/pages/{page.pk}/revisions"
    client.get(url)  # the session warmed
    few, first = counted(client, url)
    assert [r["number"] for r in first["items"]] == list(range(60, 10, -1))
    assert first["next_cursor"]
    add_revisions(Page.objects.get(pk=page.pk), 440)  # 500
    many, first = counted(client, url)
    assert many == few and len(first["items"]) == queries.HISTORY_PAGE
    assert first["items"][0]["number"] == 500
    numbers: list[int] = []
    cursor = None
    for _ in range(11):
        got = client.get(url + (f"?cursor={cursor}" if cursor else "")).json()
        numbers += [r["number"] for r in got["items"]]
        cursor = got["next_cursor"]
        if cursor is None:
            break
    assert numbers == list(range(500, 0, -1))  # every revision once, newest first
    for bad in ("nonsense", "W10", "WyJhIl0", "WzAsMV0", "x" * 300):
        assert_4xx(client.get(f"{url}?cursor={bad}"))


def test_the_diff_is_bounded_like_the_history_page() -> None:
    owner = make_user()
    space = make_space(owner=owner)
    page = actions.create_page(actor=owner, space=space, title="Annuaire", body="a")
    add_revisions(page, 1, lines=diff.MAX_ROWS + 500)
    got = api(owner).get(f"/api/v1/pages/{page.pk}/diff?from=1&to=2").json()
    assert len(got["rows"]) == diff.MAX_ROWS and got["truncated"] is True
    assert got["max_rows"] == diff.MAX_ROWS
    same = api(owner).get(f"/api/v1/pages/{page.pk}/diff?from=1&to=1").json()
    assert same["truncated"] is False and [r["kind"] for r in same["rows"]] == ["same"]
    for bad in ("from=0&to=2", "from=1&to=x", "from=1", "from=1&to=99"):
        assert_4xx(api(owner).get(f"/api/v1/pages/{page.pk}/diff?{bad}"))


def test_the_review_report_as_json_for_those_who_oversee_pages() -> None:
    staff = make_user(role="staff")
    intranet = organisation_space()
    late = actions.create_page(actor=staff, space=intranet, title="Procédure ancienne")
    soon = actions.create_page(actor=staff, space=intranet, title="Procédure récente")
    today = datetime.date.today()
    Page.objects.filter(pk=late.pk).update(review_by=today - datetime.timedelta(days=40))
    Page.objects.filter(pk=soon.pk).update(review_by=today - datetime.timedelta(days=2))
    wiki_owner = make_user()
    wiki = make_space(owner=wiki_owner, kind="private")
    theirs = actions.create_page(actor=wiki_owner, space=wiki, title="Wiki")
    Page.objects.filter(pk=theirs.pk).update(review_by=today - datetime.timedelta(days=5))
    client = api(staff)
    url = "/api/v1/pages/review"
    client.get(url)
    few, report = counted(client, url)
    assert [row["title"] for row in report["overdue"]] == [
        "Procédure ancienne",
        "Procédure récente",
    ]  # the intranet's, not the wiki the staff member does not oversee
    row = report["overdue"][0]
    assert row["days_overdue"] == 40 and row["owner"]["id"] == staff.pk
    assert row["url"] == f"/spaces/{intranet.slug}/pages/{late.slug}/"
    assert row["owner_left"] is False and report["owner_left"] == []
    reverse = client.get(f"{url}?sort=-overdue").json()
    assert [r["title"] for r in reverse["overdue"]] == ["Procédure récente", "Procédure ancienne"]
    assert reverse["sort"] == "-overdue"
    # More pages past their date: the same queries.
    for n in range(5):
        extra = actions.create_page(actor=staff, space=intranet, title=f"Autre {n}")
        Page.objects.filter(pk=extra.pk).update(review_by=today - datetime.timedelta(days=9))
    many, report = counted(client, url)
    assert many == few and len(report["overdue"]) == 7
    # The wiki's owner sees their wiki's; a member who oversees nothing gets a 403.
    assert [r["title"] for r in api(wiki_owner).get(url).json()["overdue"]] == ["Wiki"]
    member = make_user()
    add_member(wiki, member)
    assert api(member).get(url).status_code == 403
    for bad in ("sort=drop", "sort=" + "x" * 30, "sort=-"):
        assert_4xx(client.get(f"{url}?{bad}"))
