"""Comments and reactions on pages, as on posts: who may write, edit and delete them (author;
whoever writes the page moderates, audited), notifications to the owner and watchers who may
read the page, bad input refused without a change, a fixed number of queries per page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cercle.accounts.models import User
from cercle.audit.models import AuditEntry
from cercle.notifications.models import Notification
from cercle.pages import actions, queries
from cercle.pages.models import Page, PageComment, PageReaction
from cercle.pages.notifications import PAGE_COMMENT
from cercle.spaces.models import Space
from cercle.spaces.queries import organisation_space
from tests.factories import add_member, make_guest, make_space, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings: object) -> object:
    settings.LANGUAGE_CODE = "en"  # type: ignore[attr-defined]
    with translation.override("en"):
        yield


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


@pytest.fixture
def page(anne: User, space: Space) -> Page:
    return actions.create_page(actor=anne, space=space, title="Charte", body="Texte")


def test_a_comment_notifies_the_owner_and_watchers_who_may_read(
    anne: User, space: Space, page: Page
) -> None:
    bob, carl, gone = make_user(), make_user(), make_user()
    for person in (bob, carl, gone):
        add_member(space, person)
    actions.watch_page(actor=carl, page=page)
    actions.watch_page(actor=gone, page=page)
    space.memberships.filter(user=gone).delete()  # left the private space: no longer told
    comment = actions.add_comment(actor=bob, page=page, body="**Merci** <script>x()</script>")
    assert "<strong>Merci</strong>" in comment.body_html and "<script" not in comment.body_html
    recipients = set(
        Notification.objects.filter(kind=PAGE_COMMENT).values_list("recipient", flat=True)
    )
    assert recipients == {anne.pk, carl.pk}
    notification = Notification.objects.get(recipient=carl, kind=PAGE_COMMENT)
    assert notification.detail_id == comment.pk
    assert queries.is_watching(bob, page)  # the commenter now watches
    page.refresh_from_db()
    assert page.comment_count == 1
    # Anne's unread notification groups a second commenter.
    actions.add_comment(actor=carl, page=page, body="Moi aussi")
    assert Notification.objects.get(recipient=anne, kind=PAGE_COMMENT).actor_count == 2
    response = client_for(anne).get(f"/pages/{page.pk}/")
    assert response.status_code == 302


def test_only_readers_comment_and_react(anne: User, space: Space, page: Page) -> None:
    outsider = make_user()
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied
        actions.add_comment(actor=outsider, page=page, body="Hop")
    client = client_for(outsider)
    assert client.post(f"/pages/{page.pk}/comment/", {"body": "Hop"}).status_code == 404
    assert client.post(f"/pages/{page.pk}/react/", {"kind": "like"}).status_code == 404
    intranet_page = actions.create_page(
        actor=make_user(role="staff"), space=organisation_space(), title="Accueil"
    )
    guest = make_guest()
    assert (
        client_for(guest).post(f"/pages/{intranet_page.pk}/comment/", {"body": "x"}).status_code
        == 404
    )
    assert not PageComment.objects.exists() and not PageReaction.objects.exists()


def test_bad_comments_are_refused_and_change_nothing(anne: User, page: Page) -> None:
    client = client_for(anne)
    for body in ("", "   ", "x" * 5001, "a\x00b"):
        response = client.post(f"/pages/{page.pk}/comment/", {"body": body})
        assert response.status_code == 400, body
    assert client.post(f"/pages/{page.pk}/react/", {"kind": "angry"}).status_code == 400
    assert client.get(f"/pages/{page.pk}/comment/").status_code == 405
    assert not PageComment.objects.exists() and not PageReaction.objects.exists()
    page.refresh_from_db()
    assert page.comment_count == 0 and page.reaction_counts == {}


def test_author_edits_and_deletes_and_space_admins_moderate(
    anne: User, space: Space, page: Page
) -> None:
    bob, carl = make_user(), make_user()
    add_member(space, bob)
    add_member(space, carl, role="member")
    comment = actions.add_comment(actor=bob, page=page, body="Premier jet")
    bob_client, carl_client = client_for(bob), client_for(carl)
    # Only its author edits it; carl writes this space's pages but is no moderator: he deletes
    # neither.
    assert (
        carl_client.post(f"/pages/comments/{comment.pk}/edit/", {"body": "pirate"}).status_code
        == 403
    )
    assert carl_client.post(f"/pages/comments/{comment.pk}/delete/").status_code == 403
    assert f'action="/pages/comments/{comment.pk}/delete/"' not in (
        carl_client.get(f"/spaces/{space.slug}/pages/{page.slug}/").content.decode()
    )
    response = bob_client.get(f"/pages/comments/{comment.pk}/edit/")
    assert response.status_code == 302 and f"edit_comment={comment.pk}" in response["Location"]
    page_html = bob_client.get(response["Location"]).content.decode()
    assert f'id="comment-edit-{comment.pk}"' in page_html and "Premier jet</textarea>" in page_html
    assert bob_client.post(f"/pages/comments/{comment.pk}/edit/", {"body": ""}).status_code == 400
    assert (
        bob_client.post(f"/pages/comments/{comment.pk}/edit/", {"body": "Corrigé"}).status_code
        == 302
    )
    comment.refresh_from_db()
    assert comment.body == "Corrigé" and comment.edited_at is not None
    # Anne owns the space: she deletes bob's comment, which is audited.
    assert client_for(anne).post(f"/pages/comments/{comment.pk}/delete/").status_code == 302
    assert not PageComment.objects.exists()
    entry = AuditEntry.objects.get(action="pages.comment_deleted")
    assert entry.actor_id == anne.pk and "Corrigé" in str(entry.old_value)
    page.refresh_from_db()
    assert page.comment_count == 0
    assert bob_client.post("/pages/comments/999999/delete/").status_code == 404


def test_a_reader_of_the_intranet_cannot_moderate(anne: User) -> None:
    staff = make_user(role="staff")
    page = actions.create_page(actor=staff, space=organisation_space(), title="Accueil")
    bob, carl = make_user(), make_user()
    comment = actions.add_comment(actor=bob, page=page, body="Bonjour")
    assert client_for(carl).post(f"/pages/comments/{comment.pk}/delete/").status_code == 403
    assert PageComment.objects.filter(pk=comment.pk).exists()
    assert client_for(bob).post(f"/pages/comments/{comment.pk}/delete/").status_code == 302
    assert not PageComment.objects.exists()
    assert not AuditEntry.objects.filter(action="pages.comment_deleted").exists()


def test_reactions_count_toggle_and_change(anne: User, space: Space, page: Page) -> None:
    bob = make_user()
    add_member(space, bob)
    client = client_for(bob)
    assert client.post(f"/pages/{page.pk}/react/", {"kind": "like"}).status_code == 302
    actions.react(actor=anne, page=page, kind="like")
    page.refresh_from_db()
    assert page.reaction_counts == {"like": 2}
    client.post(f"/pages/{page.pk}/react/", {"kind": "love"})  # changes bob's
    page.refresh_from_db()
    assert page.reaction_counts == {"like": 1, "love": 1}
    client.post(f"/pages/{page.pk}/react/", {"kind": "love"})  # the same again: taken back
    page.refresh_from_db()
    assert page.reaction_counts == {"like": 1}
    html = client.get(f"/spaces/{space.slug}/pages/{page.slug}/").content.decode()
    assert 'value="like" class="reaction" aria-pressed="false"' in html


def test_the_page_costs_the_same_queries_with_many_comments(
    anne: User, space: Space, page: Page
) -> None:
    client = client_for(anne)
    url = f"/spaces/{space.slug}/pages/{page.slug}/"
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries_run:
            assert client.get(url).status_code == 200
        return len(queries_run)

    few = count()
    for n in range(6):
        person = make_user()
        add_member(space, person)
        actions.add_comment(actor=person, page=page, body=f"Commentaire {n}")
        actions.react(actor=person, page=page, kind="like")
    assert count() == few
