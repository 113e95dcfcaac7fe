"""`add_members` and `remove_members` (the company directory's group rules) refuse what
`add_member` and `remove_member` refuse, person by person, and keep the roles cache in step as
the one-person writes do."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cercle.spaces import actions, queries
from cercle.spaces.models import Membership, SpaceRole
from tests.factories import make_admin, make_space, make_user

pytestmark = pytest.mark.django_db


def test_adding_many_refuses_the_deactivated_and_skips_members() -> None:
    owner, anne, bob, gone = make_user(), make_user(), make_user(), make_user()
    gone.is_active = False
    gone.save()
    space = make_space(owner=owner, kind="private", members=(bob,))
    assert queries.my_roles(anne) == {}  # kept in the cache
    added, refused = actions.add_members(actor=owner, space=space, users=[anne, bob, gone])
    assert [person.pk for person in added] == [anne.pk]
    assert set(refused) == {gone.pk}
    assert queries.my_roles(anne) == {space.pk: SpaceRole.MEMBER}  # the cache followed
    # As `add_member` refuses them, the whole call: someone who may not administer the space,
    # an archived space.
    with pytest.raises(PermissionDenied):
        actions.add_members(actor=bob, space=space, users=[make_user()])
    actions.archive_space(actor=owner, space=space)
    space.refresh_from_db()
    with pytest.raises(ValidationError):
        actions.add_members(actor=owner, space=space, users=[make_user()])


def test_removing_many_refuses_what_removing_one_refuses() -> None:
    owner, admin_of_space, anne, stranger = make_user(), make_user(), make_user(), make_user()
    space = make_space(owner=owner, kind="private", members=(anne, admin_of_space))
    actions.change_role(actor=owner, space=space, user=admin_of_space, role=SpaceRole.ADMIN)
    assert queries.my_roles(anne) == {space.pk: SpaceRole.MEMBER}
    # A space admin may remove members, not another admin nor the owner; a stranger is no member.
    removed, refused = actions.remove_members(
        actor=admin_of_space, space=space, users=[anne, owner, stranger]
    )
    assert [person.pk for person in removed] == [anne.pk]
    assert isinstance(refused[owner.pk], PermissionDenied)
    assert isinstance(refused[stranger.pk], ValidationError)
    assert queries.my_roles(anne) == {}
    # An organisation admin may remove anyone but the last owner.
    boss = make_admin()
    removed, refused = actions.remove_members(
        actor=boss, space=space, users=[owner, admin_of_space]
    )
    assert [person.pk for person in removed] == [admin_of_space.pk]
    assert isinstance(refused[owner.pk], ValidationError)
    # Of two owners removed at once, one stays.
    second = make_user()
    actions.add_member(actor=boss, space=space, user=second)
    actions.change_role(actor=boss, space=space, user=second, role=SpaceRole.OWNER)
    removed, refused = actions.remove_members(actor=boss, space=space, users=[owner, second])
    assert len(removed) == 1 and len(refused) == 1
    assert Membership.objects.filter(space=space, role=SpaceRole.OWNER).count() == 1
