"""The CSV importer: parsing, checking every row, and importing all or nothing."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cercle.accounts import importer
from cercle.accounts.actions import people
from cercle.accounts.models import Department, Invitation, Profile, Role, Site, User
from cercle.audit.models import AuditEntry
from tests.factories import make_admin, make_department, make_site, make_user

pytestmark = pytest.mark.django_db


def to_csv(rows: list[dict[str, str]], *, delimiter: str = ",", columns: Any = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=list(columns or importer.COLUMNS), delimiter=delimiter, lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def person(n: int, **values: str) -> dict[str, str]:
    return {
        "email": f"p{n}@example.org",
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        **values,
    }


def check(text: str, *, create_missing: bool = False) -> importer.CheckedFile:
    return people.check_import(text, create_missing=create_missing)


def errors_of(checked: importer.CheckedFile) -> list[tuple[int, str]]:
    return [(e.row, e.field) for e in checked.errors]


# --- Reading the file -------------------------------------------------------------------------


def test_bom_semicolons_and_column_order_are_accepted() -> None:
    department = make_department("Comptabilité")
    text = (
        "\ufeffLast_Name;Email;first_name;department\nMartin;C.M@example.org;Claire;comptabilite\n"
    )
    checked = check(importer.decode(text.encode("utf-8")))
    assert checked.errors == []
    [row] = checked.rows
    assert (row.email, row.first_name, row.last_name) == ("c.m@example.org", "Claire", "Martin")
    assert row.department == "comptabilite"
    people_ids = people.import_people(actor=make_admin(), checked=checked)
    assert Profile.objects.get(user_id=people_ids[0]).department == department


def test_windows_1252_is_accepted() -> None:
    data = "email;first_name;last_name\nh@example.org;Hélène;Dupré\n".encode("cp1252")
    [row] = check(importer.decode(data)).rows
    assert row.first_name == "Hélène"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("", "empty"),
        ("email,first_name", "Missing columns: last_name"),
        ("email,first_name,last_name,shoe_size", "Unknown columns: shoe_size"),
        ("email,email,first_name,last_name", "Columns named twice: email"),
    ],
)
def test_a_bad_header_is_a_file_error(header: str, message: str) -> None:
    with pytest.raises(importer.ImportFileError) as error:
        check(header + "\n")
    assert message in str(error.value)


def test_each_invalid_row_is_reported_with_row_field_and_message() -> None:
    make_department("Finance")
    make_site("Paris")
    make_user(email="exists@example.org")
    text = to_csv(
        [
            person(1, department="Finance", site="Paris"),  # row 2: fine
            person(2, email="not an email"),  # row 3
            person(3, email="P1@example.org"),  # row 4: duplicate of row 2
            person(4, email="EXISTS@example.org"),  # row 5
            person(5, department="Marketing"),  # row 6
            person(6, site="Mars"),  # row 7
            person(7, role="king"),  # row 8
            person(8, manager_email="nobody@example.org"),  # row 9
            person(9, first_name=""),  # row 10
            person(10, phone="call me"),  # row 11
            person(11, manager_email="p12@example.org"),  # row 12: cycle 11 -> 12 -> 11
            person(12, manager_email="p11@example.org"),  # row 13
            person(13, manager_email="p9@example.org"),  # row 14: manager row 10 is invalid
            person(14, manager_email="p14@example.org"),  # row 15: own manager
        ]
    )
    checked = check(text)
    assert errors_of(checked) == [
        (3, "email"),
        (4, "email"),
        (5, "email"),
        (6, "department"),
        (7, "site"),
        (8, "role"),
        (9, "manager_email"),
        (10, "first_name"),
        (11, "phone"),
        (12, "manager_email"),
        (13, "manager_email"),
        (14, "manager_email"),
        (15, "manager_email"),
    ]
    messages = {e.row: e.message for e in checked.errors}
    assert "Not a valid email" in messages[3]
    assert "already on row 2" in messages[4]
    assert "exists" in messages[5]
    assert "Unknown department" in messages[6]
    assert "Unknown site" in messages[7]
    assert "Unknown role" in messages[8]
    assert "Unknown manager" in messages[9]
    assert "required" in messages[10]
    assert "cycle" in messages[12] and "cycle" in messages[13]
    assert "row (10) is invalid" in messages[14]
    assert "cycle" in messages[15]
    assert [row.row for row in checked.valid_rows] == [2]


def test_create_missing_turns_unknown_places_into_new_ones() -> None:
    text = to_csv(
        [person(1, department="Marketing", site="Brest"), person(2, department="marketing")]
    )
    checked = check(text, create_missing=True)
    assert checked.errors == []
    people.import_people(actor=make_admin(), checked=checked)
    assert list(Department.objects.values_list("name", flat=True)) == ["Marketing"]
    assert list(Site.objects.values_list("name", flat=True)) == ["Brest"]
    assert Profile.objects.filter(department__name="Marketing").count() == 2


def test_managers_from_the_file_and_from_the_database_are_set() -> None:
    boss = make_user(email="boss@example.org")
    text = to_csv(
        [
            person(1, manager_email="p2@example.org"),  # manager later in the file
            person(2, manager_email="BOSS@example.org"),
            person(3, role="Admin"),
        ]
    )
    checked = check(text)
    assert checked.errors == []
    people.import_people(actor=make_admin(), checked=checked)
    p1 = User.objects.get(email="p1@example.org")
    p2 = User.objects.get(email="p2@example.org")
    assert p1.profile.manager == p2
    assert p2.profile.manager == boss
    p3 = User.objects.get(email="p3@example.org")
    assert p3.role == Role.ADMIN and p3.is_staff and p3.is_superuser


def test_imported_people_are_invited_people_with_one_audit_entry(
    django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    admin = make_admin()
    text = to_csv([person(n, job_title="Juriste", team="Contrats") for n in range(1, 6)])
    with django_capture_on_commit_callbacks(execute=True):
        ids = people.import_people(actor=admin, checked=check(text), send_invitations=True)
    assert len(ids) == 5
    users = User.objects.filter(pk__in=ids)
    assert all(user.is_active and not user.has_usable_password() for user in users)
    assert EmailAddress.objects.filter(user__in=ids, verified=True, primary=True).count() == 5
    assert Invitation.objects.filter(user__in=ids, invited_by=admin).count() == 5
    assert Invitation.objects.filter(user__in=ids, sent_at__isnull=False).count() == 5
    assert "juriste" in Profile.objects.get(user_id=ids[0]).search_text
    entry = AuditEntry.objects.get(action="accounts.imported")
    assert entry.new_value["created"] == 5
    assert AuditEntry.objects.count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == [f"p{n}@example.org" for n in range(1, 6)]


def test_usernames_stay_unique() -> None:
    make_user(username="p1", email="other@example.net")
    text = to_csv([person(1), {**person(2), "email": "p1@example.com"}])
    ids = people.import_people(actor=make_admin(), checked=check(text))
    usernames = set(User.objects.filter(pk__in=ids).values_list("username", flat=True))
    assert len(usernames) == 2 and "p1" not in usernames


def test_a_failure_midway_leaves_nothing_behind(monkeypatch: Any) -> None:
    admin = make_admin()
    text = to_csv([person(n, department="Neuf") for n in range(1, 1200)])
    checked = check(text, create_missing=True)
    calls = {"n": 0}
    original = Invitation.objects.bulk_create

    def failing(objs: Any, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(objs, *args, **kwargs)

    monkeypatch.setattr(Invitation.objects, "bulk_create", failing)
    before = User.objects.count()
    with pytest.raises(RuntimeError):
        people.import_people(actor=admin, checked=checked)
    assert User.objects.count() == before
    assert not Department.objects.filter(name="Neuf").exists()
    assert not AuditEntry.objects.filter(action="accounts.imported").exists()


def test_ten_thousand_rows(capsys: Any) -> None:
    admin = make_admin()
    boss = make_user(email="ceo@example.org")
    make_department("Ventes")
    make_site("Lille")
    rows = [
        person(
            n,
            department="Ventes",
            site="Lille",
            job_title="Commercial",
            # Every hundredth person reports to the CEO, the others to their hundred's head.
            manager_email="ceo@example.org"
            if n % 100 == 0 or n < 100
            else f"p{n - n % 100}@example.org",
        )
        for n in range(1, 10_001)
    ]
    text = to_csv(rows)
    started = time.perf_counter()
    checked = check(text)
    assert checked.errors == []
    ids = people.import_people(actor=admin, checked=checked)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n10,000-row import (check + write): {elapsed:.1f} s")
    assert len(ids) == 10_000
    assert User.objects.filter(email__endswith="@example.org", pk__in=ids).count() == 10_000
    assert Profile.objects.filter(user__in=ids, department__name="Ventes").count() == 10_000
    assert Invitation.objects.filter(user__in=ids).count() == 10_000
    assert Profile.objects.filter(manager=boss).count() == 100 + 99
    assert User.objects.get(email="p150@example.org").profile.manager.email == "p100@example.org"  # type: ignore[union-attr]
    assert AuditEntry.objects.filter(action="accounts.imported").count() == 1


# --- Property tests ---------------------------------------------------------------------------

_name = (
    st.text(
        alphabet=st.characters(
            categories=["L", "Zs"], exclude_characters="\x85\u2028\u2029", max_codepoint=0x2FF
        ),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool)
)
_local = st.from_regex(r"[a-z][a-z0-9._-]{0,15}[a-z0-9]", fullmatch=True).filter(
    lambda s: ".." not in s
)


@st.composite
def valid_files(draw: Any) -> tuple[list[dict[str, str]], str]:
    count = draw(st.integers(min_value=1, max_value=12))
    locals_ = draw(st.lists(_local, min_size=count, max_size=count, unique=True))
    rows: list[dict[str, str]] = []
    for local in locals_:
        row = {
            "email": f"{local}@prop.example.org",
            "first_name": draw(_name),
            "last_name": draw(_name),
            "job_title": draw(st.one_of(st.just(""), _name)),
            "department": draw(st.sampled_from(["", "Finance", "FINANCE", "Informatique"])),
            "site": draw(st.sampled_from(["", "Paris", "Lyon"])),
            "role": draw(st.sampled_from(["", "member", "staff", "guest", "ADMIN"])),
            "team": draw(st.one_of(st.just(""), _name)),
            "phone": draw(st.sampled_from(["", "+33 1 23 45 67 89", "06.12.34.56.78"])),
            # Managers only among earlier rows, or the existing person: no cycles.
            "manager_email": draw(
                st.sampled_from(["", "boss@prop.example.org"] + [r["email"] for r in rows])
            ),
        }
        rows.append(row)
    delimiter = draw(st.sampled_from([",", ";"]))
    return rows, to_csv(rows, delimiter=delimiter)


@pytest.fixture
def prop_world(db: Any) -> User:
    make_department("Finance")
    make_department("Informatique")
    make_site("Paris")
    make_site("Lyon")
    make_user(email="boss@prop.example.org")
    return make_admin()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(generated=valid_files(), bom=st.booleans())
def test_any_valid_file_imports_exactly_its_rows(
    prop_world: User, generated: tuple[list[dict[str, str]], str], bom: bool
) -> None:
    rows, text = generated
    data = (("\ufeff" if bom else "") + text).encode("utf-8")
    before = User.objects.count()
    checked = check(importer.decode(data))
    assert checked.errors == []
    ids = people.import_people(actor=prop_world, checked=checked)
    try:
        assert User.objects.count() == before + len(rows)
        imported = {
            u.email: u for u in User.objects.filter(pk__in=ids).select_related("profile__manager")
        }
        assert set(imported) == {row["email"] for row in rows}
        for row in rows:
            user = imported[row["email"]]
            assert user.first_name == row["first_name"] and user.last_name == row["last_name"]
            assert user.role == (row["role"].lower() or "member")
            manager = user.profile.manager
            assert (manager.email if manager else "") == row["manager_email"]
    finally:
        User.objects.filter(pk__in=ids).delete()


_CORRUPTIONS = {
    "email": ["not-an-email", "", "boss@prop.example.org"],
    "first_name": [""],
    "last_name": ["", "x" * 151],
    "department": ["Nowhere"],
    "site": ["Atlantis"],
    "role": ["emperor"],
    "manager_email": ["ghost@prop.example.org"],
    "phone": ["call me maybe"],
}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(generated=valid_files(), data=st.data())
def test_any_corrupted_row_is_reported_and_nothing_is_imported(
    prop_world: User, generated: tuple[list[dict[str, str]], str], data: Any
) -> None:
    rows, _text = generated
    index = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    field = data.draw(st.sampled_from(sorted(_CORRUPTIONS)))
    rows[index] = {**rows[index], field: data.draw(st.sampled_from(_CORRUPTIONS[field]))}
    text = to_csv(rows, delimiter=data.draw(st.sampled_from([",", ";"])))
    checked = check(text)
    reported = {(e.row, e.field) for e in checked.errors}
    assert (index + 2, field) in reported
    before = User.objects.count()
    # What the import job does: nothing is imported while any row is invalid.
    from cercle.administration import actions
    from cercle.administration.models import ImportJob

    job = actions.start_import(actor=prop_world, filename="x.csv", data=text.encode())
    assert actions.run_import_job(job_id=job.pk) == ImportJob.Status.INVALID
    assert User.objects.count() == before
    job.refresh_from_db()
    assert {"row": index + 2, "field": field} in [
        {"row": e["row"], "field": e["field"]} for e in job.report["errors"]
    ]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(generated=valid_files(), data=st.data())
def test_a_row_with_too_many_values_is_reported_and_nothing_is_imported(
    prop_world: User, generated: tuple[list[dict[str, str]], str], data: Any
) -> None:
    rows, text = generated
    lines = text.split("\n")
    index = data.draw(st.integers(min_value=0, max_value=len(rows) - 1))
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    lines[index + 1] += f"{delimiter}extra{delimiter}values"
    checked = check("\n".join(lines))
    assert (index + 2, "") in {(e.row, e.field) for e in checked.errors}
    before = User.objects.count()
    from cercle.administration import actions
    from cercle.administration.models import ImportJob

    job = actions.start_import(actor=prop_world, filename="x.csv", data="\n".join(lines).encode())
    assert actions.run_import_job(job_id=job.pk) == ImportJob.Status.INVALID
    assert User.objects.count() == before
