"""After inviting, the members page lists the pending invitations (name,
invited by, date) with "Cancel" for the space's admins; cancelling (page and
`DELETE /api/v1/spaces/{key}/invitations/{id}`) is audited and clears the invitee's notification;
the header count stays the members'; the "sent" message is a real plural; the last owner is
offered no "Remove"."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import translation

from cercle.accounts.models import Profile
from cercle.audit.models import AuditEntry
from cercle.notifications.models import Notification
from cercle.spaces import actions
from cercle.spaces.models import SpaceInvitation
from tests.factories import add_member, make_admin, make_department, make_space, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any, language: str = "en") -> Client:
    client = Client(headers={"Accept-Language": language})
    client.force_login(user)
    return client


def test_inviting_a_department_lists_the_pending_invitations_and_one_can_be_cancelled(
    django_assert_max_num_queries: Any,
) -> None:
    owner = make_user(first_name="François", last_name="Girard")
    space = make_space(owner=owner, kind="private", name="Intégration")
    production = make_department("Production")
    workers = [make_user(first_name=f"Worker{i}") for i in range(3)]
    Profile.objects.filter(user__in=workers).update(department=production)
    client = client_for(owner)

    answer = client.post(
        f"/spaces/{space.slug}/members/",
        {"usernames": "", "department": production.pk},
        follow=True,
    )
    page = answer.content.decode()
    assert "3 invitations sent." in page and "invitation(s)" not in page
    assert 'id="pending-invitations"' in page and "Pending invitations" in page
    for person in workers:
        assert person.display_name in page
    assert "whole department" in page and "François Girard" in page
    assert "· 1 member" in page  # invitees are not members yet
    # The last owner is offered no "Remove".
    assert f"/spaces/{space.slug}/members/{owner.pk}/remove/" not in page
    assert "Last owner" in page

    # One query more or less whatever the number of invitations (+2: the side navigation's two
    # lists, one query each).
    with django_assert_max_num_queries(22):
        client.get(f"/spaces/{space.slug}/members/")

    invitation = SpaceInvitation.objects.get(user=workers[0])
    assert Notification.objects.get(recipient=workers[0], kind="invitation").read_at is None
    cancelled = client.post(
        f"/spaces/{space.slug}/invitations/{invitation.pk}/cancel/", follow=True
    ).content.decode()
    assert "Invitation cancelled." in cancelled
    invitation.refresh_from_db()
    assert invitation.status == "cancelled" and invitation.decided_at is not None
    assert (
        workers[0].display_name
        not in cancelled.split('id="pending-invitations"')[1].split("</section>")[0]
    )
    assert Notification.objects.get(recipient=workers[0], kind="invitation").read_at is not None
    entry = AuditEntry.objects.get(action="spaces.invitation_cancelled")
    assert entry.actor_id == owner.pk
    # The invitee no longer sees it on their spaces page, nor can accept it.
    invitee_page = client_for(workers[0]).get("/spaces/").content.decode()
    assert f"/spaces/invitations/{invitation.pk}/respond/" not in invitee_page
    with pytest.raises(ValidationError):
        actions.respond_to_invitation(actor=workers[0], invitation=invitation, accept=True)
    # Twice: a clear message, nothing changes.
    again = client.post(f"/spaces/{space.slug}/invitations/{invitation.pk}/cancel/", follow=True)
    assert "already been answered" in again.content.decode()
    assert AuditEntry.objects.filter(action="spaces.invitation_cancelled").count() == 1

    # Accepting another one: the header count follows.
    second = SpaceInvitation.objects.get(user=workers[1])
    actions.respond_to_invitation(actor=workers[1], invitation=second, accept=True)
    page = client.get(f"/spaces/{space.slug}/members/").content.decode()
    assert "· 2 members" in page and f"/invitations/{second.pk}/cancel/" not in page


def test_plural_messages_in_french_and_nobody_new() -> None:
    owner = make_user()
    space = make_space(owner=owner, kind="private")
    one = make_user(username="solo")
    client = client_for(owner, "fr")
    owner.language = "fr"
    owner.save(update_fields=["language"])
    page = client.post(
        f"/spaces/{space.slug}/members/", {"usernames": "solo"}, follow=True
    ).content.decode()
    assert "1 invitation envoyée." in page
    page = client.post(
        f"/spaces/{space.slug}/members/", {"usernames": "solo"}, follow=True
    ).content.decode()
    assert "déjà membres ou invitées" in page
    assert SpaceInvitation.objects.filter(user=one).count() == 1
    with translation.override("fr"):
        assert "Annuler" in client.get(f"/spaces/{space.slug}/members/").content.decode()


def test_who_may_cancel_and_the_api() -> None:
    owner, space_admin, moderator, member = (make_user() for _ in range(4))
    space = make_space(owner=owner, kind="private", members=(member,))
    add_member(space, space_admin, "admin")
    add_member(space, moderator, "moderator")
    invitee, other_invitee = make_user(), make_user()
    first, second = actions.invite(actor=owner, space=space, users=[invitee, other_invitee])

    # Members and moderators: no list, no button, and the action refuses (403 in the API).
    page = client_for(moderator).get(f"/spaces/{space.slug}/members/").content.decode()
    assert 'id="pending-invitations"' not in page and "/cancel/" not in page
    assert (
        client_for(member).post(f"/spaces/{space.slug}/invitations/{first.pk}/cancel/").status_code
        == 403
    )
    with pytest.raises(PermissionDenied):
        actions.cancel_invitation(actor=moderator, invitation=first)
    api = client_for(moderator)
    assert api.delete(f"/api/v1/spaces/{space.slug}/invitations/{first.pk}").status_code == 403
    # The invitee cannot cancel their own (they decline instead).
    assert client_for(invitee).delete(
        f"/api/v1/spaces/{space.slug}/invitations/{first.pk}"
    ).status_code in (403, 404)
    assert SpaceInvitation.objects.get(pk=first.pk).status == "pending"

    admin_api = client_for(space_admin)
    assert (
        admin_api.delete(f"/api/v1/spaces/{space.slug}/invitations/{first.pk}").status_code == 204
    )
    assert SpaceInvitation.objects.get(pk=first.pk).status == "cancelled"
    listed = admin_api.get(f"/api/v1/spaces/{space.slug}/invitations").json()["items"]
    assert [i["id"] for i in listed] == [second.pk]
    again = admin_api.delete(f"/api/v1/spaces/{space.slug}/invitations/{first.pk}")
    assert again.status_code == 400 and "already been answered" in str(again.json())
    # Another space's invitation, or odd ids: 404, nothing changed.
    elsewhere = make_space(owner=space_admin, kind="private")
    assert (
        admin_api.delete(f"/api/v1/spaces/{elsewhere.slug}/invitations/{second.pk}").status_code
        == 404
    )
    for odd in ("0", "99999999", "abc", str(2**63)):
        assert admin_api.delete(f"/api/v1/spaces/{space.slug}/invitations/{odd}").status_code in (
            400,
            404,
            422,
        )
    assert SpaceInvitation.objects.get(pk=second.pk).status == "pending"

    # An organisation admin may cancel; not in an archived space (read-only).
    org_admin = make_admin()
    actions.archive_space(actor=owner, space=space)
    refused = client_for(org_admin).delete(f"/api/v1/spaces/{space.slug}/invitations/{second.pk}")
    assert (
        refused.status_code == 400 and SpaceInvitation.objects.get(pk=second.pk).status == "pending"
    )
    actions.restore_space(actor=owner, space=space)
    assert (
        client_for(org_admin)
        .delete(f"/api/v1/spaces/{space.slug}/invitations/{second.pk}")
        .status_code
        == 204
    )


def test_whether_one_has_pending_invitations_agrees_with_the_list() -> None:
    """`has_pending_invitations` (the home page's check, a query built once: issue 15) says what
    `pending_invitations_for(...).exists()` says, for each state an invitation can be in, and the
    home page lists them only then."""
    from cercle.spaces import queries

    owner = make_user()
    people = {name: make_user(first_name=name) for name in ("none", "pending", "archived", "other")}
    for status in SpaceInvitation._meta.get_field("status").choices or []:
        people[status[0]] = make_user(first_name=status[0])
    open_space = make_space(owner=owner, name="Ouvert")
    archived = make_space(owner=owner, name="Archivé")
    for status, person in people.items():
        if status in ("none", "other", "archived"):
            continue
        SpaceInvitation.objects.create(
            space=open_space, user=person, invited_by=owner, status=status
        )
    SpaceInvitation.objects.create(space=archived, user=people["archived"], invited_by=owner)
    actions.archive_space(actor=owner, space=archived)
    for person in people.values():
        expected = queries.pending_invitations_for(person).exists()
        assert queries.has_pending_invitations(person) is expected, person.first_name
        page = client_for(person).get("/").content.decode()
        assert ('id="invitations-heading"' in page) is expected
        assert ("Ouvert" in page) is expected
    assert queries.has_pending_invitations(people["pending"])
    assert not queries.has_pending_invitations(people["archived"])
    assert not queries.has_pending_invitations(people["none"])
