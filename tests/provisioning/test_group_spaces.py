"""SCIM groups mapped to spaces: the provider's group writes (Entra ID's and Okta's PATCH
forms, PUT) add and remove people from the mapped space through the spaces' actions, audited;
a mapping removed, a group renamed, a space gone, a person deprovisioned."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cercle.audit.models import AuditEntry
from cercle.provisioning import actions
from cercle.provisioning.models import ScimGroupRule, ScimMembership, ScimSpaceGrant
from cercle.spaces.models import Membership
from tests.factories import add_member, make_space, make_user
from tests.provisioning.conftest import GROUP, PATCH, Scim

pytestmark = pytest.mark.django_db


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH], "Operations": list(operations)}


@pytest.fixture
def people(scim: Scim) -> dict[str, str]:
    found = {}
    for key, email in [
        ("anne", "anne@example.com"),
        ("bruno", "bruno@example.com"),
        ("chloe", "chloe@example.com"),
    ]:
        answer = scim.create_user(email)
        assert answer.status == 201, answer.body
        found[key] = answer.body["id"]
    return found


def _group(scim: Scim, name: str, members: list[str], external_id: str = "") -> str:
    body: dict[str, Any] = {
        "schemas": [GROUP],
        "displayName": name,
        "members": [{"value": pk} for pk in members],
    }
    if external_id:
        body["externalId"] = external_id
    answer = scim.call("POST", "/Groups", body)
    assert answer.status == 201, answer.body
    return str(answer.body["id"])


def _members(space: Any) -> dict[int, str]:
    return dict(Membership.objects.filter(space=space).values_list("user_id", "role"))


def test_entra_id_adds_and_removes_members_of_the_mapped_space(
    scim: Scim, people: dict[str, str]
) -> None:
    space = make_space(name="Ventes")
    owner = space.created_by
    actions.add_group_rule(actor=scim.admin, match_by="display_name", value="sales", space=space)
    group_id = _group(scim, "Sales", [people["anne"]])
    assert _members(space) == {owner.pk: "owner", int(people["anne"]): "member"}
    # Entra ID's forms: "Add" with a list of values, "Remove" with the values to remove.
    answer = scim.call(
        "PATCH",
        f"/Groups/{group_id}",
        patch({"op": "Add", "path": "members", "value": [{"value": people["bruno"]}]}),
    )
    assert answer.status == 200, answer.body
    assert int(people["bruno"]) in _members(space)
    answer = scim.call(
        "PATCH",
        f"/Groups/{group_id}",
        patch({"op": "Remove", "path": "members", "value": [{"value": people["anne"]}]}),
    )
    assert answer.status == 200, answer.body
    assert _members(space) == {owner.pk: "owner", int(people["bruno"]): "member"}
    # Through the spaces' actions, in the token issuer's name, and the sync itself audited.
    entries = AuditEntry.objects.filter(target_type="spaces.space", target_id=str(space.pk))
    assert entries.filter(action="spaces.member_added", actor=scim.admin).count() == 2
    assert entries.filter(action="spaces.member_removed", actor=scim.admin).count() == 1
    synced = list(entries.filter(action="provisioning.group_synced").order_by("pk"))
    assert [(entry.new_value or {})["added"] for entry in synced] == [
        [int(people["anne"])],
        [int(people["bruno"])],
        [],
    ]
    assert (synced[-1].new_value or {})["removed"] == [int(people["anne"])]


def test_okta_patch_forms_and_put_and_admin_role(scim: Scim, people: dict[str, str]) -> None:
    space = make_space(name="Projet Atlas")
    actions.add_group_rule(
        actor=scim.admin, match_by="external_id", value="00g1abc", space=space, role="admin"
    )
    group_id = _group(scim, "Atlas leads", [], external_id="00g1abc")
    # Okta: "add" with members and their display, "remove" by a filtered path.
    answer = scim.call(
        "PATCH",
        f"/Groups/{group_id}",
        patch(
            {
                "op": "add",
                "path": "members",
                "value": [
                    {"value": people["anne"], "display": "anne@example.com"},
                    {"value": people["chloe"], "display": "chloe@example.com"},
                ],
            }
        ),
    )
    assert answer.status == 200, answer.body
    assert _members(space)[int(people["anne"])] == "admin"
    assert _members(space)[int(people["chloe"])] == "admin"
    answer = scim.call(
        "PATCH",
        f"/Groups/{group_id}",
        patch({"op": "remove", "path": f'members[value eq "{people["anne"]}"]'}),
    )
    assert answer.status == 200, answer.body
    assert int(people["anne"]) not in _members(space)
    # Okta's PUT of the whole group: Bruno in, Chloé out.
    answer = scim.call(
        "PUT",
        f"/Groups/{group_id}",
        {
            "schemas": [GROUP],
            "displayName": "Atlas leads",
            "externalId": "00g1abc",
            "members": [{"value": people["bruno"]}],
        },
    )
    assert answer.status == 200, answer.body
    members = _members(space)
    assert members[int(people["bruno"])] == "admin"
    assert int(people["chloe"]) not in members


def test_member_and_admin_groups_of_one_space_and_members_from_before(
    scim: Scim, people: dict[str, str]
) -> None:
    space = make_space(name="Atelier")
    before = make_user()
    add_member(space, before)
    actions.add_group_rule(actor=scim.admin, match_by="display_name", value="Atelier", space=space)
    actions.add_group_rule(
        actor=scim.admin, match_by="display_name", value="Atelier admins", space=space, role="admin"
    )
    everyone = _group(scim, "Atelier", [people["anne"], people["bruno"], str(before.pk)])
    admins = _group(scim, "Atelier admins", [people["anne"]])
    members = _members(space)
    assert members[int(people["anne"])] == "admin"
    assert members[int(people["bruno"])] == "member"
    assert members[before.pk] == "member"
    # Anne leaves the admins' group: a member again (the other group still has her).
    scim.call(
        "PATCH",
        f"/Groups/{admins}",
        patch({"op": "remove", "path": f'members[value eq "{people["anne"]}"]'}),
    )
    assert _members(space)[int(people["anne"])] == "member"
    # A person is in one department: the admins' group moved Anne out of "Atelier", whose
    # document no longer lists her; a later change of "Atelier" leaves what it gave her alone.
    scim.call(
        "PATCH",
        f"/Groups/{everyone}",
        patch({"op": "Add", "path": "members", "value": [{"value": people["chloe"]}]}),
    )
    assert _members(space)[int(people["anne"])] == "member"
    assert _members(space)[int(people["chloe"])] == "member"
    # Everyone leaves the group (Entra ID names them, Anne too): those provisioning added go;
    # a member from before stays.
    answer = scim.call(
        "PATCH",
        f"/Groups/{everyone}",
        patch(
            {
                "op": "Remove",
                "path": "members",
                "value": [
                    {"value": pk}
                    for pk in (people["anne"], people["bruno"], people["chloe"], str(before.pk))
                ],
            }
        ),
    )
    assert answer.status == 200, answer.body
    assert set(_members(space)) == {space.created_by.pk, before.pk}


def test_a_mapping_added_later_applies_to_the_group_at_once_and_removing_it_removes_nobody(
    scim: Scim, people: dict[str, str]
) -> None:
    space = make_space(name="Qualité")
    group_id = _group(scim, "Quality", [people["anne"], people["bruno"]])
    assert int(people["anne"]) not in _members(space)
    rule = actions.add_group_rule(
        actor=scim.admin, match_by="display_name", value="Quality", space=space
    )
    assert {int(people["anne"]), int(people["bruno"])} <= set(_members(space))
    actions.delete_group_rule(actor=scim.admin, rule=rule)
    assert not ScimGroupRule.objects.exists()
    assert not ScimSpaceGrant.objects.exists()
    assert not ScimMembership.objects.exists()  # ordinary members now
    scim.call(
        "PATCH",
        f"/Groups/{group_id}",
        patch({"op": "remove", "path": f'members[value eq "{people["anne"]}"]'}),
    )
    assert {int(people["anne"]), int(people["bruno"])} <= set(_members(space))
    assert AuditEntry.objects.filter(action="provisioning.group_rule_deleted").count() == 1


def test_a_renamed_group_follows_its_external_id_not_its_old_name(
    scim: Scim, people: dict[str, str]
) -> None:
    by_name, by_id = make_space(name="Par nom"), make_space(name="Par identifiant")
    actions.add_group_rule(actor=scim.admin, match_by="display_name", value="Legal", space=by_name)
    actions.add_group_rule(actor=scim.admin, match_by="external_id", value="g-legal", space=by_id)
    group_id = _group(scim, "Legal", [people["anne"]], external_id="g-legal")
    assert int(people["anne"]) in _members(by_name)
    assert int(people["anne"]) in _members(by_id)
    answer = scim.call(
        "PATCH",
        f"/Groups/{group_id}",
        patch({"op": "replace", "value": {"id": group_id, "displayName": "Legal & Compliance"}}),
    )
    assert answer.status == 200, answer.body
    scim.call(
        "PATCH",
        f"/Groups/{group_id}",
        patch({"op": "add", "path": "members", "value": [{"value": people["bruno"]}]}),
    )
    # The mapping by name no longer matches: it stops, and keeps who it gave.
    assert int(people["anne"]) in _members(by_name)
    assert int(people["bruno"]) not in _members(by_name)
    # The mapping by externalId still does.
    assert int(people["bruno"]) in _members(by_id)


def test_a_mapped_space_deleted_or_archived_does_not_break_the_group(
    scim: Scim, people: dict[str, str]
) -> None:
    gone, archived = make_space(name="Disparu"), make_space(name="Archivé")
    actions.add_group_rule(actor=scim.admin, match_by="display_name", value="Ops", space=gone)
    actions.add_group_rule(actor=scim.admin, match_by="display_name", value="Ops", space=archived)
    group_id = _group(scim, "Ops", [people["anne"]])
    gone.delete()  # a space removed outside Cercle's pages (its mappings go with it)
    archived.archived_at = archived.created_at
    archived.save(update_fields=["archived_at"])
    assert ScimGroupRule.objects.count() == 1
    answer = scim.call(
        "PATCH",
        f"/Groups/{group_id}",
        patch({"op": "add", "path": "members", "value": [{"value": people["bruno"]}]}),
    )
    assert answer.status == 200, answer.body
    assert {m["value"] for m in answer.body["members"]} == {people["anne"], people["bruno"]}
    assert int(people["bruno"]) not in _members(archived)  # read-only: refused, and audited
    entry = AuditEntry.objects.filter(action="provisioning.group_synced").latest("pk")
    assert entry.extra["refused"]


def test_a_deprovisioned_person_leaves_the_spaces_provisioning_gave(
    scim: Scim, people: dict[str, str]
) -> None:
    space = make_space(name="Support")
    actions.add_group_rule(actor=scim.admin, match_by="display_name", value="Support", space=space)
    group_id = _group(scim, "Support", [people["anne"], people["bruno"]])
    assert scim.call("DELETE", f"/Users/{people['anne']}").status == 204
    assert int(people["anne"]) not in _members(space)
    assert int(people["bruno"]) in _members(space)
    group = scim.call("GET", f"/Groups/{group_id}").body
    assert {m["value"] for m in group["members"]} == {people["bruno"]}
    # Back (same userName) and added to the group again: a member again.
    assert scim.create_user("anne@example.com").status == 201
    scim.call(
        "PATCH",
        f"/Groups/{group_id}",
        patch({"op": "add", "path": "members", "value": [{"value": people["anne"]}]}),
    )
    assert int(people["anne"]) in _members(space)


def test_a_deactivated_person_is_not_added(scim: Scim, people: dict[str, str]) -> None:
    space = make_space(name="Inactifs")
    scim.call(
        "PATCH",
        f"/Users/{people['chloe']}",
        patch({"op": "replace", "path": "active", "value": False}),
    )
    actions.add_group_rule(actor=scim.admin, match_by="display_name", value="All", space=space)
    group_id = _group(scim, "All", [people["chloe"], people["anne"]])
    assert int(people["chloe"]) not in _members(space)
    assert int(people["anne"]) in _members(space)
    assert scim.call("GET", f"/Groups/{group_id}").status == 200


# --- The administration page ------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_adds_lists_and_removes_mappings(scim: Scim, people: dict[str, str]) -> None:
    space = make_space(name="Communication")
    _group(scim, "Comms", [people["anne"]])
    client = _client(scim.admin)
    url = reverse("provisioning_tokens")
    response = client.post(
        reverse("provisioning_add_group_rule"),
        {"match_by": "display_name", "value": "Comms", "space": space.pk, "role": "member"},
    )
    assert response.status_code == 302
    assert int(people["anne"]) in _members(space)
    page = client.get(url)
    assert page.status_code == 200
    assert "Comms" in page.content.decode()
    rule = ScimGroupRule.objects.get()
    # The same mapping twice, an empty group, an unknown way or space: refused at the field.
    for data, field in [
        ({"match_by": "display_name", "value": "comms", "space": space.pk}, "value"),
        ({"match_by": "display_name", "value": "  ", "space": space.pk}, "value"),
        ({"match_by": "nothing", "value": "x", "space": space.pk}, "match_by"),
        ({"match_by": "display_name", "value": "x", "space": 999999}, "space"),
    ]:
        response = client.post(reverse("provisioning_add_group_rule"), {"role": "member", **data})
        assert response.status_code == 400
        assert response.context["rule_form"].errors.get(field), (data, field)
    assert ScimGroupRule.objects.count() == 1
    response = client.post(reverse("provisioning_delete_group_rule", args=[rule.pk]))
    assert response.status_code == 302
    assert not ScimGroupRule.objects.exists()
    assert int(people["anne"]) in _members(space)
    # Members may not.
    member = _client(make_user())
    response = member.post(
        reverse("provisioning_add_group_rule"),
        {"match_by": "display_name", "value": "Comms", "space": space.pk, "role": "member"},
    )
    assert response.status_code == 403
    assert not ScimGroupRule.objects.exists()


def test_the_page_lists_mappings_in_a_fixed_number_of_queries(scim: Scim) -> None:
    client = _client(scim.admin)
    url = reverse("provisioning_tokens")
    for n in range(3):
        actions.add_group_rule(
            actor=scim.admin,
            match_by="display_name",
            value=f"Group {n}",
            space=make_space(name=f"S{n}"),
        )
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(3, 12):
        actions.add_group_rule(
            actor=scim.admin,
            match_by="display_name",
            value=f"Group {n}",
            space=make_space(name=f"S{n}"),
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)
