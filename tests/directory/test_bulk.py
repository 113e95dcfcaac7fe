"""The first run creates new people in batches (`accounts.actions.people.create_people`): each
one as whole as the one-by-one path (`_create`, which a sign-in by LDAP bind still takes) makes
them — account, profile and its directory columns, place, manager, verified address, invitation,
search index entry, audit entry, profile page, the people directory — in a fixed number of queries
per batch whatever its size."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cercle.accounts import queries as account_queries
from cercle.accounts.actions import profiles as profile_actions
from cercle.accounts.models import Invitation, Profile, User
from cercle.audit.models import AuditEntry
from cercle.directory import actions, reader
from cercle.directory.models import DirectoryPerson
from cercle.search import queries as search_queries
from cercle.search.models import SearchDocument
from tests.directory import directory_data as data
from tests.factories import make_user
from tests.helpers.whole_person import assert_whole_person

pytestmark = pytest.mark.django_db


def _entry(index: int, **changes: Any) -> reader.PersonEntry:
    values: dict[str, Any] = {
        "dn": f"uid=b{index},ou=bulk,dc=example,dc=org",
        "key": f"key-{index}",
        "username": f"b{index}",
        "email": f"bulk{index}@example.org",
        "first_name": "Élise",
        "last_name": f"Zorglub{index}",
        "job_title": "Cheffe de projet",
        "department": "Logistique",
        "site": "Brest",
        "phone": "+33 2 00 00 00 00",
        "language": "en-GB",
    }
    values.update(changes)
    return reader.PersonEntry(**values)


def _whole(user: User) -> dict[str, Any]:
    """Everything that makes a whole person, with what differs by design (the names) masked."""
    user.refresh_from_db()
    profile = Profile.objects.select_related("department", "site", "manager").get(user=user)
    document = SearchDocument.objects.get(kind="person", object_id=user.pk)
    link = DirectoryPerson.objects.get(user=user)
    viewer = make_user()
    client = Client()
    client.force_login(viewer)
    found = search_queries.search(viewer, user.last_name, kinds=["person"])
    return {
        "user": (user.first_name, user.role, user.is_active, user.language),
        "usable_password": user.has_usable_password(),
        "profile": (
            profile.job_title,
            profile.phone,
            profile.department.name if profile.department else None,
            profile.site.name if profile.site else None,
            profile.manager.email if profile.manager else None,
        ),
        "search_text": profile.search_text.replace(user.last_name.lower(), "NAME").replace(
            user.username, "USER"
        ),
        "sort_name": profile.sort_name.replace(user.last_name.lower(), "NAME"),
        "address": list(EmailAddress.objects.filter(user=user).values_list("verified", "primary")),
        "invitation": list(
            Invitation.objects.filter(user=user).values_list("accepted_at", "invited_by")
        ),
        "document": (document.title.replace(user.last_name, "NAME"), document.language),
        "document_body": document.body.replace(user.username, "USER"),
        "found_by_search": user.pk in [hit.document.object_id for hit in found.hits],
        "listed": account_queries.listed_profiles(viewer).filter(user=user).exists(),
        "link": (link.digest != "", link.seen_at is not None, link.deactivated_by_sync),
        "audited": AuditEntry.objects.filter(
            action="directory.person_created", target_id=str(user.pk)
        ).exists(),
        "page": client.get(f"/people/{user.username}/").status_code,
        "photo": profile.photo.name.endswith(".jpg") and profile.photo.size > 0,
        "audit": sorted(
            AuditEntry.objects.filter(target_id=str(user.pk)).values_list("action", flat=True)
        ),
    }


def test_the_bulk_path_gives_the_same_whole_person_as_the_single_path() -> None:
    actor = make_user(role="admin", username="bulk-admin", email="bulk-admin@example.org")
    boss = make_user(username="boss", email="boss@example.org")
    plan = actions._Plan(dn_to_user={"uid=boss,ou=bulk,dc=example,dc=org": boss.pk})
    report: dict[str, Any] = {}
    manager_dn = "uid=boss,ou=bulk,dc=example,dc=org"
    photo = data.jpeg(5)
    single = actions._create(actor, _entry(1, manager_dn=manager_dn, photo=photo), report, boss.pk)
    assert single is not None
    made = actions._create_batch(
        actor, [_entry(2, manager_dn=manager_dn, photo=photo)], plan, report, actions._Bulk()
    )
    bulk = User.objects.get(pk=made["key-2"])
    expected = _whole(single)
    assert expected["profile"] == (
        "Cheffe de projet",
        "+33 2 00 00 00 00",
        "Logistique",
        "Brest",
        "boss@example.org",
    )
    assert expected["found_by_search"] and expected["listed"] and expected["page"] == 200
    assert expected["photo"]
    got = _whole(bulk)
    # The single path also audits the invitation and the identity attributes it set after it;
    # the bulk path writes the person whole at once: one entry for the creation, one for the photo.
    assert got.pop("audit") == ["accounts.profile_changed", "directory.person_created"]
    assert set(expected.pop("audit")) >= {"accounts.profile_changed", "directory.person_created"}
    assert got == expected
    assert_whole_person(bulk, name="Zorglub2")
    assert "refused" not in report
    assert [row["email"] for row in report["created"]] == [
        "bulk1@example.org",
        "bulk2@example.org",
    ]


def _batch_queries(size: int, first: int) -> int:
    actor = User.objects.get(username="bulk-admin")
    entries = [
        _entry(
            first + i,
            department=f"Service {i % 3}",
            # A manager earlier in the same batch, as a directory's tree has them.
            manager_dn=f"uid=b{first},ou=bulk,dc=example,dc=org" if i else "",
        )
        for i in range(size)
    ]
    bulk = actions._Bulk()
    with CaptureQueriesContext(connection) as queries:
        made = actions._create_batch(actor, entries, actions._Plan(), {}, bulk)
    assert len(made) == size
    people = Profile.objects.filter(user_id__in=made.values()).exclude(user_id=made[f"key-{first}"])
    assert {profile.manager_id for profile in people} == {made[f"key-{first}"]}
    assert SearchDocument.objects.filter(kind="person", object_id__in=made.values()).count() == size
    return len(queries)


def test_a_batch_costs_a_fixed_number_of_queries() -> None:
    make_user(role="admin", username="bulk-admin", email="bulk-admin@example.org")
    small = _batch_queries(5, 100)
    large = _batch_queries(60, 200)
    # The three departments are created by the first batch only (3 × find + create).
    assert large <= small, (small, large)
    assert large < 40, large


def test_an_address_already_in_cercle_goes_the_single_way() -> None:
    actor = make_user(role="admin", username="bulk-admin", email="bulk-admin@example.org")
    known = make_user(username="known", email="bulk7@example.org")
    report: dict[str, Any] = {}
    made = actions._create_batch(
        actor, [_entry(7), _entry(8)], actions._Plan(), report, actions._Bulk()
    )
    # The known address is adopted (linked, as `_create` does); the other created in bulk.
    assert made["key-7"] == known.pk
    assert DirectoryPerson.objects.get(user=known).key == "key-7"
    assert User.objects.get(pk=made["key-8"]).email == "bulk8@example.org"


def test_managers_of_new_people_in_bulk_leave_a_cycle_to_the_single_path() -> None:
    actor = make_user(role="admin", username="bulk-admin", email="bulk-admin@example.org")
    a, b, c, d = (make_user(username=f"n{i}", email=f"n{i}@example.org") for i in range(4))
    with CaptureQueriesContext(connection) as queries:
        left = profile_actions.set_new_people_managers(
            actor=actor, managers={a.pk: b.pk, b.pk: a.pk, c.pk: a.pk, d.pk: c.pk}
        )
    assert left == {a.pk, b.pk}
    managers = dict(
        Profile.objects.filter(user__in=[a, b, c, d]).values_list("user_id", "manager_id")
    )
    assert managers == {a.pk: None, b.pk: None, c.pk: a.pk, d.pk: c.pk}
    assert AuditEntry.objects.filter(action="accounts.profile_changed").count() == 2
    assert len(queries) <= 6, [q["sql"][:60] for q in queries]


def test_the_digest_is_the_one_stored_by_earlier_versions() -> None:
    """The digest is written out field by field (for speed): it must stay what earlier versions
    stored (all fields as `dataclasses.asdict` gives them, the photo by its own digest), or every
    person would be rewritten by the first run after an upgrade."""
    import dataclasses
    import hashlib
    import json

    entry = _entry(3, manager_dn="uid=boss,ou=bulk,dc=example,dc=org", photo=data.jpeg(3))
    entry.member_of = ["cn=a,dc=example,dc=org", "cn=b,dc=example,dc=org"]
    values = dataclasses.asdict(entry)
    values.pop("photo")
    values["photo"] = reader.photo_digest(entry.photo)
    expected = hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()
    assert entry.digest() == expected
    assert _entry(3).digest() != expected
