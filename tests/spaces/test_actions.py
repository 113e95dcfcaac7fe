"""Space actions: creating, joining, requests, invitations, roles, the last owner, archiving."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cercle.audit.models import AuditEntry
from cercle.spaces import actions, queries
from cercle.spaces.models import Membership, RequestStatus, Space, SpaceInvitation
from tests.factories import (
    add_member,
    make_admin,
    make_department,
    make_guest,
    make_space,
    make_user,
)

pytestmark = pytest.mark.django_db


def role_of(space: Space, user: object) -> str | None:
    return Membership.objects.filter(space=space, user=user).values_list("role", flat=True).first()


def test_create_space_makes_the_creator_owner_and_is_audited() -> None:
    anne = make_user()
    space = actions.create_space(
        actor=anne, name="Équipe Qualité", description="Qualité", kind="private", modules=["wall"]
    )
    assert space.slug == "equipe-qualite"
    assert space.modules == ["wall"]
    assert role_of(space, anne) == "owner"
    assert AuditEntry.objects.filter(action="spaces.created", target_id=str(space.pk)).exists()
    # A second space of the same name (case and accents aside) is refused, nothing created...
    with pytest.raises(ValidationError) as error:
        actions.create_space(actor=anne, name="equipe QUALITE")
    assert "already exists" in error.value.message_dict["name"][0]
    assert Space.objects.filter(slug__startswith="equipe").count() == 1
    # ...unless it is a secret space the creator cannot see: it gets its own address.
    secret = actions.create_space(actor=anne, name="Projet Hermès", kind="secret")
    other = actions.create_space(actor=make_user(), name="Projet Hermes")
    assert (secret.slug, other.slug) == ("projet-hermes", "projet-hermes-2")


def test_create_space_refuses_guests_and_bad_input() -> None:
    with pytest.raises(PermissionDenied):
        actions.create_space(actor=make_guest(), name="Nope")
    with pytest.raises(ValidationError) as error:
        actions.create_space(actor=make_user(), name="  ")
    assert "name" in error.value.message_dict
    with pytest.raises(ValidationError):
        actions.create_space(actor=make_user(), name="x", kind="weird")
    with pytest.raises(ValidationError):
        actions.create_space(actor=make_user(), name="x", modules=["wall", "bogus"])
    assert not Space.objects.filter(name="x").exists()


def test_join_open_space_only() -> None:
    bob = make_user()
    open_space = make_space(kind="open")
    actions.join_space(actor=bob, space=open_space)
    assert role_of(open_space, bob) == "member"
    with pytest.raises(ValidationError):
        actions.join_space(actor=bob, space=open_space)
    for kind in ("request", "private", "secret"):
        with pytest.raises(PermissionDenied):
            actions.join_space(actor=bob, space=make_space(kind=kind))


def test_request_then_accept_or_refuse() -> None:
    owner, bob, carol = make_user(), make_user(), make_user()
    space = make_space(owner=owner, kind="request")
    request = actions.request_to_join(actor=bob, space=space, message="Please")
    with pytest.raises(ValidationError):
        actions.request_to_join(actor=bob, space=space)
    # A plain member cannot answer.
    member = make_user()
    add_member(space, member)
    with pytest.raises(PermissionDenied):
        actions.decide_join_request(actor=member, join_request=request, accept=True)
    actions.decide_join_request(actor=owner, join_request=request, accept=True)
    assert role_of(space, bob) == "member"
    with pytest.raises(ValidationError):
        actions.decide_join_request(actor=owner, join_request=request, accept=False)

    refused = actions.request_to_join(actor=carol, space=space)
    actions.decide_join_request(actor=owner, join_request=refused, accept=False)
    refused.refresh_from_db()
    assert refused.status == RequestStatus.REFUSED
    assert role_of(space, carol) is None
    # Open and private spaces take no requests.
    with pytest.raises(PermissionDenied):
        actions.request_to_join(actor=carol, space=make_space(kind="private"))


def test_invite_people_and_a_whole_department() -> None:
    owner = make_user()
    space = make_space(owner=owner, kind="secret")
    dept = make_department()
    d1, d2 = make_user(department=dept), make_user(department=dept)
    gone = make_user(department=dept, is_active=False)
    already = make_user(department=dept)
    add_member(space, already)
    single = make_user()
    invitations = actions.invite(actor=owner, space=space, users=[single], department=dept)
    assert {i.user_id for i in invitations} == {single.pk, d1.pk, d2.pk}
    assert gone.pk not in {i.user_id for i in invitations}
    # Inviting again creates nothing new.
    assert actions.invite(actor=owner, space=space, users=[single]) == []
    # Invitees see the secret space (to answer), others do not.
    assert queries.access_space(single, space.slug) == space
    with pytest.raises(queries.NotFound):
        queries.access_space(make_user(), space.slug)

    invitation = SpaceInvitation.objects.get(space=space, user=single)
    actions.respond_to_invitation(actor=single, invitation=invitation, accept=True)
    assert role_of(space, single) == "member"
    declined = SpaceInvitation.objects.get(space=space, user=d1)
    actions.respond_to_invitation(actor=d1, invitation=declined, accept=False)
    assert role_of(space, d1) is None
    with pytest.raises(ValidationError):
        actions.respond_to_invitation(actor=d1, invitation=declined, accept=True)
    # Someone else's invitation is "not found".
    other = SpaceInvitation.objects.get(space=space, user=d2)
    with pytest.raises(queries.NotFound):
        actions.respond_to_invitation(actor=single, invitation=other, accept=True)


def test_only_admins_invite() -> None:
    space = make_space()
    member = make_user()
    add_member(space, member, "moderator")
    with pytest.raises(PermissionDenied):
        actions.invite(actor=member, space=space, users=[make_user()])


def test_a_space_cannot_lose_its_last_owner() -> None:
    owner = make_user()
    space = make_space(owner=owner)
    with pytest.raises(ValidationError):
        actions.leave_space(actor=owner, space=space)
    with pytest.raises(ValidationError):
        actions.change_role(actor=owner, space=space, user=owner, role="admin")
    second = make_user()
    add_member(space, second)
    actions.change_role(actor=owner, space=space, user=second, role="owner")
    actions.leave_space(actor=owner, space=space)
    assert role_of(space, owner) is None
    with pytest.raises(ValidationError):
        actions.remove_member(actor=make_admin(), space=space, user=second)
    # A deactivated owner does not count.
    third = make_user()
    add_member(space, third, "owner")
    third.is_active = False
    third.save()
    with pytest.raises(ValidationError):
        actions.change_role(actor=second, space=space, user=second, role="member")


def test_role_changes_and_removal_rules() -> None:
    owner, admin, moderator, member = make_user(), make_user(), make_user(), make_user()
    space = make_space(owner=owner)
    add_member(space, admin, "admin")
    add_member(space, moderator, "moderator")
    add_member(space, member)
    # Admins change members' roles but cannot make owners nor touch other admins.
    actions.change_role(actor=admin, space=space, user=member, role="moderator")
    assert role_of(space, member) == "moderator"
    with pytest.raises(PermissionDenied):
        actions.change_role(actor=admin, space=space, user=member, role="owner")
    with pytest.raises(PermissionDenied):
        actions.remove_member(actor=admin, space=space, user=owner)
    # Moderators cannot manage members.
    with pytest.raises(PermissionDenied):
        actions.remove_member(actor=moderator, space=space, user=member)
    actions.remove_member(actor=admin, space=space, user=member)
    assert role_of(space, member) is None
    entry = AuditEntry.objects.filter(action="spaces.role_changed").first()
    assert entry is not None and entry.old_value == "member" and entry.new_value == "moderator"
    with pytest.raises(ValidationError):
        actions.change_role(actor=owner, space=space, user=admin, role="king")


def test_archive_makes_read_only_and_restore() -> None:
    owner = make_user()
    space = make_space(owner=owner)
    outsider = make_user()
    with pytest.raises(PermissionDenied):
        actions.archive_space(actor=outsider, space=space)
    actions.archive_space(actor=owner, space=space)
    assert space.is_archived
    with pytest.raises(ValidationError):
        actions.join_space(actor=outsider, space=space)
    assert not queries.can_post_in(owner, space)
    actions.restore_space(actor=owner, space=space)
    assert queries.can_post_in(owner, space)
    assert list(
        AuditEntry.objects.filter(target_id=str(space.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["spaces.archived", "spaces.restored"]


def test_update_space_by_admins_only() -> None:
    owner = make_user()
    space = make_space(owner=owner)
    with pytest.raises(PermissionDenied):
        actions.update_space(
            actor=make_user(), space=space, name="x", description="", kind="open", modules=[]
        )
    actions.update_space(
        actor=owner,
        space=space,
        name="Renamed",
        description="New",
        kind="private",
        modules=["wall", "chat"],
    )
    space.refresh_from_db()
    assert (space.name, space.kind, space.modules) == ("Renamed", "private", ["wall", "chat"])
    assert "renamed" in space.search_text


def test_organisation_space_exists_and_everyone_belongs() -> None:
    org = queries.organisation_space()
    member, guest, staff = make_user(), make_guest(), make_user(role="staff")
    assert queries.effective_role(member, org) == "member"
    assert queries.effective_role(guest, org) is None
    assert not queries.can_post_in(member, org)
    assert queries.can_post_in(staff, org)
    assert queries.can_post_in(make_admin(), org)
    with pytest.raises(ValidationError):
        actions.leave_space(actor=member, space=org)
    with pytest.raises(ValidationError):
        actions.archive_space(actor=make_admin(), space=org)
