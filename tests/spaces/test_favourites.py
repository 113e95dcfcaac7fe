"""Favourite spaces and new posts in the side navigation: the actions, the query (favourites
first, archived left out, new posts marked until opened, one query), the page's toggle and the
API."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cercle.spaces import actions, queries
from cercle.spaces.models import Membership
from tests.factories import add_member, make_post, make_space, make_user
from tests.helpers.api import api, assert_4xx, call
from tests.helpers.clients import client_for

pytestmark = pytest.mark.django_db


def names(user: object, limit: int = 12) -> list[tuple[str, bool, bool]]:
    return [(i.space.name, i.favourite, i.new) for i in queries.nav_spaces(user, limit)]  # type: ignore[arg-type]


def test_favourites_come_first_then_names_and_archived_spaces_are_left_out() -> None:
    anne = make_user()
    for name in ("Bravo", "Alpha", "Charlie", "Delta"):
        make_space(owner=anne, name=name)
    charlie = Membership.objects.get(user=anne, space__name="Charlie").space
    delta = Membership.objects.get(user=anne, space__name="Delta").space
    actions.archive_space(actor=anne, space=delta)
    assert [n for n, _f, _new in names(anne)] == ["Alpha", "Bravo", "Charlie"]
    actions.set_favourite(actor=anne, space=charlie, favourite=True)
    assert names(anne)[0] == ("Charlie", True, False)
    assert [n for n, _f, _new in names(anne, limit=2)] == ["Charlie", "Alpha"]
    actions.set_favourite(actor=anne, space=charlie, favourite=False)
    assert [n for n, _f, _new in names(anne)] == ["Alpha", "Bravo", "Charlie"]


def test_only_members_may_make_a_space_a_favourite() -> None:
    owner, outsider = make_user(), make_user()
    space = make_space(owner=owner, kind="open")
    with pytest.raises(PermissionDenied):
        actions.set_favourite(actor=outsider, space=space, favourite=True)
    assert not Membership.objects.filter(user=outsider).exists()
    # Nobody else sees my choice.
    member = make_user()
    add_member(space, member)
    actions.set_favourite(actor=member, space=space, favourite=True)
    assert queries.space_view(member, space).favourite
    assert not queries.space_view(owner, space).favourite


def test_a_post_is_new_for_the_other_members_until_they_open_the_space() -> None:
    owner, member = make_user(), make_user()
    space = make_space(owner=owner, name="Atelier")
    add_member(space, member)
    assert names(member) == [("Atelier", False, False)]
    make_post(author=owner, space=space, body="Nouveau")
    assert names(member) == [("Atelier", False, True)]
    assert names(owner) == [("Atelier", False, False)]  # their own post
    # Opening the space's page marks it seen.
    assert client_for(member).get(f"/spaces/{space.slug}/").status_code == 200
    assert names(member) == [("Atelier", False, False)]


def test_the_navigation_list_costs_one_query_whatever_its_length() -> None:
    anne = make_user()
    for n in range(6):
        space = make_space(owner=anne, name=f"Espace {n}")
        if n % 2:
            make_post(author=anne, space=space)
    with CaptureQueriesContext(connection) as captured:
        items = queries.nav_spaces(anne, 12)
        [item.space.name for item in items]
    assert len(items) == 6 and len(captured) == 1


def test_the_list_built_once_holds_each_person_s_own_spaces() -> None:
    """`nav_spaces`' SQL is built once (`core.compiled`) and run with each person's id."""
    anne, bob = make_user(), make_user()
    make_space(owner=anne, name="Chez Anne")
    shared = make_space(owner=bob, name="Commun")
    make_space(owner=bob, name="Chez Bob", kind="private")
    add_member(shared, anne)
    actions.set_favourite(actor=bob, space=shared, favourite=True)
    assert names(anne) == [("Chez Anne", False, False), ("Commun", False, False)]
    assert names(bob) == [("Commun", True, False), ("Chez Bob", False, False)]


def test_the_space_page_toggles_the_favourite() -> None:
    owner = make_user()
    space = make_space(owner=owner, name="Atelier")
    client = client_for(owner)
    page = client.get(f"/spaces/{space.slug}/").content.decode()
    assert "Add to favourites" in page and f"/spaces/{space.slug}/favourite/" in page
    response = client.post(f"/spaces/{space.slug}/favourite/", {"favourite": "1"})
    assert response.status_code == 302
    assert Membership.objects.get(user=owner, space=space).favourite
    assert "Remove from favourites" in client.get(f"/spaces/{space.slug}/").content.decode()
    client.post(f"/spaces/{space.slug}/favourite/", {"favourite": "0"})
    assert not Membership.objects.get(user=owner, space=space).favourite
    # Someone who is not a member: an error message, nothing written; GET is refused.
    outsider = client_for(make_user())
    response = outsider.post(f"/spaces/{space.slug}/favourite/", {"favourite": "1"}, follow=True)
    assert response.status_code == 200
    assert not Membership.objects.filter(space=space, favourite=True).exists()
    assert outsider.get(f"/spaces/{space.slug}/favourite/").status_code == 405


def test_the_api_adds_and_removes_a_favourite() -> None:
    owner = make_user()
    space = make_space(owner=owner, name="Atelier")
    client = api(owner)
    response = call(client, "PUT", f"/api/v1/spaces/{space.slug}/favourite")
    assert response.status_code == 200 and response.json()["favourite"] is True
    assert client.get(f"/api/v1/spaces/{space.slug}").json()["favourite"] is True
    response = call(client, "DELETE", f"/api/v1/spaces/{space.slug}/favourite")
    assert response.status_code == 200 and response.json()["favourite"] is False
    # Not a member: 403 with a detail; a space that does not exist: 404; nothing written.
    outsider = api(make_user())
    response = call(outsider, "PUT", f"/api/v1/spaces/{space.slug}/favourite")
    assert response.status_code == 403
    assert_4xx(response)
    assert_4xx(call(outsider, "PUT", "/api/v1/spaces/no-such-space/favourite"))
    assert not Membership.objects.filter(favourite=True).exists()
