"""A space page's view of its viewer (`space_view`): their role, favourite, follow and pending
request come from one query built once per process; the same as each asked on its own, for
every kind of person and space, and never another person's or space's."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cercle.spaces import queries
from cercle.spaces.models import JoinRequest, Membership, RequestStatus, SpaceFollow
from tests.factories import add_member, make_admin, make_guest, make_space, make_user

pytestmark = pytest.mark.django_db


def _asked_one_by_one(user: Any, space: Any) -> tuple[Any, ...]:
    """The rules `space_view` had before its query was compiled, each its own query."""
    role = queries.effective_role(user, space)
    favourite = bool(
        role
        and Membership.objects.filter(user_id=user.pk, space_id=space.pk, favourite=True).exists()
    )
    following = SpaceFollow.objects.filter(user_id=user.pk, space_id=space.pk).exists()
    asked = (
        role is None
        and JoinRequest.objects.filter(
            user_id=user.pk, space_id=space.pk, status=RequestStatus.PENDING
        ).exists()
    )
    return (role, favourite, following, asked)


def _seen(user: Any, space: Any) -> tuple[Any, ...]:
    view = queries.space_view(user, space)
    return (view.role, view.favourite, view.following, view.has_pending_request)


def test_space_view_agrees_with_each_rule_for_every_person_and_space() -> None:
    owner, member, follower, asker = make_user(), make_user(), make_user(), make_user()
    refused, guest, admin, outsider = make_user(), make_guest(), make_admin(), make_user()
    deactivated = make_user()
    spaces = [
        make_space(owner=owner, kind=kind, members=(member, guest, deactivated))
        for kind in ("open", "request", "private", "secret")
    ]
    spaces.append(queries.organisation_space())
    add_member(spaces[-1], member, "moderator")
    Membership.objects.filter(user=member, space=spaces[0]).update(favourite=True)
    Membership.objects.filter(user=owner, space=spaces[2]).update(favourite=True)
    for space in spaces[:2]:
        SpaceFollow.objects.create(user=follower, space=space)
        SpaceFollow.objects.create(user=member, space=space)
    JoinRequest.objects.create(user=asker, space=spaces[1])
    JoinRequest.objects.create(user=refused, space=spaces[1], status=RequestStatus.REFUSED)
    JoinRequest.objects.create(user=member, space=spaces[1])  # a member's old pending request
    deactivated.is_active = False
    deactivated.save(update_fields=["is_active"])
    people = [owner, member, follower, asker, refused, guest, admin, outsider, deactivated]
    for space in spaces:
        for person in people:
            assert _seen(person, space) == _asked_one_by_one(person, space), (
                space.kind,
                space.is_organisation,
                person.username,
            )
    # Not empty everywhere: each fact is true somewhere.
    assert _seen(member, spaces[0]) == ("member", True, True, False)
    assert _seen(asker, spaces[1]) == (None, False, False, True)
    assert _seen(follower, spaces[0]) == (None, False, True, False)
    assert _seen(outsider, spaces[-1]) == ("member", False, False, False)
    assert _seen(owner, spaces[2])[:2] == ("owner", True)
    assert _seen(owner, spaces[0])[:2] == ("owner", False)


def test_a_member_s_standing_is_one_query() -> None:
    member = make_user()
    space = make_space(kind="private", members=(member,))
    queries.space_view(member, space)  # built
    with CaptureQueriesContext(connection) as captured:
        view = queries.space_view(member, space)
    assert view.role == "member" and view.can_read and len(captured) == 1
