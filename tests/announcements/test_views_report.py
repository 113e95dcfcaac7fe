"""Review 2, finding 11: the read-confirmations report says which announcement (excerpt, date,
audience), shows progress and filters "Not yet only"; an announcement that never asked for
confirmation has no such link nor report (404), instead of "0 confirmed, 60 not yet"."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cercle.announcements import actions as announcement_actions
from cercle.spaces import queries as space_queries
from tests.factories import make_department, make_post, make_site, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_report_header_progress_and_filter() -> None:
    sales, lyon = make_department("Ventes"), make_site("Lyon")
    anne = make_user(first_name="Anne", last_name="Ack", department=sales)
    bob = make_user(first_name="Bob", last_name="Pending", site=lyon)
    carl = make_user(first_name="Carl", last_name="Pending", department=sales)
    staff = make_user(role="staff", first_name="Francois", last_name="Girard")
    post = make_post(
        author=staff,
        space=space_queries.organisation_space(),
        body="Exercice incendie jeudi a 10 heures, rendez-vous sur le parking",
    )
    announcement = announcement_actions.announce(
        actor=staff, post=post, departments=[sales], sites=[lyon], requires_ack=True
    )
    announcement_actions.acknowledge(actor=anne, announcement=announcement)
    client = client_for(staff)
    page = client.get(f"/announcements/{announcement.pk}/").content.decode()
    assert "Exercice incendie jeudi a 10 heures" in page
    assert "Published by Francois Girard on" in page
    assert "For: Ventes, Lyon" in page
    assert "1 of 3 confirmed (33%)" in page
    assert '<progress max="3" value="1"' in page
    assert 'href="?pending=1"' in page and "Not yet only" in page
    assert "Anne Ack" in page and "Bob Pending" in page

    pending = client.get(f"/announcements/{announcement.pk}/?pending=1").content.decode()
    assert "Anne Ack" not in pending
    assert "Bob Pending" in pending and "Carl Pending" in pending
    assert "Show everyone" in pending
    # The figures stay those of everyone.
    assert "1 of 3 confirmed (33%)" in pending
    # Any other value is simply everyone.
    assert "Anne Ack" in client.get(f"/announcements/{announcement.pk}/?pending=x").content.decode()

    announcement_actions.acknowledge(actor=bob, announcement=announcement)
    announcement_actions.acknowledge(actor=carl, announcement=announcement)
    done = client.get(f"/announcements/{announcement.pk}/?pending=1").content.decode()
    assert "Everyone has confirmed." in done and "3 of 3 confirmed (100%)" in done


def test_report_for_everyone_names_the_space() -> None:
    make_user()
    staff = make_user(role="staff")
    post = make_post(author=staff, space=space_queries.organisation_space(), body="Tous")
    announcement = announcement_actions.announce(actor=staff, post=post, requires_ack=True)
    page = client_for(staff).get(f"/announcements/{announcement.pk}/").content.decode()
    assert "For: everyone in Whole organisation" in page


def test_report_query_count_does_not_grow_with_the_audience() -> None:
    dept = make_department("RH")
    staff = make_user(role="staff")
    post = make_post(author=staff, space=space_queries.organisation_space(), body="Mutuelle")
    announcement = announcement_actions.announce(
        actor=staff, post=post, departments=[dept], requires_ack=True
    )
    client = client_for(staff)
    url = f"/announcements/{announcement.pk}/"
    make_user(department=dept)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(6):
        announcement_actions.acknowledge(
            actor=make_user(department=dept), announcement=announcement
        )
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_no_confirmation_report_for_an_announcement_that_does_not_ask() -> None:
    for _ in range(3):
        make_user()
    staff = make_user(role="staff")
    post = make_post(author=staff, space=space_queries.organisation_space(), body="Bienvenue")
    announcement = announcement_actions.announce(actor=staff, post=post)
    client = client_for(staff)
    for url in (f"/posts/{post.pk}/", "/", f"/spaces/{post.space.slug}/"):
        page = client.get(url).content.decode()
        assert f'href="/announcements/{announcement.pk}/"' not in page, url
    assert client.get(f"/announcements/{announcement.pk}/").status_code == 404
    assert client.get(f"/announcements/{announcement.pk}/acknowledgements.csv").status_code == 404
    # Asking for confirmation brings the link and the report back.
    announcement_actions.announce(actor=staff, post=post, requires_ack=True)
    assert (
        f'href="/announcements/{announcement.pk}/"'
        in client.get(f"/posts/{post.pk}/").content.decode()
    )
    assert client.get(f"/announcements/{announcement.pk}/").status_code == 200


def test_publishing_without_confirmation_does_not_link_to_a_report() -> None:
    staff = make_user(role="staff")
    space = space_queries.organisation_space()
    client = client_for(staff)
    response = client.post(
        reverse("post_create"),
        {"body": "Sans confirmation", "space": str(space.pk), "announce": "on"},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The announcement is published." in page
    assert "Follow its read confirmations" not in page
