"""Watching a page: the button, watchers notified of a new revision (not their own, not when
they may no longer read it), authors watching by default, grouping while unread."""

from __future__ import annotations

import pytest
from django.test import Client

from cercle.accounts.models import User
from cercle.notifications.models import Notification
from cercle.pages import actions, queries
from cercle.pages.models import Page, PageWatch
from cercle.pages.notifications import PAGE_CHANGED
from cercle.spaces.models import Membership, Space
from cercle.spaces.queries import organisation_space
from tests.factories import add_member, make_guest, make_space, make_user

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def anne() -> User:
    return make_user()


@pytest.fixture
def space(anne: User) -> Space:
    return make_space(owner=anne, kind="private")


def edit(page: Page, actor: User, body: str) -> Page:
    page.refresh_from_db()
    return actions.edit_page(
        actor=actor, page=page, title=page.title, body=body, base_revision=page.revision
    )


def test_watchers_hear_of_new_revisions_but_not_their_own(anne: User, space: Space) -> None:
    page = actions.create_page(actor=anne, space=space, title="Charte", body="v1")
    assert queries.is_watching(anne, page)  # the creator watches
    bob, carl = make_user(), make_user()
    for person in (bob, carl):
        add_member(space, person)
    actions.watch_page(actor=bob, page=page)
    edit(page, anne, "v2")
    assert list(
        Notification.objects.filter(kind=PAGE_CHANGED).values_list("recipient", flat=True)
    ) == [bob.pk]
    assert not Notification.objects.filter(recipient=anne).exists()
    edit(page, carl, "v3")  # carl now watches too; bob's unread one groups both
    notification = Notification.objects.get(recipient=bob, kind=PAGE_CHANGED)
    assert notification.actor_count == 2 and notification.subject_id == page.pk
    assert Notification.objects.filter(recipient=anne, kind=PAGE_CHANGED).count() == 1
    assert queries.is_watching(carl, page)


def test_unwatching_stops_it_and_readers_only_are_notified(anne: User, space: Space) -> None:
    page = actions.create_page(actor=anne, space=space, title="Charte")
    bob, gone = make_user(), make_user()
    add_member(space, bob)
    add_member(space, gone)
    actions.watch_page(actor=bob, page=page)
    actions.watch_page(actor=gone, page=page)
    Membership.objects.filter(space=space, user=gone).delete()  # left the private space
    actions.unwatch_page(actor=bob, page=page)
    edit(page, anne, "v2")
    assert not Notification.objects.filter(kind=PAGE_CHANGED).exists()


def test_one_may_not_watch_what_one_cannot_read(anne: User, space: Space) -> None:
    page = actions.create_page(actor=anne, space=space, title="Charte")
    outsider = make_user()
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied
        actions.watch_page(actor=outsider, page=page)
    response = client_for(outsider).post(
        f"/spaces/{space.slug}/pages/{page.slug}/watch/", {"watch": "1"}
    )
    assert response.status_code == 404
    assert not PageWatch.objects.filter(user=outsider).exists()
    intranet_page = actions.create_page(
        actor=make_user(role="staff"), space=organisation_space(), title="Accueil"
    )
    with pytest.raises(Exception):  # noqa: B017 - a guest does not read the intranet
        actions.watch_page(actor=make_guest(), page=intranet_page)


def test_the_button_watches_and_unwatches(anne: User, space: Space) -> None:
    page = actions.create_page(actor=anne, space=space, title="Charte")
    bob = make_user()
    add_member(space, bob)
    client = client_for(bob)
    url = f"/spaces/{space.slug}/pages/{page.slug}/"
    assert 'name="watch" value="1"' in client.get(url).content.decode()
    assert client.post(f"{url}watch/", {"watch": "1"}).status_code == 302
    assert queries.is_watching(bob, page)
    assert 'name="watch" value="0"' in client.get(url).content.decode()
    assert client.post(f"{url}watch/", {"watch": "0"}).status_code == 302
    assert not queries.is_watching(bob, page)
    assert client.get(f"{url}watch/").status_code == 405


def test_the_notification_leads_to_the_page_by_its_stable_address(anne: User, space: Space) -> None:
    page = actions.create_page(actor=anne, space=space, title="Charte")
    bob = make_user()
    add_member(space, bob)
    actions.watch_page(actor=bob, page=page)
    page = actions.edit_page(actor=anne, page=page, title="Charte 2", body="x", base_revision=1)
    client = client_for(bob)
    response = client.get(f"/pages/{page.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/spaces/{space.slug}/pages/{page.slug}/"
    assert client_for(make_user()).get(f"/pages/{page.pk}/").status_code == 404
    assert client.get("/pages/999999/").status_code == 404
