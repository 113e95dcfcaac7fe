"""Group-rule space memberships and reactivations are written in bulk (the spaces'
`add_members`/`remove_members`, the accounts' `reactivate_people`), against the real slapd: the
same end state as the one-by-one path they replace (memberships, the space's chat channel,
settled invitations and requests, audit entries, the directory's own rows; a reactivated person
signs in, is found and is back in their spaces), and statements that do not grow with the
number of people."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from cercle.accounts.actions import people as people_actions
from cercle.accounts.models import User
from cercle.audit.actions import log_event
from cercle.audit.models import AuditEntry
from cercle.chat.models import Conversation
from cercle.chat.models import Membership as ChatMembership
from cercle.directory import actions
from cercle.directory.models import DirectoryMembership, DirectoryPerson, RunStatus
from cercle.search.models import SearchDocument
from cercle.spaces import actions as space_actions
from cercle.spaces.models import JoinRequest, Membership, Space, SpaceInvitation
from tests.directory import directory_data as data
from tests.directory.conftest import Statements, sync

pytestmark = pytest.mark.django_db

GROUPS = f"ou=groups,{data.SUFFIX}"


def _group(slapd: data.Slapd, name: str, dns: list[str]) -> str:
    slapd.ldapadd(data.group_ldif("groups", name, dns))
    return f"cn={name},{GROUPS}"


def _set_members(slapd: data.Slapd, group_dn: str, dns: list[str]) -> None:
    """The group's members become `dns` (a group of names keeps one member at least: the group
    itself stands for "nobody")."""
    lines = [f"dn: {group_dn}", "changetype: modify", "replace: member"]
    lines += [f"member: {dn}" for dn in (dns or [group_dn])]
    slapd.ldapmodify("\n".join(lines) + "\n")


def _one_by_one(
    actor: User,
    space: Space,
    people: list[User],
    add: bool,
    report: dict[str, list[Any]] | None,
) -> list[int]:
    """The path the bulk one replaces: the spaces' one-person actions, person after person."""
    done = []
    for person in people:
        try:
            if add:
                space_actions.add_member(actor=actor, space=space, user=person)
            else:
                space_actions.remove_member(actor=actor, space=space, user=person)
        except (ValidationError, PermissionDenied) as error:
            if report is not None:
                actions._report_refusal(report, person.username, "", error)
        else:
            done.append(person.pk)
    return done


def _reactivate_one_by_one(actor: User, user_ids: list[int], report: dict[str, Any]) -> int:
    for person in User.objects.filter(pk__in=user_ids).order_by("pk"):
        people_actions.reactivate_person(actor=actor, person=person)
        DirectoryPerson.objects.filter(user=person).update(deactivated_by_sync=False)
        log_event(actor=actor, action="directory.person_reactivated", target=person)
        actions._add(report, "reactivated", {"name": person.display_name, "email": person.email})
    return len(user_ids)


def _space_state(space: Space, names: dict[int, str]) -> dict[str, Any]:
    """What a space holds after a run, by person's username (the same for both spaces)."""
    channel = Conversation.objects.get(space_id=space.pk)
    audit = AuditEntry.objects.filter(
        target_type="spaces.space",
        target_id=str(space.pk),
        action__in=["spaces.member_added", "spaces.member_removed"],
    ).order_by("action", "pk")
    return {
        "members": sorted(
            (names[user_id], role)
            for user_id, role in Membership.objects.filter(space=space).values_list(
                "user_id", "role"
            )
        ),
        "channel": sorted(
            names[pk]
            for pk in ChatMembership.objects.filter(conversation=channel).values_list(
                "user_id", flat=True
            )
        ),
        "given": sorted(
            names[pk]
            for pk in DirectoryMembership.objects.filter(space=space).values_list(
                "user_id", flat=True
            )
        ),
        "invitations": sorted(
            (names[user_id], status)
            for user_id, status in SpaceInvitation.objects.filter(space=space).values_list(
                "user_id", "status"
            )
        ),
        "requests": sorted(
            (names[user_id], status)
            for user_id, status in JoinRequest.objects.filter(space=space).values_list(
                "user_id", "status"
            )
        ),
        "audit": sorted(
            (entry.action, entry.actor_id, names[entry.extra["user_id"]], entry.old_value)
            for entry in audit
        ),
    }


@pytest.fixture
def reference(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Runs take the one-by-one path for the space and the person put in here, the bulk path
    for the others."""
    chosen: dict[str, Any] = {"space": None, "person": None}
    bulk_members = actions._space_members
    bulk_set_active = actions._set_active

    def space_members(
        actor: User, space: Space, people: list[User], add: bool, report: Any
    ) -> list[int]:
        path = _one_by_one if space.pk == chosen["space"] else bulk_members
        return path(actor, space, people, add, report)

    def set_active(
        actor: User, user_ids: list[int], report: dict[str, Any], *, active: bool
    ) -> int:
        if not active:
            return bulk_set_active(actor, user_ids, report, active=False)
        single = [pk for pk in user_ids if pk == chosen["person"]]
        rest = [pk for pk in user_ids if pk != chosen["person"]]
        return _reactivate_one_by_one(actor, single, report) + bulk_set_active(
            actor, rest, report, active=True
        )

    monkeypatch.setattr(actions, "_space_members", space_members)
    monkeypatch.setattr(actions, "_set_active", set_active)
    yield chosen


def test_group_changes_and_reactivations_end_as_the_one_by_one_path(
    configure: Any, unit: Any, slapd: data.Slapd, admin: User, reference: dict[str, Any]
) -> None:
    name = unit(30)
    base = f"ou={name},{data.SUFFIX}"
    configure(name, max_deactivation_percent=50)
    assert sync().created_count == 30
    links = list(DirectoryPerson.objects.filter(dn__endswith=base).order_by("username"))
    people = [link.user for link in links]
    names = dict(User.objects.values_list("pk", "username"))
    # The same group gives two spaces; one takes the one-by-one path, the other the bulk one.
    one = space_actions.create_space(actor=admin, name=f"Un par un {name}", kind="request")
    bulk = space_actions.create_space(actor=admin, name=f"En bloc {name}", kind="request")
    reference["space"] = one.pk
    nested = _group(slapd, f"{name}-nested", [links[i].dn for i in range(20, 25)])
    group = _group(slapd, name, [links[i].dn for i in range(20)] + [nested])
    for space in (one, bulk):
        # Before any rule: p3 invited, p4 asked to join, p5 a member already (never the
        # directory's to remove).
        space_actions.invite(actor=admin, space=space, users=[people[3]])
        space_actions.request_to_join(actor=people[4], space=space)
        space_actions.add_member(actor=admin, space=space, user=people[5])
        actions.add_rule(actor=admin, group_dn=group, kind="space", space=space)
    for space in (one, bulk):
        assert Conversation.objects.filter(space_id=space.pk).exists()

    def same() -> dict[str, Any]:
        expected = _space_state(one, names)
        assert _space_state(bulk, names) == expected
        return expected

    run = sync()
    assert run.status == RunStatus.DONE, run.report
    first = same()
    assert len(first["members"]) == 1 + 25  # the owner and the group's 25 (p5 and p6 in it)
    assert (names[people[3].pk], "accepted") in first["invitations"]
    assert (names[people[4].pk], "accepted") in first["requests"]
    assert names[people[22].pk] in first["channel"]  # through the nested group
    assert names[people[5].pk] not in first["given"]
    for space in (one, bulk):  # p6, given by the directory, made an admin of the space
        space_actions.change_role(actor=admin, space=space, user=people[6], role="admin")
    # The group changes: p0–p4 leave it, p25–p29 join; p6 (a space admin) leaves it too.
    _set_members(slapd, group, [links[i].dn for i in (5, *range(7, 20), *range(25, 30))] + [nested])
    # p8 and p9 leave the directory's search (deactivated, out of the spaces).
    gone = f"(|(uid={links[8].username})(uid={links[9].username}))"
    excluded = f"(&(objectClass=inetOrgPerson)(!{gone}))"
    configure(name, max_deactivation_percent=50, user_filter=excluded)
    run = sync()
    assert run.status == RunStatus.DONE and run.deactivated_count == 2, run.report
    second = same()
    member_names = {member for member, _role in second["members"]}
    assert names[people[0].pk] not in member_names and names[people[27].pk] in member_names
    assert names[people[8].pk] not in member_names and names[people[8].pk] not in second["channel"]
    assert names[people[5].pk] in member_names  # a member from before the rule stays
    # The space admin the group no longer gives goes too: the directory acts in an
    # organisation administrator's name, who may remove a space's admins.
    assert names[people[6].pk] not in member_names
    assert ("spaces.member_removed", admin.pk, names[people[6].pk], "admin") in second["audit"]
    assert run.report.get("refused", []) == []
    # They come back: reactivated (p8 one by one, p9 in bulk), whole again.
    reference["person"] = people[8].pk
    configure(name, max_deactivation_percent=50, user_filter="")
    run = sync()
    assert run.status == RunStatus.DONE and run.reactivated_count == 2, run.report
    third = same()
    back = {member for member, _role in third["members"]}
    assert {names[people[8].pk], names[people[9].pk]} <= back
    assert {names[people[8].pk], names[people[9].pk]} <= set(third["channel"])

    def person_state(person: User) -> dict[str, Any]:
        person.refresh_from_db()
        link = DirectoryPerson.objects.get(user=person)
        client = Client()
        client.force_login(person)
        return {
            "active": (person.is_active, person.deactivated_at),
            "link": link.deactivated_by_sync,
            "search": SearchDocument.objects.filter(kind="person", object_id=person.pk).count(),
            "audit": [
                (entry.action, entry.actor_id, entry.old_value, entry.new_value)
                for entry in AuditEntry.objects.filter(
                    target_type="accounts.user", target_id=str(person.pk)
                ).order_by("pk")
                if entry.action.endswith(("activated", "reactivated"))
            ],
            "spaces": (
                Membership.objects.filter(user=person, space=one).exists(),
                Membership.objects.filter(user=person, space=bulk).exists(),
            ),
            "signs_in": client.get("/").status_code,
        }

    single = person_state(people[8])
    assert single["active"] == (True, None)
    assert single["link"] is False and single["search"] == 1 and single["signs_in"] == 200
    assert [row[0] for row in single["audit"]] == [
        "accounts.deactivated",
        "directory.person_deactivated",
        "accounts.reactivated",
        "directory.person_reactivated",
    ]
    assert person_state(people[9]) == single
    assert sorted(row["email"] for row in run.report["reactivated"]) == sorted(
        [people[8].email, people[9].email]
    )


def test_memberships_for_5_or_50_people_cost_the_same_statements(
    configure: Any, unit: Any, slapd: data.Slapd, admin: User
) -> None:
    name = unit(60)
    base = f"ou={name},{data.SUFFIX}"
    configure(name)
    assert sync().created_count == 60
    links = list(DirectoryPerson.objects.filter(dn__endswith=base).order_by("username"))
    counts: dict[str, int] = {}
    for size in (5, 50):
        space = space_actions.create_space(actor=admin, name=f"Groupe {size} {name}")
        group = _group(slapd, f"{name}-{size}", [link.dn for link in links[:size]])
        rule = actions.add_rule(actor=admin, group_dn=group, kind="space", space=space)
        with Statements() as statements:
            run = sync()
        assert run.status == RunStatus.DONE, run.report
        assert run.report["memberships"] == [{"space": space.name, "added": size, "removed": 0}]
        counts[f"add {size}"] = len(statements)
        channel = Conversation.objects.get(space_id=space.pk)
        assert ChatMembership.objects.filter(conversation=channel).count() == 1 + size
        assert (
            AuditEntry.objects.filter(action="spaces.member_added", target_id=str(space.pk)).count()
            == size
        )
        _set_members(slapd, group, [])
        with Statements() as statements:
            run = sync()
        assert run.report["memberships"] == [{"space": space.name, "added": 0, "removed": size}]
        counts[f"remove {size}"] = len(statements)
        assert Membership.objects.filter(space=space).count() == 1  # the owner
        assert ChatMembership.objects.filter(conversation=channel).count() == 1
        assert (
            AuditEntry.objects.filter(
                action="spaces.member_removed", target_id=str(space.pk)
            ).count()
            == size
        )
        actions.delete_rule(actor=admin, rule=rule)
    # One by one, each person cost ~15 statements to add and ~12 to remove (hundreds more at
    # 50 than at 5); in bulk the same few.
    assert counts["add 50"] <= counts["add 5"], counts
    assert counts["remove 50"] <= counts["remove 5"], counts
    assert counts["add 50"] < 60 and counts["remove 50"] < 60, counts


def test_reactivating_5_or_50_people_costs_the_same_statements(
    configure: Any, unit: Any, admin: User
) -> None:
    name = unit(120)
    base = f"ou={name},{data.SUFFIX}"
    configure(name, max_deactivation_percent=50)
    assert sync().created_count == 120
    links = list(DirectoryPerson.objects.filter(dn__endswith=base).order_by("username"))
    counts = {}
    for size, rows in ((5, links[:5]), (50, links[10:60])):
        uids = "".join(f"(uid={link.username})" for link in rows)
        configure(name, max_deactivation_percent=50, user_filter=f"(&(uid=*)(!(|{uids})))")
        assert sync().deactivated_count == size
        configure(name, max_deactivation_percent=50, user_filter="")
        with Statements() as statements:
            run = sync()
        assert run.reactivated_count == size, run.report
        counts[size] = len(statements)
        assert (
            User.objects.filter(pk__in=[link.user_id for link in rows], is_active=True).count()
            == size
        )
        assert (
            SearchDocument.objects.filter(
                kind="person", object_id__in=[link.user_id for link in rows]
            ).count()
            == size
        )
    assert counts[50] <= counts[5], counts
    assert counts[50] < 60, counts
