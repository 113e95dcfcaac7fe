"""Review 2, finding 10 (second half): on the home page, people who may announce in the
organisation space choose where to post ("My wall", the whole organisation, their spaces) and
get the space composer's announcement options there."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cercle.announcements.models import Announcement
from cercle.feed.models import Post
from cercle.spaces import queries as space_queries
from tests.factories import make_department, make_space, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_choose_where_to_post_and_see_the_announcement_options() -> None:
    staff = make_user(role="staff")
    org = space_queries.organisation_space()
    owned = make_space(owner=staff, name="Equipe RH")
    joined = make_space(owner=make_user(), name="Club photo", members=(staff,))
    archived = make_space(owner=staff, name="Ancien projet", archived_at=timezone.now())
    page = client_for(staff).get("/").content.decode()
    assert 'id="composer-space" name="space" data-post-in' in page
    assert '<option value="">My wall</option>' in page
    assert (
        f'<option value="{org.pk}" data-announceable data-organisation>Whole organisation</option>'
        in page
    )
    assert f'<option value="{owned.pk}" data-announceable>Equipe RH</option>' in page
    assert f'<option value="{joined.pk}">Club photo</option>' in page
    assert f'value="{archived.pk}"' not in page
    assert 'id="composer-announce" data-announce-options' in page
    assert 'name="requires_ack"' in page
    assert "cercle/js/composer.js" in page


def test_members_keep_the_plain_composer() -> None:
    member = make_user()
    make_space(owner=member, name="Mon espace")
    page = client_for(member).get("/").content.decode()
    assert "data-post-in" not in page
    assert 'id="composer-announce"' not in page


def test_publish_an_organisation_announcement_from_home() -> None:
    dept = make_department("Production")
    make_user(department=dept)
    staff = make_user(role="staff")
    org = space_queries.organisation_space()
    response = client_for(staff).post(
        reverse("post_create"),
        {
            "body": "Exercice incendie jeudi",
            "space": str(org.pk),
            "announce": "on",
            "departments": [str(dept.pk)],
            "requires_ack": "on",
            "next": "/",
        },
        follow=True,
    )
    assert response.status_code == 200
    announcement = Announcement.objects.get()
    assert announcement.post.space_id == org.pk
    assert announcement.post.body == "Exercice incendie jeudi"
    assert announcement.requires_ack
    assert list(announcement.departments.all()) == [dept]
    assert "The announcement is published." in response.content.decode()


def test_a_plain_post_to_a_space_from_home() -> None:
    staff = make_user(role="staff")
    space = make_space(owner=make_user(), name="Club photo", members=(staff,))
    response = client_for(staff).post(
        reverse("post_create"), {"body": "Sortie samedi", "space": str(space.pk), "next": "/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    post = Post.objects.get()
    assert post.space_id == space.pk and not Announcement.objects.exists()


def test_an_announcement_where_none_can_be_made_is_refused() -> None:
    staff = make_user(role="staff")
    joined = make_space(owner=make_user(), name="Club photo", members=(staff,))
    client = client_for(staff)
    # On one's wall: no announcement, nothing posted, a clear message.
    response = client.post(
        reverse("post_create"), {"body": "Hello", "announce": "on", "next": "/"}, follow=True
    )
    assert response.status_code == 200
    assert "Choose a space to publish an announcement in." in response.content.decode()
    # In a space where one is a plain member: refused too.
    response = client.post(
        reverse("post_create"),
        {"body": "Hello", "space": str(joined.pk), "announce": "on", "next": "/"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Only staff (organisation space) or the space" in response.content.decode()
    assert not Post.objects.exists() and not Announcement.objects.exists()
    # A space one cannot see: 404, nothing posted.
    hidden = make_space(owner=make_user(), kind="secret")
    response = client.post(
        reverse("post_create"), {"body": "Hello", "space": str(hidden.pk), "announce": "on"}
    )
    assert response.status_code == 404
    assert not Post.objects.exists()


def test_home_query_count_does_not_grow_with_the_spaces() -> None:
    staff = make_user(role="staff")
    make_space(owner=staff)
    client = client_for(staff)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/").status_code == 200
    for _ in range(5):
        make_space(owner=staff)
        make_space(owner=make_user(), members=(staff,))
    client.get("/")  # the new memberships changed the agenda panel's cache key: filled again
    with CaptureQueriesContext(connection) as many:
        page = client.get("/")
    assert page.status_code == 200
    assert len(many) == len(few)
