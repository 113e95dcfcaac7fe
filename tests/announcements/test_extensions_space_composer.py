"""The organisation space's composer: staff and admins publish a real announcement (targets,
"read and understood") in one step; ordinary members see no announcement entry anywhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cercle.announcements.models import Announcement
from cercle.feed.models import Post
from cercle.spaces import queries as space_queries
from tests.factories import make_admin, make_department, make_site, make_space, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_publish_an_announcement_from_the_organisation_space() -> None:
    sales, lyon = make_department("Ventes"), make_site("Lyon")
    in_sales, elsewhere = make_user(department=sales), make_user()
    staff = make_user(role="staff")
    org = space_queries.organisation_space()
    client = client_for(staff)
    home = client.get("/").content.decode()
    assert f'href="/spaces/{org.slug}/?announce=1#composer-announce"' in home
    page = client.get(f"/spaces/{org.slug}/?announce=1").content.decode()
    assert 'id="composer-announce"' in page and 'name="announce" checked' in page
    assert f'name="departments" value="{sales.pk}"' in page
    assert f'name="sites" value="{lyon.pk}"' in page

    done = client.post(
        "/posts/",
        {
            "space": org.pk,
            "body": "Exercice incendie jeudi",
            "announce": "on",
            "departments": [str(sales.pk)],
            "requires_ack": "on",
            "next": f"/spaces/{org.slug}/",
        },
        follow=True,
    )
    announcement = Announcement.objects.get()
    assert announcement.post.body == "Exercice incendie jeudi" and announcement.requires_ack
    assert list(announcement.departments.all()) == [sales]
    page = done.content.decode()
    # The success message links to the read confirmations.
    assert "The announcement is published." in page
    assert f'<a href="/announcements/{announcement.pk}/">Follow its read confirmations</a>' in page
    # The post shows its author the confirmations, with the counts, outside "More".
    assert (
        f'class="ack-link" href="/announcements/{announcement.pk}/">Read confirmations (0/1)'
        in page
    )
    assert "Exercice incendie jeudi" in client_for(in_sales).get("/").content.decode()
    assert 'class="card announcement"' not in client_for(elsewhere).get("/").content.decode()
    detail = client.get(f"/posts/{announcement.post_id}/").content.decode()
    assert "Read confirmations (0/1)" in detail
    # Pinned, at the top of the space: the same counts.
    client.post(f"/posts/{announcement.post_id}/pin/", {"pinned": "1"})
    space_page = client.get(f"/spaces/{org.slug}/").content.decode()
    assert "Read confirmations (0/1)" in space_page.split('id="pinned-heading"', 1)[1]

    # Without the box ticked, an ordinary post.
    client.post("/posts/", {"space": org.pk, "body": "Simple info"})
    assert Post.objects.filter(body="Simple info").exists()
    assert Announcement.objects.count() == 1


def test_members_see_no_announcement_entry_and_cannot_force_one() -> None:
    member = make_user()
    org = space_queries.organisation_space()
    client = client_for(member)
    assert "announce=1" not in client.get("/").content.decode()
    assert 'id="composer-announce"' not in client.get(f"/spaces/{org.slug}/").content.decode()
    # A space member (not admin) cannot publish an announcement by posting the field.
    owner = make_user()
    space = make_space(owner=owner, members=(member,))
    assert 'id="composer-announce"' not in client.get(f"/spaces/{space.slug}/").content.decode()
    refused = client.post(
        "/posts/", {"space": space.pk, "body": "Tout le monde !", "announce": "on"}, follow=True
    )
    assert "Only staff (organisation space)" in refused.content.decode()
    assert not Post.objects.filter(body="Tout le monde !").exists()
    assert not Announcement.objects.exists()
    # The space's owner (one of its admins) can, in their space; an admin anywhere.
    assert (
        'id="composer-announce"' in client_for(owner).get(f"/spaces/{space.slug}/").content.decode()
    )
    assert (
        'id="composer-announce"'
        in client_for(make_admin()).get(f"/spaces/{org.slug}/").content.decode()
    )


def test_a_refused_announcement_leaves_no_post() -> None:
    staff = make_user(role="staff")
    org = space_queries.organisation_space()
    bad = client_for(staff).post(
        "/posts/", {"space": org.pk, "body": "", "announce": "on"}, follow=True
    )
    assert "Write something first." in bad.content.decode()
    assert not Post.objects.exists() and not Announcement.objects.exists()
