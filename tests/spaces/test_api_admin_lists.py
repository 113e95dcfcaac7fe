"""A space's admin-only lists (pending requests to join, pending invitations): the space's admins,
owners and organisation admins get them; anyone else who may see the space gets a 403 with a
message (not an empty list that passes for "nobody asked"); who may not see it gets a 404. The
members page shows the requests to the same people only."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from cercle.spaces import actions
from cercle.spaces.models import JoinRequest, SpaceInvitation
from tests.factories import make_space, make_user
from tests.helpers.api import api, call, cast

pytestmark = pytest.mark.django_db
ROLES = ["owner", "admin_role", "moderator", "member", "outsider", "guest", "deactivated"]
ROLES += ["org_admin"]
ADMINS = {"owner", "admin_role", "org_admin"}
LISTS = {
    "requests": "Only the space's admins can see its requests to join.",
    "invitations": "Only the space's admins can see its invitations.",
}


def _space_with_pending() -> tuple[dict[str, Any], Any, Any]:
    """A request-only space with one pending request to join and one pending invitation."""
    people = cast(kind="request")
    space = people["space"]
    asker, invitee = make_user(first_name="Asker"), make_user(first_name="Invitee")
    actions.request_to_join(actor=asker, space=space, message="Let me in")
    actions.invite(actor=people["owner"], space=space, users=[invitee])
    return people, asker, invitee


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", sorted(LISTS))
def test_admin_lists_by_role(role: str, which: str) -> None:
    people, asker, invitee = _space_with_pending()
    space = people["space"]
    response = api(people[role]).get(f"/api/v1/spaces/{space.slug}/{which}")
    if role == "deactivated":
        assert response.status_code == 401
    elif role == "guest":  # a guest sees only the spaces they are in or invited to
        assert response.status_code == 404
    elif role in ADMINS:
        assert response.status_code == 200, response.content
        body = response.json()
        if which == "requests":
            assert [(r["user"]["id"], r["message"], r["status"]) for r in body] == [
                (asker.pk, "Let me in", "pending")
            ]
        else:
            assert [(i["user"]["id"], i["status"]) for i in body["items"]] == [
                (invitee.pk, "pending")
            ]
    else:
        assert response.status_code == 403, response.content
        assert response.json() == {"detail": LISTS[which]}
    # Reading changes nothing.
    assert JoinRequest.objects.filter(space=space, status="pending").count() == 1
    assert SpaceInvitation.objects.filter(space=space, status="pending").count() == 1


@pytest.mark.parametrize("which", sorted(LISTS))
def test_a_secret_space_is_not_found_rather_than_forbidden(which: str) -> None:
    owner, outsider = make_user(), make_user()
    space = make_space(owner=owner, kind="secret")
    response = api(outsider).get(f"/api/v1/spaces/{space.slug}/{which}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("which", sorted(LISTS))
def test_an_empty_list_for_an_admin_is_an_empty_list(which: str) -> None:
    owner = make_user()
    space = make_space(owner=owner, kind="request")
    body = api(owner).get(f"/api/v1/spaces/{space.pk}/{which}").json()
    assert (body if which == "requests" else body["items"]) == []


def test_decided_requests_and_answered_invitations_leave_the_lists() -> None:
    people, asker, invitee = _space_with_pending()
    space, owner = people["space"], people["owner"]
    [pending] = JoinRequest.objects.filter(space=space)
    decided = call(api(owner), "post", f"/api/v1/space-requests/{pending.pk}/decide", {"accept": 1})
    assert decided.status_code == 200
    [invitation] = SpaceInvitation.objects.filter(space=space)
    assert api(invitee).post(f"/api/v1/space-invitations/{invitation.pk}/accept").status_code == 200
    assert api(owner).get(f"/api/v1/spaces/{space.slug}/requests").json() == []
    assert api(owner).get(f"/api/v1/spaces/{space.slug}/invitations").json() == {"items": []}
    # Now members, they are still refused the lists.
    for person in (asker, invitee):
        assert api(person).get(f"/api/v1/spaces/{space.slug}/requests").status_code == 403


def test_a_promoted_member_gets_the_lists_a_demoted_admin_loses_them() -> None:
    people, asker, _ = _space_with_pending()
    space, member = people["space"], people["member"]
    url = f"/api/v1/spaces/{space.slug}/requests"
    assert api(member).get(url).status_code == 403
    actions.change_role(actor=people["owner"], space=space, user=member, role="admin")
    assert [r["user"]["id"] for r in api(member).get(url).json()] == [asker.pk]
    actions.change_role(actor=people["owner"], space=space, user=member, role="member")
    assert api(member).get(url).status_code == 403


@pytest.mark.parametrize("role", ["member", "moderator", "outsider"])
def test_the_members_page_shows_requests_to_admins_only(role: str) -> None:
    people, _, _ = _space_with_pending()
    space = people["space"]
    [pending] = JoinRequest.objects.filter(space=space)
    url = reverse("space_members", args=[space.slug])
    decide = reverse("space_request_decide", args=[pending.pk])
    shown = api(people["admin_role"]).get(url).content.decode()
    assert "Let me in" in shown and decide in shown
    hidden = api(people[role]).get(url)
    # Members see the page without the requests; others do not read a request-only space.
    assert hidden.status_code == (404 if role == "outsider" else 200)
    assert "Let me in" not in hidden.content.decode()
    assert decide not in hidden.content.decode()
