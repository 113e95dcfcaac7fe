"""`GET /api/v1/home`: what a mobile client draws the home with — the parts shown to the person in
order (the feed last), their quick links and the header's links, each part's content in short —
targeted as the page is, in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cercle.accounts.models import User
from cercle.homepage import actions
from tests.factories import make_admin, make_department, make_site, make_user
from tests.helpers.api import api

pytestmark = pytest.mark.django_db


def old_user(**kwargs: Any) -> User:
    user = make_user(**kwargs)
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=400))
    user.refresh_from_db()
    return user


def add_link(admin: User, **fields: Any) -> None:
    data = {
        "place": "home",
        "label_fr": "Notes de frais",
        "label_en": "Expense claims",
        "url": "https://frais.example.org/",
        "icon": "expenses",
        **fields,
    }
    actions.save_link(actor=admin, data=actions.LinkInput(**data))


def test_signed_out_is_401() -> None:
    assert api().get("/api/v1/home").status_code == 401


def test_the_home_in_order_with_links_and_targeting() -> None:
    admin = make_admin()
    lyon = make_site("Lyon")
    sales = make_department("Ventes")
    add_link(admin)
    add_link(admin, label_fr="Cantine", label_en="", sites=[lyon], icon="canteen")
    add_link(
        admin, place="menu", label_fr="Procédures RH", label_en="HR procedures", url="/intranet/"
    )
    actions.save_parts(
        actor=admin,
        parts=[
            actions.PartInput(key="new_arrivals", shown=True, position=1),
            actions.PartInput(key="agenda", shown=True, position=2, departments=[sales]),
        ],
    )
    newcomer = make_user(first_name="Zoé")

    me = old_user(site=lyon)
    me.language = "en"
    me.save(update_fields=["language"])
    got = api(me).get("/api/v1/home", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [p["key"] for p in got["parts"]] == [
        "new_arrivals",
        "quick_links",
        "news",
        "announcements",
        "feed",
    ]
    assert [link["label"] for link in got["quick_links"]] == ["Expense claims", "Cantine"]
    first = got["quick_links"][0]
    assert first["url"] == "https://frais.example.org/"
    assert first["icon"] == {"key": "expenses", "emoji": "🧾", "label": "Expenses"}
    assert (first["label_fr"], first["label_en"]) == ("Notes de frais", "Expense claims")
    assert [link["url"] for link in got["menu_links"]] == ["/intranet/"]
    assert newcomer.pk in [p["id"] for p in got["new_arrivals"]]
    assert me.pk not in [p["id"] for p in got["new_arrivals"]]
    assert got["upcoming_events"] == []  # agenda: sales only

    other = old_user()
    got = api(other).get("/api/v1/home").json()
    assert [link["label_fr"] for link in got["quick_links"]] == ["Notes de frais"]
    seller = old_user(department=sales)
    keys = [p["key"] for p in api(seller).get("/api/v1/home").json()["parts"]]
    assert keys[:3] == ["new_arrivals", "quick_links", "agenda"] and keys[-1] == "feed"


def test_hidden_parts_are_empty() -> None:
    admin = make_admin()
    add_link(admin)
    actions.save_parts(
        actor=admin, parts=[actions.PartInput(key="quick_links", shown=False, position=1)]
    )
    got = api(old_user()).get("/api/v1/home").json()
    assert "quick_links" not in [p["key"] for p in got["parts"]]
    assert got["quick_links"] == []
    assert got["new_arrivals"] == []  # off by default


def test_featured_news_and_announcements_are_summarised() -> None:
    from cercle.announcements.models import Announcement
    from cercle.feed.actions import create_post
    from cercle.spaces import queries as space_queries

    admin = make_admin()
    post = create_post(
        actor=admin, space=space_queries.organisation_space(), body="Fermeture lundi"
    )
    Announcement.objects.create(post=post, created_by=admin, requires_ack=True)
    got = api(old_user()).get("/api/v1/home").json()
    assert [a["post_id"] for a in got["announcements"]] == [post.pk]
    assert got["announcements"][0]["excerpt"] == "Fermeture lundi"
    assert got["announcements"][0]["requires_ack"] is True
    assert got["announcements"][0]["url"] == f"/posts/{post.pk}/"
    assert got["featured_news"] == []


def _count(user: User) -> int:
    client = api(user)
    client.get("/api/v1/home")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/home").status_code == 200
    return len(captured.captured_queries)


def test_query_count_is_fixed_whatever_the_number_of_links_and_people() -> None:
    admin = make_admin()
    site = make_site("Lyon")
    actions.save_parts(
        actor=admin, parts=[actions.PartInput(key="new_arrivals", shown=True, position=5)]
    )
    add_link(admin, sites=[site])
    me = old_user(site=site)
    few = _count(me)
    for i in range(12):
        add_link(admin, label_en=f"Link {i}", sites=[site] if i % 2 else [])
        add_link(admin, place="menu", label_en=f"Menu {i}")
        make_user()
    assert _count(me) == few
    assert few <= 16
