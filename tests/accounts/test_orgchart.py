"""Org chart: the chain of managers (bounded, cycle-safe, one query per level), direct reports,
department and site members."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cercle.accounts import queries
from cercle.accounts.actions import profiles as actions
from cercle.accounts.models import Profile, User
from tests.factories import make_department, make_guest, make_site, make_user

pytestmark = pytest.mark.django_db


def _chain(length: int, prefix: str = "level") -> list[User]:
    people = [make_user(username=f"{prefix}{i}") for i in range(length)]
    for boss, report in itertools.pairwise(people):
        actions.update_profile(actor=report, person=report, changes={"manager": boss})
    return people


def test_chain_goes_up_to_the_top(django_assert_max_num_queries: Any) -> None:
    people = _chain(5)
    viewer = make_user()
    profile = queries.access_profile(viewer, "level4")
    with django_assert_max_num_queries(4):
        chain = queries.manager_chain(viewer, profile)
    assert [p.user.username for p in chain] == ["level3", "level2", "level1", "level0"]
    assert queries.manager_chain(viewer, queries.access_profile(viewer, "level0")) == []
    assert people[0].username == "level0"


def test_chain_is_capped_and_survives_a_cycle_written_behind_our_back() -> None:
    _chain(3)
    # A cycle cannot be made through the actions; make one directly to check reads survive.
    Profile.objects.filter(user__username="level0").update(
        manager=User.objects.get(username="level2")
    )
    viewer = make_user()
    chain = queries.manager_chain(viewer, queries.access_profile(viewer, "level2"))
    assert [p.user.username for p in chain] == ["level1", "level0"]
    long_chain = _chain(queries.MAX_CHAIN_DEPTH + 5, prefix="deep")
    top = queries.manager_chain(viewer, queries.access_profile(viewer, long_chain[-1].username))
    assert len(top) == queries.MAX_CHAIN_DEPTH


def test_direct_reports_leave_deactivated_people_out() -> None:
    boss = make_user(username="boss")
    a = make_user(username="a", first_name="Alice", last_name="A")
    b = make_user(username="b", first_name="Bob", last_name="B")
    for person in (a, b):
        actions.update_profile(actor=person, person=person, changes={"manager": boss})
    User.objects.filter(pk=b.pk).update(is_active=False)
    viewer = make_guest()
    assert [p.user.username for p in queries.direct_reports(viewer, boss)] == ["a"]


def test_orgchart_page_navigates_up_and_down() -> None:
    _chain(3)
    client = Client()
    client.force_login(make_user())
    html = client.get(reverse("orgchart", args=["level1"])).content.decode()
    assert reverse("orgchart", args=["level0"]) in html
    assert reverse("orgchart", args=["level2"]) in html
    assert 'aria-current="page"' in html


def test_department_and_site_pages_list_their_active_members() -> None:
    department, site = make_department("Ressources humaines"), make_site("Bordeaux")
    make_user(username="in1", first_name="Inès", department=department, site=site)
    make_user(username="in2", department=department)
    make_user(username="gone", department=department, site=site, is_active=False)
    make_user(username="out")
    client = Client()
    client.force_login(make_guest())
    html = client.get(reverse("department", args=[department.slug])).content.decode()
    assert "Ressources humaines" in html
    assert reverse("profile", args=["in1"]) in html and reverse("profile", args=["in2"]) in html
    assert reverse("profile", args=["gone"]) not in html
    assert reverse("profile", args=["out"]) not in html
    html = client.get(reverse("site", args=[site.slug])).content.decode()
    assert reverse("profile", args=["in1"]) in html
    assert reverse("profile", args=["in2"]) not in html
    assert client.get(reverse("site", args=[site.slug]) + "?cursor=bad").status_code == 400
