"""The pages API's owner and review date, "reviewed", and watching: who may, what bad input
gets (a 4xx, nothing changed), and what a page says about them."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cercle.pages import actions, queries
from cercle.pages.models import Page
from tests.factories import add_member, make_space, make_user
from tests.helpers.api import api, assert_4xx, call

pytestmark = pytest.mark.django_db


def test_owner_review_date_and_interval_through_the_api() -> None:
    anne = make_user()
    space = make_space(owner=anne, kind="private")
    bob = make_user(username="bob-api")
    add_member(space, bob)
    page = actions.create_page(actor=anne, space=space, title="Procédure")
    client = api(anne)
    day = timezone.localdate() + datetime.timedelta(days=30)
    answer = call(
        client,
        "PUT",
        f"/api/v1/pages/{page.pk}/review",
        {"owner": "bob-api", "review_by": day.isoformat(), "review_interval": 6},
    )
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["owner"]["username"] == "bob-api" and data["review_by"] == day.isoformat()
    assert data["review_interval"] == 6 and data["watching"] is True
    assert data["comment_count"] == 0 and data["reaction_counts"] == {}
    before = Page.objects.values("owner", "review_by", "review_interval").get(pk=page.pk)
    for bad in (
        {"owner": "nobody-at-all"},
        {"review_by": "2001-01-01"},
        {"review_interval": 7},
        {"review_interval": -1},
        {"review_by": "not a date"},
        {"owner": "x" * 151},
    ):
        assert_4xx(call(client, "PUT", f"/api/v1/pages/{page.pk}/review", bad))
    assert Page.objects.values("owner", "review_by", "review_interval").get(pk=page.pk) == before
    # Bob owns it and reviews it: the next date is six months on.
    reviewed = call(api(bob), "POST", f"/api/v1/pages/{page.pk}/reviewed").json()
    assert reviewed["reviewed_at"] is not None
    assert reviewed["review_by"] == actions.add_months(timezone.localdate(), 6).isoformat()
    # Someone outside the private space: one not-found.
    outsider = api(make_user())
    assert call(outsider, "PUT", f"/api/v1/pages/{page.pk}/review", {}).status_code == 404
    assert call(outsider, "POST", f"/api/v1/pages/{page.pk}/reviewed").status_code == 404


def test_watching_through_the_api() -> None:
    anne = make_user()
    space = make_space(owner=anne, kind="private")
    page = actions.create_page(actor=anne, space=space, title="Charte")
    bob = make_user()
    add_member(space, bob)
    client = api(bob)
    assert call(client, "PUT", f"/api/v1/pages/{page.pk}/watch").status_code == 204
    assert queries.is_watching(bob, page)
    assert client.get(f"/api/v1/pages/{page.pk}").json()["watching"] is True
    assert call(client, "DELETE", f"/api/v1/pages/{page.pk}/watch").status_code == 204
    assert not queries.is_watching(bob, page)
    assert call(api(make_user()), "PUT", f"/api/v1/pages/{page.pk}/watch").status_code == 404
    assert call(api(), "PUT", f"/api/v1/pages/{page.pk}/watch").status_code == 401
