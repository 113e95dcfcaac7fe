"""The synchronisation against a real slapd: a first run creates whole people, an incremental
run updates and deactivates, a search that finds nobody or far fewer deactivates nobody and
alerts the administrators, nested groups give space memberships, a dry run changes nothing,
Active Directory's attribute names through the preset."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.test import Client

from cercle.accounts.models import Profile, User
from cercle.directory import actions
from cercle.directory.models import DirectoryPerson, GroupRule, RunStatus
from cercle.notifications.models import Notification
from cercle.spaces.models import Membership
from tests.directory import directory_data as data
from tests.directory.conftest import SEEDED, Statements, sync
from tests.factories import make_space, make_user

pytestmark = pytest.mark.django_db


def test_a_first_run_creates_every_person_whole(configure: Any) -> None:
    configure("people")
    run = sync()
    assert run.status == RunStatus.DONE, run.report
    assert (run.found, run.created_count, run.refused_count) == (SEEDED, SEEDED, 0)
    people = User.objects.filter(directory_person__isnull=False)
    assert people.count() == SEEDED
    # A whole person: profile (department, site, title, phone, manager), verified address,
    # a directory entry (searchable), and their profile page answers.
    person = User.objects.get(email="p000011@example.org")
    profile = Profile.objects.select_related("department", "site", "manager").get(user=person)
    assert (person.first_name, person.last_name) == (
        "Bruno",
        "Martin11",
    ) or person.last_name == "Martin11"
    assert profile.department is not None and profile.department.name == data.DEPARTMENTS[11 % 5]
    assert profile.site is not None and profile.site.name == data.SITES[11 % 3]
    assert profile.job_title == "Chargé de mission"
    assert profile.manager is not None and profile.manager.email == "p000001@example.org"
    assert "martin11" in profile.search_text.lower()
    assert EmailAddress.objects.filter(user=person, verified=True, primary=True).exists()
    with_photo = Profile.objects.get(user__email="p000013@example.org")
    assert with_photo.photo.name.endswith(".jpg")
    assert not Profile.objects.get(user__email="p000014@example.org").photo
    assert person.has_usable_password() is False
    client = Client()
    client.force_login(make_user())
    assert client.get(f"/people/{person.username}/").status_code == 200
    # No mail to anyone: they sign in with their directory password.
    assert not [m for m in mail.outbox if "invited" in m.subject.lower()]
    # A second run with nothing changed writes nothing.
    again = sync()
    assert (again.created_count, again.updated_count, again.deactivated_count) == (0, 0, 0)


def test_an_incremental_run_updates_the_changed_and_deactivates_the_removed(
    configure: Any, unit: Any, slapd: data.Slapd
) -> None:
    name = unit(20)
    configure(name)
    first = sync()
    assert first.created_count == 20
    # Nothing changed: no write, and no query per person (20 people here, a fixed number).
    with Statements() as queries:
        unchanged = sync()
    assert (unchanged.updated_count, unchanged.created_count) == (0, 0)
    assert 0 < len(queries) < 25, [sql[:80] for sql in queries.sql]
    people = list(DirectoryPerson.objects.order_by("username").select_related("user"))
    changed, removed = people[3], people[5]
    session = Client()
    session.force_login(removed.user)
    assert session.get("/").status_code == 200
    slapd.ldapmodify(
        f"dn: {changed.dn}\nchangetype: modify\nreplace: title\ntitle: Directrice commerciale\n"
    )
    slapd.ldapdelete(removed.dn)
    second = sync()
    assert second.status == RunStatus.DONE, second.report
    assert (second.updated_count, second.deactivated_count, second.created_count) == (1, 1, 0)
    assert Profile.objects.get(user=changed.user).job_title == "Directrice commerciale"
    gone = User.objects.get(pk=removed.user_id)
    assert not gone.is_active and gone.deactivated_at is not None
    assert Profile.objects.filter(user=gone).exists()  # kept: never deleted
    assert second.report["deactivated"][0]["email"] == gone.email
    assert User.objects.filter(pk__in=[p.user_id for p in people], is_active=True).count() == 19
    # Their session ended with the deactivation (as an administrator's or SCIM's does).
    assert session.get("/").status_code == 302


@pytest.mark.parametrize("how", ["nothing", "far fewer"])
def test_a_search_finding_nobody_or_far_fewer_deactivates_nobody_and_alerts(
    configure: Any, unit: Any, slapd: data.Slapd, admin: User, how: str
) -> None:
    name = unit(20)
    configure(name)
    assert sync().created_count == 20
    if how == "nothing":
        configure(name, user_filter="(uid=nobody-at-all)")
    else:
        for row in DirectoryPerson.objects.order_by("username")[:5]:  # 25 % > 10 %
            slapd.ldapdelete(row.dn)
    mail.outbox.clear()
    run = sync()
    assert run.status == RunStatus.HELD
    assert run.deactivated_count == 0
    assert run.report["would_deactivate"] == (20 if how == "nothing" else 5)
    assert User.objects.filter(directory_person__isnull=False, is_active=True).count() == 20
    assert Notification.objects.filter(recipient=admin, kind="directory_alert").exists()
    assert [m.to for m in mail.outbox] == [[admin.email]]
    assert "deactivated" in mail.outbox[0].body or "désactivé" in mail.outbox[0].body


def test_nested_groups_give_space_membership_and_a_cycle_ends(configure: Any, admin: User) -> None:
    space = make_space(owner=admin, name="Tout le monde technique")
    configure("people")
    actions.add_rule(
        actor=admin, group_dn=f"cn=all,ou=groups,{data.SUFFIX}", kind="space", space=space
    )
    actions.add_rule(
        actor=admin,
        group_dn=f"cn=backend,ou=groups,{data.SUFFIX}",
        kind="department",
        name="Back-end",
    )
    run = sync()
    members = set(Membership.objects.filter(space=space).values_list("user__email", flat=True))
    assert {"p000000@example.org", "p000001@example.org", "p000002@example.org"} <= members
    assert "p000003@example.org" not in members
    # The cycle (backend contains all) makes backend's people everyone of all's.
    backend = Profile.objects.filter(department__name="Back-end").values_list(
        "user__email", flat=True
    )
    assert set(backend) == {"p000000@example.org", "p000001@example.org", "p000002@example.org"}
    assert run.report["nested"] == "expanded"
    # The rule goes: the members the directory added leave the space, its owner stays.
    for rule in GroupRule.objects.filter(kind="space"):
        actions.delete_rule(actor=admin, rule=rule)
    sync()
    assert set(Membership.objects.filter(space=space).values_list("user_id", flat=True)) == {
        admin.pk
    }


def test_a_dry_run_changes_nothing_and_says_what_would(configure: Any, admin: User) -> None:
    configure("people")
    before = User.objects.count()
    run = sync(dry_run=True)
    assert run.status == RunStatus.DONE
    assert run.created_count == SEEDED
    assert len(run.report["created"]) == 200  # the report keeps the first 200 rows
    assert User.objects.count() == before
    assert not DirectoryPerson.objects.exists()


def test_a_dry_run_counts_the_memberships_of_the_people_it_would_create(
    configure: Any, admin: User
) -> None:
    space = make_space(owner=admin, name="Technique")
    configure("people")
    groups = f"ou=groups,{data.SUFFIX}"
    actions.add_rule(actor=admin, group_dn=f"cn=all,{groups}", kind="space", space=space)
    actions.add_rule(
        actor=admin, group_dn=f"cn=backend,{groups}", kind="department", name="Back-end"
    )
    # engineering holds p0, p1 and p2 (through the cycle); p0's entry is in Lyon already.
    actions.add_rule(actor=admin, group_dn=f"cn=engineering,{groups}", kind="site", name="Lyon")
    with Statements() as queries:
        dry = sync(dry_run=True)
    assert dry.created_count == SEEDED
    # A fixed number of queries for the 300 people it would create, rules and all.
    assert 0 < len(queries) < 40, [sql[:80] for sql in queries.sql]
    expected = [
        {"space": "Technique", "added": 3, "removed": 0},
        {"department": "Back-end", "added": 3, "removed": 0},
        {"site": "Lyon", "added": 2, "removed": 0},
    ]
    assert dry.report["memberships"] == expected
    assert set(Membership.objects.filter(space=space).values_list("user_id", flat=True)) == {
        admin.pk
    }
    assert not DirectoryPerson.objects.exists()
    # The real run does what the dry run said.
    real = sync()
    assert real.report["memberships"] == expected
    assert Membership.objects.filter(space=space).count() == 4
    # Nothing left to do: a second dry run counts nothing.
    again = sync(dry_run=True)
    assert [row["added"] for row in again.report["memberships"]] == [0, 0, 0]


def test_the_command_runs_a_dry_run(configure: Any, capsys: Any) -> None:
    configure("people")
    call_command("sync_directory", "--dry-run")
    out = capsys.readouterr().out
    assert f"{SEEDED} found, {SEEDED} created" in out and "nothing changed" in out
    assert not DirectoryPerson.objects.exists()


def test_active_directory_names_through_the_preset(
    configure: Any, unit: Any, slapd: data.Slapd
) -> None:
    name = unit(12, ad=True)
    # One disabled account (userAccountControl 514).
    first = DirectoryPerson.objects.count()
    dn = f"uid=p099999,ou={name},{data.SUFFIX}"
    slapd.ldapadd(data.person_ldif(f"ou={name},{data.SUFFIX}", 99999, ad=True, disabled=True))
    configure(name, preset="active_directory")
    run = sync()
    assert run.created_count == 12, run.report
    assert any(row["dn"] == dn for row in run.report["refused"])
    assert DirectoryPerson.objects.count() == first + 12
    row = DirectoryPerson.objects.order_by("username").first()
    assert row is not None and len(row.key) == 36  # objectGUID read as a GUID
    profile = Profile.objects.select_related("department", "site").get(user=row.user)
    assert profile.department is not None and profile.department.name in data.DEPARTMENTS
    assert profile.site is not None and profile.site.name in data.SITES
    photo = Profile.objects.filter(user__directory_person__username__endswith="3").exclude(photo="")
    assert photo.exists()  # from thumbnailPhoto


def test_the_safety_limit_is_configurable(configure: Any, unit: Any, slapd: data.Slapd) -> None:
    name = unit(10)
    configure(name, max_deactivation_percent=50)
    sync()
    for row in DirectoryPerson.objects.order_by("username")[:3]:
        slapd.ldapdelete(row.dn)
    run = sync()
    assert (run.status, run.deactivated_count) == (RunStatus.DONE, 3)
