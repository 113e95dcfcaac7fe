"""Which spaces each person sees, finds and reaches."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cercle.spaces import actions, queries
from tests.factories import add_member, make_admin, make_guest, make_space, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def spaces() -> dict[str, object]:
    queries.organisation_space()  # made by a migration; a flush by browser tests removes it
    owner = make_user()
    return {
        kind: make_space(owner=owner, kind=kind, name=f"{kind.title()} space")
        for kind in ("open", "request", "private", "secret")
    }


def visible_names(user: object) -> set[str]:
    return set(queries.visible_spaces(user).values_list("name", flat=True))  # type: ignore[arg-type]


def test_members_see_listed_spaces_and_the_organisation(spaces: dict[str, object]) -> None:
    assert visible_names(make_user()) == {
        "Open space",
        "Request space",
        "Private space",
        "Whole organisation",
    }


def test_secret_spaces_only_for_members_and_invitees(spaces: dict[str, object]) -> None:
    secret = spaces["secret"]
    member, invitee = make_user(), make_user()
    add_member(secret, member)
    actions.invite(actor=secret.memberships.get(role="owner").user, space=secret, users=[invitee])  # type: ignore[attr-defined]
    assert "Secret space" in visible_names(member)
    assert "Secret space" in visible_names(invitee)
    assert "Secret space" not in visible_names(make_user())
    # Not even by slug or id: one not-found for missing and not allowed.
    for key in (secret.slug, secret.pk, "no-such-space", 999999):  # type: ignore[attr-defined]
        with pytest.raises(queries.NotFound):
            queries.access_space(make_user(), key)


def test_guests_see_only_their_spaces(spaces: dict[str, object]) -> None:
    guest = make_guest()
    assert visible_names(guest) == set()
    add_member(spaces["private"], guest)
    assert visible_names(guest) == {"Private space"}
    with pytest.raises(queries.NotFound):
        queries.access_space(guest, spaces["open"].slug)  # type: ignore[attr-defined]


def test_deactivated_see_nothing(spaces: dict[str, object]) -> None:
    gone = make_user(is_active=False)
    add_member(spaces["open"], gone)
    assert visible_names(gone) == set()


def test_organisation_admins_see_everything(spaces: dict[str, object]) -> None:
    assert "Secret space" in visible_names(make_admin())


def test_browse_puts_my_spaces_first_and_searches(spaces: dict[str, object]) -> None:
    me = make_user()
    add_member(spaces["private"], me)
    names = [s.name for s in queries.browse_spaces(me)]
    assert names[:2] == ["Private space", "Whole organisation"]
    assert "Secret space" not in names
    assert [s.name for s in queries.browse_spaces(me, query="REQUÊST")] == ["Request space"]
    assert {s.name for s in queries.browse_spaces(me, mine_only=True)} == {
        "Private space",
        "Whole organisation",
    }


def test_wall_reading_rules(spaces: dict[str, object]) -> None:
    person, guest = make_user(), make_guest()
    assert queries.can_read_wall(person, spaces["open"])  # type: ignore[arg-type]
    assert not queries.can_read_wall(person, spaces["request"])  # type: ignore[arg-type]
    assert not queries.can_read_wall(person, spaces["private"])  # type: ignore[arg-type]
    assert not queries.can_read_wall(guest, spaces["open"])  # type: ignore[arg-type]
    add_member(spaces["open"], guest)
    assert queries.can_read_wall(guest, spaces["open"])  # type: ignore[arg-type]


def test_is_last_owner_and_the_member_rows_agree_with_the_actions() -> None:
    owner, other, member = make_user(), make_user(), make_user()
    space = make_space(owner=owner, members=(member,))
    rows = {row.membership.user_id: row.is_last_owner for row in queries.member_rows(space)}
    assert rows == {owner.pk: True, member.pk: False}
    with pytest.raises(ValidationError):
        actions.remove_member(actor=owner, space=space, user=owner)
    add_member(space, other, "owner")
    rows = {row.membership.user_id: row.is_last_owner for row in queries.member_rows(space)}
    assert rows == {owner.pk: False, other.pk: False, member.pk: False}
    actions.remove_member(actor=owner, space=space, user=other)
    (mine,) = [r.membership for r in queries.member_rows(space) if r.membership.user_id == owner.pk]
    assert queries.is_last_owner(mine)


def test_may_create_space_matches_the_action() -> None:
    guest, person = make_guest(), make_user()
    assert queries.may_create_space(person) and not queries.may_create_space(guest)
    with pytest.raises(PermissionDenied):
        actions.create_space(actor=guest, name="Club")
    assert actions.create_space(actor=person, name="Club").pk


def test_access_space_agrees_with_visible_spaces_for_every_person_and_key() -> None:
    """`access_space` (whether the person sees the space by a query built once per shape and
    lookup, issue 15 round 8) finds exactly the spaces `visible_spaces` holds, by id (an int or
    its digits) and by slug, for members, invitees, guests, staff, administrators, outsiders and
    deactivated people; unknown and out-of-range keys are not found."""
    from django.forms.models import model_to_dict
    from django.utils import timezone

    from cercle.accounts.models import Role, User
    from cercle.spaces.models import RequestStatus, SpaceInvitation

    organisation = queries.organisation_space()
    owner, member, invitee, outsider = make_user(), make_user(), make_user(), make_user()
    guest, guest_invitee, admin = make_guest(), make_guest(), make_admin()
    staff = make_user()
    User.objects.filter(pk=staff.pk).update(role=Role.STAFF)
    staff.refresh_from_db()
    deactivated = make_user()
    organisation.refresh_from_db()
    every = [organisation]
    for kind in ("open", "request", "private", "secret"):
        space = make_space(owner=owner, kind=kind, name=f"{kind} 2", members=(member, guest))
        add_member(space, deactivated)
        every.append(space)
        for person in (invitee, guest_invitee):
            SpaceInvitation.objects.create(
                space=space, user=person, invited_by=owner, status=RequestStatus.PENDING
            )
    refused = make_space(owner=owner, kind="secret", name="refused")
    SpaceInvitation.objects.create(
        space=refused, user=invitee, invited_by=owner, status=RequestStatus.DECLINED
    )
    archived = make_space(owner=owner, kind="open", name="archived", archived_at=timezone.now())
    every += [refused, archived]
    for space in every:
        space.refresh_from_db()
    User.objects.filter(pk=deactivated.pk).update(is_active=False)
    deactivated.refresh_from_db()
    people = [owner, member, invitee, outsider, guest, guest_invitee, admin, staff, deactivated]
    for person in people:
        visible = set(queries.visible_spaces(person).values_list("pk", flat=True))
        for space in every:
            for key in (space.pk, str(space.pk), space.slug):
                if space.pk in visible:
                    found = queries.access_space(person, key)
                    # Read as Django reads it (the raw row's values converted).
                    assert model_to_dict(found) == model_to_dict(space)
                    assert found.created_at == space.created_at
                    assert found.archived_at == space.archived_at
                else:
                    with pytest.raises(queries.NotFound):
                        queries.access_space(person, key)
        for key in ("no-such-space", str(2**63), str(10**30), 2**70, "0"):
            with pytest.raises(queries.NotFound):
                queries.access_space(person, key)
    assert queries._VISIBLE_SPACE._compiled  # built once per shape and lookup
    assert len(queries._VISIBLE_SPACE._compiled) <= 2 * 2 * 5
