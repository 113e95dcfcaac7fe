"""The accounts' bulk writes for an identity source (the directory's incremental run):
`apply_identity_attributes_many` leaves what `apply_identity_attributes` leaves, in a fixed
number of queries; `set_managers` sets and removes managers with `update_profile`'s checks."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from cercle.accounts.actions import identity, profiles
from cercle.accounts.models import Profile, User
from cercle.audit.models import AuditEntry
from cercle.search.models import SearchDocument
from tests.factories import make_admin, make_user

pytestmark = pytest.mark.django_db

VALUES = {
    "first_name": "Léa",
    "job_title": "Archiviste",
    "department": "Archives",
    "site": "Angers",
    "phone": "+33 2 41 00 00 00",
    "language": "en-GB",
}


class _Count:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _state(user: User) -> tuple[Any, ...]:
    user.refresh_from_db()
    profile = Profile.objects.select_related("department", "site").get(user=user)
    document = SearchDocument.objects.get(kind="person", object_id=user.pk)
    audit = AuditEntry.objects.get(action="accounts.identity_synced", target_id=str(user.pk))
    return (
        user.first_name,
        user.language,
        profile.job_title,
        profile.phone,
        profile.department.name if profile.department else None,
        profile.site.name if profile.site else None,
        profile.search_text.replace(user.username, "U").replace(user.last_name.lower(), "L"),
        document.title.replace(user.last_name, "L"),
        document.body.replace(user.username, "U"),
        audit.actor_id == user.pk,
        audit.new_value,
    )


def test_the_bulk_write_leaves_what_the_single_write_leaves() -> None:
    single, bulk = make_user(), make_user()
    for person in (single, bulk):  # in the index as they are first
        Profile.objects.get(user=person).save()
    identity.apply_identity_attributes(person=single, values=VALUES, source="ldap")
    changed = identity.apply_identity_attributes_many(values={bulk.pk: VALUES}, source="ldap")
    assert set(changed[bulk.pk]) == set(VALUES)
    assert _state(bulk) == _state(single)
    assert _state(bulk)[:6] == (
        "Léa",
        "en",
        "Archiviste",
        "+33 2 41 00 00 00",
        "Archives",
        "Angers",
    )
    # Nothing left to change: nothing written, no audit entry.
    assert identity.apply_identity_attributes_many(values={bulk.pk: VALUES}, source="ldap") == {}
    assert AuditEntry.objects.filter(action="accounts.identity_synced").count() == 2


def _queries(people: list[User], title: str) -> int:
    counter = _Count()
    places = identity.Places()
    with connection.execute_wrapper(counter):
        changed = identity.apply_identity_attributes_many(
            values={
                person.pk: {"job_title": f"{title} {i}", "department": f"Service {i % 2}"}
                for i, person in enumerate(people)
            },
            source="ldap",
            places=places,
        )
    assert len(changed) == len(people)
    return counter.count


def test_the_bulk_write_costs_the_same_queries_for_5_or_30_people() -> None:
    people = [make_user() for _ in range(35)]
    _queries(people[:2], "Warm")  # the two departments exist from now on
    small = _queries(people[:5], "Small")
    large = _queries(people[5:], "Large")
    assert 0 < large <= small, (small, large)


def test_managers_set_removed_and_refused_in_bulk() -> None:
    admin = make_admin()
    boss, other, gone = make_user(), make_user(), make_user(is_active=False)
    anne, bruno, chloe = make_user(), make_user(), make_user()
    Profile.objects.filter(user=bruno).update(manager=boss)
    Profile.objects.filter(user=boss).update(manager=anne)
    refused = profiles.set_managers(
        actor=admin,
        managers={anne.pk: bruno.pk, bruno.pk: None, chloe.pk: gone.pk, other.pk: boss.pk},
    )
    # anne → bruno would be fine once bruno no longer reports to boss (who reports to anne):
    # taken in order, bruno's change comes after, so the loop is refused as one by one would.
    assert set(refused) == {anne.pk, chloe.pk}
    managers = dict(
        Profile.objects.filter(user__in=[anne, bruno, chloe, other]).values_list(
            "user_id", "manager_id"
        )
    )
    assert managers == {anne.pk: None, bruno.pk: None, chloe.pk: None, other.pk: boss.pk}
    entries = {
        entry.target_id: (entry.old_value, entry.new_value)
        for entry in AuditEntry.objects.filter(action="accounts.profile_changed")
    }
    assert entries == {
        str(bruno.pk): ({"manager": boss.username}, {"manager": None}),
        str(other.pk): ({"manager": None}, {"manager": boss.username}),
    }
