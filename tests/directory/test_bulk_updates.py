"""An incremental run updates changed people in batches (`directory.actions._update_batch`,
the accounts' `apply_identity_attributes_many`) and deactivates removed people at once
(`deactivate_people`), against the real slapd: a fixed number of statements per batch whatever
the number of changed people, and every effect of the one-at-a-time path kept — the profile and
account columns, the search columns and index, the audit entries (old → new), the managers, a
deactivated person's sessions and sockets, the report and the dry run's counts."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from cercle.accounts.actions import identity as identity_actions
from cercle.accounts.actions import people as people_actions
from cercle.accounts.models import Department, Profile, Site, User
from cercle.audit.models import AuditEntry
from cercle.core.text import normalize
from cercle.directory import actions, reader
from cercle.directory import queries as directory_queries
from cercle.directory.models import DirectoryPerson, RunStatus, SyncRun
from cercle.search import queries as search_queries
from cercle.search.models import SearchDocument
from tests.directory import directory_data as data
from tests.directory.conftest import Statements, sync
from tests.factories import make_admin, make_user
from tests.helpers.sockets import drain, socket_for

pytestmark = pytest.mark.django_db


def _links(name: str) -> list[DirectoryPerson]:
    return list(
        DirectoryPerson.objects.filter(dn__endswith=f"ou={name},{data.SUFFIX}")
        .order_by("username")
        .select_related("user")
    )


def _change(slapd: data.Slapd, rows: list[DirectoryPerson], tag: str) -> None:
    """Each row's title changes; every fifth also moves to a new department and site (a second
    set of changed columns); every seventh gets a new surname (an account column)."""
    changes = []
    for i, row in enumerate(rows):
        lines = [f"dn: {row.dn}", "changetype: modify", "replace: title", f"title: {tag} {i}"]
        if i % 5 == 0:
            lines += ["-", "replace: departmentNumber", f"departmentNumber: Service {tag}"]
            lines += ["-", "replace: l", f"l: Site {tag}"]
        if i % 7 == 0:
            lines += ["-", "replace: sn", f"sn: Renamed{tag}{i}"]
        changes.append("\n".join(lines) + "\n")
    slapd.ldapmodify("\n".join(changes))


def test_updating_5_or_50_changed_people_costs_the_same_statements(
    configure: Any, unit: Any, slapd: data.Slapd
) -> None:
    name = unit(120)
    configure(name)
    assert sync().created_count == 120
    links = _links(name)
    counts = {}
    for size, rows, tag in ((5, links[:5], "Small"), (50, links[10:60], "Large")):
        _change(slapd, rows, tag)
        with Statements() as statements:
            run = sync()
        assert run.status == RunStatus.DONE, run.report
        assert run.updated_count == size and run.refused_count == 0, run.report
        counts[size] = len(statements)
    # The same statements for 50 as for 5 (the places "Service Large" and "Site Large" are
    # created as "Service Small" and "Site Small" were).
    assert 0 < counts[50] <= counts[5], counts
    assert counts[50] < 60, counts
    changed = Profile.objects.select_related("user", "department", "site").get(user=links[10].user)
    assert changed.job_title == "Large 0"
    assert changed.department is not None and changed.department.name == "Service Large"
    assert changed.site is not None and changed.site.name == "Site Large"
    assert changed.user.last_name == "RenamedLarge0"
    assert "renamedlarge0" in changed.search_text and "service large" in changed.search_text
    assert Department.objects.filter(name="Service Large").count() == 1
    assert Site.objects.filter(name="Site Large").count() == 1
    untouched = Profile.objects.get(user=links[9].user)
    assert untouched.job_title == "Chargé de mission"


def test_a_batch_update_keeps_every_effect_of_the_single_path(
    configure: Any, unit: Any, slapd: data.Slapd, admin: User
) -> None:
    name = unit(12)
    configure(name)
    assert sync().created_count == 12
    links = _links(name)
    single, batched = links[2], links[3]
    entries = {}
    for row in (single, batched):
        slapd.ldapmodify(
            f"dn: {row.dn}\nchangetype: modify\nreplace: title\ntitle: Archiviste\n-\n"
            f"replace: departmentNumber\ndepartmentNumber: Archives\n-\n"
            f"replace: l\nl: Angers\n-\n"
            f"replace: sn\nsn: Zéphyr{row.username}\n"
        )
    config = directory_queries.config()
    assert config is not None
    conn = reader.connect(config)
    try:
        plan = actions._plan(SyncRun.objects.create(), reader.people(conn, config))
    finally:
        conn.unbind()
    digests = {}
    for user_id, entry, photo_changed in plan.update:
        entries[user_id] = (entry, photo_changed)
        digests[user_id] = entry.digest()
    assert set(entries) == {single.user_id, batched.user_id}
    report: dict[str, Any] = {}
    entry, photo = entries[single.user_id]
    assert actions._update(admin, single.user_id, entry, photo, report)
    entry, photo = entries[batched.user_id]
    places = identity_actions.Places()
    assert actions._update_batch(admin, [(batched.user_id, entry, photo)], report, places) == 1

    def seen(link: DirectoryPerson) -> dict[str, Any]:
        person = User.objects.get(pk=link.user_id)
        profile = Profile.objects.select_related("department").get(user=person)
        document = SearchDocument.objects.get(kind="person", object_id=person.pk)
        stored = DirectoryPerson.objects.get(pk=link.pk)
        audit = AuditEntry.objects.get(action="accounts.identity_synced", target_id=str(person.pk))
        viewer = make_user()
        found = search_queries.search(viewer, "Archiviste", kinds=["person"])

        def mask(text: object) -> str:
            """What differs between the two people by design: username and first name."""
            for value in (link.username, person.first_name, normalize(person.first_name)):
                text = str(text).replace(value, "U")
            return str(text)

        return {
            "columns": (
                profile.job_title,
                profile.department.name if profile.department else None,
                mask(person.last_name),
            ),
            "search_text": mask(profile.search_text),
            "sort_name": mask(profile.sort_name),
            "document": (mask(document.title), mask(document.body)),
            "found": person.pk in [hit.document.object_id for hit in found.hits],
            "audit": (
                audit.actor_id == person.pk,
                sorted(audit.old_value or {}),
                {key: mask(value) for key, value in (audit.new_value or {}).items()},
            ),
            "link": (
                stored.digest == digests[link.user_id],
                stored.seen_at is not None,
            ),
        }

    expected = seen(single)
    assert expected["columns"] == ("Archiviste", "Archives", "ZéphyrU")
    assert expected["link"] == (True, True)
    assert "archiviste" in expected["document"][1].lower() and expected["found"]
    assert expected["audit"][0]  # the provider's change, in the person's name
    assert expected["audit"][1] == ["department", "job_title", "last_name", "site"]
    assert seen(batched) == expected
    assert [row["fields"] for row in report["updated"]] == [
        ["department", "job_title", "last_name", "site"],
        ["department", "job_title", "last_name", "site"],
    ]


def test_a_changed_manager_is_set_in_bulk_with_its_audit_entry_and_a_loop_refused(
    configure: Any, unit: Any, slapd: data.Slapd
) -> None:
    name = unit(30)
    configure(name)
    assert sync().created_count == 30
    links = _links(name)
    top, worker, boss = links[0], links[25], links[3]
    assert Profile.objects.get(user=top.user).manager_id is None
    old_manager = Profile.objects.get(user=worker.user).manager
    assert old_manager is not None and old_manager.pk != boss.user_id
    # The worker now reports to `boss`; the top of the tree to someone under them (a loop).
    slapd.ldapmodify(
        f"dn: {worker.dn}\nchangetype: modify\nreplace: manager\nmanager: {boss.dn}\n\n"
        f"dn: {top.dn}\nchangetype: modify\nreplace: manager\nmanager: {links[29].dn}\n"
    )
    run = sync()
    assert run.status == RunStatus.DONE, run.report
    assert Profile.objects.get(user=worker.user).manager_id == boss.user_id
    entry = AuditEntry.objects.filter(
        action="accounts.profile_changed", target_id=str(worker.user_id)
    ).latest("pk")
    assert entry.old_value == {"manager": old_manager.username}
    assert entry.new_value == {"manager": boss.user.username}
    assert Profile.objects.get(user=top.user).manager_id is None
    # The loop is refused and said so in the report, as `update_profile` refuses it.
    assert [row["entry"] for row in run.report["refused"]] == [top.user.username]


def test_removed_people_are_deactivated_at_once_sessions_ended_and_audited(
    configure: Any, unit: Any, slapd: data.Slapd, admin: User
) -> None:
    name = unit(40)
    configure(name)
    assert sync().created_count == 40
    links = _links(name)
    removed = links[10:13]
    sessions = []
    for row in removed:
        client = Client()
        client.force_login(row.user)
        assert client.get("/").status_code == 200
        sessions.append(client)
    stays = Client()
    stays.force_login(links[20].user)
    assert (
        SearchDocument.objects.filter(
            kind="person", object_id__in=[row.user_id for row in removed]
        ).count()
        == 3
    )
    for row in removed:
        slapd.ldapdelete(row.dn)
    with Statements() as statements:
        run = sync()
    assert run.status == RunStatus.DONE, run.report
    assert run.deactivated_count == 3
    gone = User.objects.filter(pk__in=[row.user_id for row in removed])
    assert all(not person.is_active and person.deactivated_at for person in gone)
    assert DirectoryPerson.objects.filter(user__in=gone, deactivated_by_sync=True).count() == 3
    for action in ("accounts.deactivated", "directory.person_deactivated"):
        assert set(
            AuditEntry.objects.filter(action=action).values_list("target_id", flat=True)
        ) >= {str(row.user_id) for row in removed}
    # Their sessions ended; someone else's did not.
    assert [client.get("/").status_code for client in sessions] == [302, 302, 302]
    assert stays.get("/").status_code == 200
    # They left the search index; their profile stays.
    assert not SearchDocument.objects.filter(
        kind="person", object_id__in=[row.user_id for row in removed]
    ).exists()
    assert Profile.objects.filter(user__in=gone).count() == 3
    assert sorted(row["email"] for row in run.report["deactivated"]) == sorted(
        row.user.email for row in removed
    )
    # One statement for all three, not one each.
    updates = [sql for sql in statements.sql if sql.startswith('UPDATE "accounts_user"')]
    assert len(updates) == 1, updates


def test_deactivating_people_in_bulk_refuses_what_one_by_one_refuses() -> None:
    admin = make_admin(username="only-admin", email="only-admin@example.org")
    other_admin = make_admin(username="second-admin", email="second-admin@example.org")
    hr = make_user(role="staff", username="hr", email="hr@example.org")
    anne = make_user()
    # The HR team may not deactivate an administrator.
    done, refused = people_actions.deactivate_people(actor=hr, people=[anne, other_admin])
    assert [person.pk for person in done] == [anne.pk]
    assert set(refused) == {other_admin.pk}
    # An administrator cannot deactivate themselves; of two admins, the last one stays.
    done, refused = people_actions.deactivate_people(actor=admin, people=[admin, other_admin])
    assert [person.pk for person in done] == [other_admin.pk]
    assert set(refused) == {admin.pk}
    assert User.objects.get(pk=admin.pk).is_active


async def _connected(user: User) -> Any:
    """A connected socket past its hello, with time to spare on a loaded machine."""
    comm = socket_for(user)
    ok, _code = await comm.connect(timeout=30)
    assert ok
    hello = await comm.receive_json_from(timeout=30)
    assert hello["type"] == "hello"
    await drain(comm)
    return comm


@pytest.mark.django_db(transaction=True)
async def test_a_deactivation_by_the_directory_closes_the_persons_sockets_only(
    configure: Any, unit: Any, slapd: data.Slapd
) -> None:
    name = await sync_to_async(unit)(6)
    await sync_to_async(configure)(name)
    first = await sync_to_async(sync)()
    assert first.created_count == 6
    links = await sync_to_async(_links)(name)
    tab, other = await _connected(links[2].user), await _connected(links[4].user)
    await sync_to_async(slapd.ldapdelete)(links[2].dn)
    # 1 of 6 is more than the 10 % allowed by default.
    await sync_to_async(configure)(name, max_deactivation_percent=50)
    run = await sync_to_async(sync)()
    assert run.deactivated_count == 1
    closed = await tab.receive_output(timeout=60)
    while closed["type"] != "websocket.close":
        closed = await tab.receive_output(timeout=60)
    assert closed["code"] == 4401
    assert await other.receive_nothing(timeout=0.3)
    await other.disconnect()


def test_a_dry_run_counts_the_updates_the_real_run_then_makes(
    configure: Any, unit: Any, slapd: data.Slapd
) -> None:
    name = unit(25)
    configure(name, max_deactivation_percent=50)
    assert sync().created_count == 25
    links = _links(name)
    _change(slapd, links[:7], "Dry")
    slapd.ldapdelete(links[20].dn)
    dry = sync(dry_run=True)
    assert Profile.objects.get(user=links[0].user).job_title == "Chargé de mission"
    real = sync()
    assert (dry.updated_count, dry.deactivated_count) == (7, 1)
    assert (real.updated_count, real.deactivated_count) == (
        dry.updated_count,
        dry.deactivated_count,
    )
    assert len(real.report["updated"]) == len(dry.report["updated"]) == 7
