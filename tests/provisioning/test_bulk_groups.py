"""A SCIM group's members are written in batches (the accounts' `set_departments`, the spaces'
`add_members` / `remove_members`): the same end state as the one-by-one path they replace
(departments, memberships and their roles, the space's chat channel, settled invitations and
requests, provisioning's own rows, search columns and index, audit entries), and statements that
do not grow with the number of members."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cercle.accounts.actions import people as people_actions
from cercle.accounts.actions import profiles as profile_actions
from cercle.accounts.models import Department, Profile, User
from cercle.agenda import queries as agenda_queries
from cercle.audit.actions import log_event
from cercle.audit.models import AuditEntry
from cercle.chat.models import Conversation
from cercle.chat.models import Membership as ChatMembership
from cercle.provisioning import actions
from cercle.provisioning.models import ScimMembership, ScimSpaceGrant
from cercle.search.models import SearchDocument
from cercle.spaces import actions as space_actions
from cercle.spaces.models import (
    ROLE_RANK,
    JoinRequest,
    Membership,
    Space,
    SpaceInvitation,
    SpaceRole,
)
from tests.factories import make_user
from tests.provisioning.conftest import GROUP, PATCH, Scim

pytestmark = pytest.mark.django_db

WORLDS = ("alpha", "omega")  # "alpha" takes the one-by-one path, "omega" the bulk one


# --- The one-by-one path, as it was before the batches ------------------------------------------


def _set_members_one_by_one(actor: User, department: Department, wanted: set[int]) -> None:
    current = set(Profile.objects.filter(department=department).values_list("user_id", flat=True))
    for person in User.objects.filter(pk__in=current - wanted):
        profile_actions.update_profile(actor=actor, person=person, changes={"department": None})
    for person in User.objects.filter(pk__in=wanted - current):
        profile_actions.update_profile(
            actor=actor, person=person, changes={"department": department}
        )


def _reconcile_one_by_one(
    actor: User, space: Space, user_ids: set[int], *, group: str, token_prefix: str
) -> None:
    if not user_ids:
        return
    roles: dict[int, str] = {}
    for user_id, granted_role in ScimSpaceGrant.objects.filter(
        rule__space=space, user_id__in=user_ids
    ).values_list("user_id", "rule__role"):
        if user_id not in roles or ROLE_RANK[granted_role] > ROLE_RANK[roles[user_id]]:
            roles[user_id] = granted_role
    memberships = {
        membership.user_id: membership
        for membership in Membership.objects.filter(space=space, user_id__in=user_ids)
    }
    ours = set(
        ScimMembership.objects.filter(space=space, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    people = User.objects.in_bulk(user_ids)
    added: list[int] = []
    removed: list[int] = []
    changed: list[int] = []
    refused: list[str] = []
    for user_id in sorted(user_ids):
        person, role, membership = people[user_id], roles.get(user_id), memberships.get(user_id)
        try:
            if role is None:
                if membership is not None and user_id in ours:
                    space_actions.remove_member(actor=actor, space=space, user=person)
                    removed.append(user_id)
                if user_id in ours:
                    ScimMembership.objects.filter(space=space, user=person).delete()
            elif membership is None:
                if not person.is_active:
                    continue
                space_actions.add_member(actor=actor, space=space, user=person)
                ScimMembership.objects.get_or_create(space=space, user=person)
                added.append(user_id)
                if role != SpaceRole.MEMBER:
                    space_actions.change_role(actor=actor, space=space, user=person, role=role)
            elif membership.role not in (role, SpaceRole.OWNER) and (
                user_id in ours or ROLE_RANK[role] > ROLE_RANK[membership.role]
            ):
                space_actions.change_role(actor=actor, space=space, user=person, role=role)
                changed.append(user_id)
        except (ValidationError, PermissionDenied) as error:
            refused.append(f"{person.username}: {' '.join(actions._messages_of(error))}")
    if added or removed or changed or refused:
        log_event(
            actor=actor,
            action="provisioning.group_synced",
            target=space,
            new={"group": group, "added": added, "removed": removed, "role_changed": len(changed)},
            extra={
                **({"token": token_prefix} if token_prefix else {}),
                **({"refused": refused} if refused else {}),
            },
        )


@pytest.fixture
def reference(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The "alpha" world's groups and space take the one-by-one path, the others the bulk one."""
    bulk_set_members = actions._set_members
    bulk_reconcile = actions._reconcile

    def set_members(actor: User, department: Department, wanted: set[int]) -> None:
        path = _set_members_one_by_one if "alpha" in department.name else bulk_set_members
        path(actor, department, wanted)

    def reconcile(
        actor: User, space: Space, user_ids: set[int], *, group: str, token_prefix: str
    ) -> None:
        path = _reconcile_one_by_one if "alpha" in space.name else bulk_reconcile
        path(actor, space, user_ids, group=group, token_prefix=token_prefix)

    monkeypatch.setattr(actions, "_set_members", set_members)
    monkeypatch.setattr(actions, "_reconcile", reconcile)
    yield


# --- Two identical worlds ---------------------------------------------------------------------


def _patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH], "Operations": list(operations)}


def _group_body(name: str, members: list[User]) -> dict[str, Any]:
    return {
        "schemas": [GROUP],
        "displayName": name,
        "members": [{"value": str(person.pk)} for person in members],
    }


def _ok(answer: Any, status: int = 200) -> Any:
    assert answer.status == status, answer.body
    return answer.body


class World:
    def __init__(self, scim: Scim, tag: str) -> None:
        self.scim, self.tag, admin = scim, tag, scim.admin
        self.people = [
            make_user(username=f"{tag}.p{i:02d}", first_name="Anne", last_name=f"{tag} {i:02d}")
            for i in range(25)
        ]
        self.space = space_actions.create_space(actor=admin, name=f"Espace {tag}", kind="request")
        p = self.people
        # Before any group: p3 invited, p4 asked to join, p5 a member already (never
        # provisioning's to remove), p6 in another department, p9 deactivated.
        space_actions.invite(actor=admin, space=self.space, users=[p[3]])
        space_actions.request_to_join(actor=p[4], space=self.space)
        space_actions.add_member(actor=admin, space=self.space, user=p[5])
        other = people_actions.create_department(actor=admin, name=f"Autre {tag}")
        profile_actions.update_profile(actor=admin, person=p[6], changes={"department": other})
        people_actions.deactivate_person(actor=admin, person=p[9])
        for value, role in ((f"Team {tag}", "member"), (f"Leads {tag}", "admin")):
            actions.add_group_rule(
                actor=admin, match_by="display_name", value=value, space=self.space, role=role
            )
        self.names = {person.pk: f"p{i:02d}" for i, person in enumerate(p)}
        self.names[admin.pk] = "admin"
        self.start = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
        self.team = self.leads = ""

    def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        return _ok(self.scim.call(method, path, body), status)

    def norm(self, value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(self.tag, "W")
        if isinstance(value, dict):
            return {key: self.norm(item) for key, item in sorted(value.items())}
        if isinstance(value, list):
            return [self.norm(item) for item in value]
        return value

    def who(self, user_id: Any) -> str:
        return self.names.get(int(user_id), "?") if user_id is not None else "-"

    def state(self) -> dict[str, Any]:
        ids = list(self.names)
        space = self.space
        channel = Conversation.objects.get(space_id=space.pk)
        profiles = Profile.objects.select_related("department").filter(user_id__in=ids)
        audit = []
        for entry in AuditEntry.objects.filter(pk__gt=self.start or 0).order_by("pk"):
            mine = (entry.target_type == "spaces.space" and entry.target_id == str(space.pk)) or (
                entry.target_type == "accounts.user" and int(entry.target_id or 0) in self.names
            )
            if not mine:
                continue
            new, old, extra = entry.new_value, entry.old_value, dict(entry.extra or {})
            if entry.action == "provisioning.group_synced":
                new = {
                    **new,
                    "added": [self.who(pk) for pk in new["added"]],
                    "removed": [self.who(pk) for pk in new["removed"]],
                }
            if "user_id" in extra:
                extra["user_id"] = self.who(extra["user_id"])
            target = entry.target_id
            if entry.target_type == "accounts.user":
                target = self.who(target)
            audit.append(
                repr(
                    (
                        entry.action,
                        self.who(entry.actor_id),
                        entry.target_type,
                        target if entry.target_type == "accounts.user" else "space",
                        self.norm(old),
                        self.norm(new),
                        self.norm(extra),
                    )
                )
            )
        return {
            "members": sorted(
                (self.who(user_id), role)
                for user_id, role in Membership.objects.filter(space=space).values_list(
                    "user_id", "role"
                )
            ),
            "channel": sorted(
                self.who(pk)
                for pk in ChatMembership.objects.filter(conversation=channel).values_list(
                    "user_id", flat=True
                )
            ),
            "ours": sorted(
                self.who(pk)
                for pk in ScimMembership.objects.filter(space=space).values_list(
                    "user_id", flat=True
                )
            ),
            "grants": sorted(
                (self.norm(value), self.who(pk))
                for value, pk in ScimSpaceGrant.objects.filter(rule__space=space).values_list(
                    "rule__value", "user_id"
                )
            ),
            "invitations": sorted(
                (self.who(pk), status)
                for pk, status in SpaceInvitation.objects.filter(space=space).values_list(
                    "user_id", "status"
                )
            ),
            "requests": sorted(
                (self.who(pk), status)
                for pk, status in JoinRequest.objects.filter(space=space).values_list(
                    "user_id", "status"
                )
            ),
            "departments": sorted(
                (
                    self.who(profile.user_id),
                    self.norm(profile.department.name if profile.department else None),
                )
                for profile in profiles
            ),
            "search_text": sorted(
                (self.who(profile.user_id), self.norm(profile.search_text)) for profile in profiles
            ),
            "search_index": sorted(
                (self.who(pk), self.norm(title), self.norm(body))
                for pk, title, body in SearchDocument.objects.filter(
                    kind="person", object_id__in=ids
                ).values_list("object_id", "title", "body")
            ),
            "audit": sorted(audit),
        }


def test_group_changes_end_as_the_one_by_one_path(scim: Scim, reference: None) -> None:
    worlds = [World(scim, tag) for tag in WORLDS]

    def same() -> dict[str, Any]:
        expected = worlds[0].state()
        assert worlds[1].state() == expected
        return expected

    for world in worlds:
        p = world.people
        world.team = world.call("POST", "/Groups", _group_body(f"Team {world.tag}", p[:10]), 201)[
            "id"
        ]
        world.leads = world.call(
            "POST", "/Groups", _group_body(f"Leads {world.tag}", p[10:12]), 201
        )["id"]
    first = same()
    assert ("p06", "Team W") in first["departments"]
    assert ("p09", "Team W") in first["departments"]  # deactivated: in the department…
    assert not any(who == "p09" for who, _role in first["members"])  # … not in the space
    assert ("p10", "admin") in first["members"]
    assert ("p03", "accepted") in first["invitations"]
    assert ("p04", "accepted") in first["requests"]
    assert "p05" not in first["ours"]
    assert any("'Autre W'" in entry and "profile_changed" in entry for entry in first["audit"])

    for world in worlds:  # Entra ID's Add of ten, then a role changed by hand
        p = world.people
        world.call(
            "PATCH",
            f"/Groups/{world.team}",
            _patch(
                {
                    "op": "Add",
                    "path": "members",
                    "value": [{"value": str(x.pk)} for x in p[10:20]],
                }
            ),
        )
        space_actions.change_role(actor=scim.admin, space=world.space, user=p[12], role="admin")
    second = same()
    assert ("p19", "member") in second["members"]
    assert ("p10", "admin") in second["members"]  # the Leads mapping's role kept

    for world in worlds:  # Entra ID's Remove of three, Okta's remove by filter
        p = world.people
        world.call(
            "PATCH",
            f"/Groups/{world.team}",
            _patch(
                {
                    "op": "Remove",
                    "path": "members",
                    "value": [{"value": str(x.pk)} for x in p[0:3]],
                }
            ),
        )
        world.call(
            "PATCH",
            f"/Groups/{world.team}",
            _patch({"op": "remove", "path": f'members[value eq "{p[7].pk}"]'}),
        )
    third = same()
    assert not any(who in {"p00", "p07"} for who, _role in third["members"])
    assert ("p12", "member") in third["members"]  # lowered back: provisioning's membership
    assert ("p00", None) in third["departments"]

    for world in worlds:  # a PUT of the whole list, then the groups deleted
        p = world.people
        world.call(
            "PUT", f"/Groups/{world.team}", _group_body(f"Team {world.tag}", p[5:15] + p[20:25])
        )
    fourth = same()
    assert ("p22", "member") in fourth["members"]
    assert not any(who == "p03" for who, _role in fourth["members"])

    for world in worlds:
        world.call("DELETE", f"/Groups/{world.leads}", status=204)
        world.call("DELETE", f"/Groups/{world.team}", status=204)
    last = same()
    assert [who for who, _role in last["members"]] == ["admin", "p05"]
    assert all(
        department is None or "Autre" in department for _w, department in last["departments"]
    )


def test_an_archived_space_refuses_the_batch_as_it_refused_each_person(
    scim: Scim, reference: None, caplog: pytest.LogCaptureFixture
) -> None:
    worlds = [World(scim, tag) for tag in WORLDS]
    for world in worlds:
        space_actions.archive_space(actor=scim.admin, space=world.space)
        world.call("POST", "/Groups", _group_body(f"Team {world.tag}", world.people[:4]), 201)
    assert worlds[1].state() == worlds[0].state()
    synced = AuditEntry.objects.filter(action="provisioning.group_synced").order_by("pk")
    assert [len(entry.extra["refused"]) for entry in synced] == [4, 4]


@pytest.mark.parametrize("mapped", [True, False])
def test_adding_members_costs_the_same_queries_for_20_and_40(scim: Scim, mapped: bool) -> None:
    """The bulk path (no reference fixture): a PATCH adding 20 members and one adding 40, to a
    group mapped to a space or not, run the same number of statements."""
    admin = scim.admin
    counts = []
    for size in (20, 40):
        name = f"Team {size}"
        if mapped:
            space = space_actions.create_space(actor=admin, name=f"Espace {size}", kind="private")
            actions.add_group_rule(actor=admin, match_by="display_name", value=name, space=space)
        first = make_user(username=f"first{size}")
        group = _ok(scim.call("POST", "/Groups", _group_body(name, [first])), 201)["id"]
        people = [make_user(username=f"g{size}.p{i:02d}") for i in range(size)]
        body = _patch(
            {"op": "Add", "path": "members", "value": [{"value": str(x.pk)} for x in people]}
        )
        with CaptureQueriesContext(connection) as queries:
            _ok(scim.call("PATCH", f"/Groups/{group}", body))
        counts.append(len(queries.captured_queries))
        assert Profile.objects.filter(department__name=name).count() == size + 1
        if mapped:
            assert Membership.objects.filter(space=space).count() == size + 2
    assert counts[0] == counts[1], counts


def test_members_added_in_a_batch_move_the_agenda_version(scim: Scim) -> None:
    """`add_members` writes by `bulk_create` (no `post_save`): the agenda's panels, which show
    the calendars of one's spaces, still follow the new memberships."""
    space = space_actions.create_space(actor=scim.admin, name="Ventes", kind="private")
    actions.add_group_rule(actor=scim.admin, match_by="display_name", value="Sales", space=space)
    before = agenda_queries.agenda_version()
    people = [make_user(), make_user()]
    _ok(scim.call("POST", "/Groups", _group_body("Sales", people)), 201)
    assert Membership.objects.filter(space=space, user__in=people).count() == 2
    assert agenda_queries.agenda_version() != before


def test_set_departments_refuses_as_update_profile_does(scim: Scim) -> None:
    member, other = make_user(), make_user()
    department = people_actions.create_department(actor=scim.admin, name="Ventes")
    refused = profile_actions.set_departments(
        actor=member, departments={member.pk: department, other.pk: department}
    )
    # Their own profile (no HR lock): changed, without an audit entry; someone else's: refused
    # with `update_profile`'s words, and left alone.
    assert list(refused) == [other.pk]
    with pytest.raises(PermissionDenied) as single:
        profile_actions.update_profile(
            actor=member, person=other, changes={"department": department}
        )
    assert refused[other.pk].args == single.value.args
    assert Profile.objects.get(user=member).department == department
    assert Profile.objects.get(user=other).department is None
    assert not AuditEntry.objects.filter(action="accounts.profile_changed").exists()
    assert "ventes" in Profile.objects.get(user=member).search_text
