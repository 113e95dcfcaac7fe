"""Reading the audit log: admins only, filters, keyset pagination, readable changes."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cercle.accounts.models import Role
from cercle.audit import queries
from cercle.audit.actions import log_event
from cercle.audit.models import AuditEntry
from cercle.core.pagination import InvalidCursor
from tests.factories import make_admin, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.GUEST, Role.MEMBER, Role.STAFF])
def test_only_admins_read_the_audit_log(role: str) -> None:
    viewer = make_user(role=role)
    with pytest.raises(PermissionDenied):
        queries.audit_entries(viewer, queries.AuditFilters())
    with pytest.raises(PermissionDenied):
        queries.audit_actions(viewer)
    with pytest.raises(PermissionDenied):
        queries.audit_entries(make_admin(is_active=False), queries.AuditFilters())


def test_filters() -> None:
    admin = make_admin()
    # Named: the factory's default name carries a number that may be bob's id (target "12").
    alice = make_user(
        username="alice", email="alice@example.org", first_name="Alice", last_name="Roux"
    )
    bob = make_user(username="bob", first_name="Bob")
    log_event(actor=alice, action="auth.login", target=alice, ip_address="10.0.0.1")
    log_event(actor=admin, action="accounts.role_changed", target=bob, ip_address="10.0.0.2")
    log_event(actor=None, action="auth.login_failed", ip_address="2001:db8::1")

    def actions(**filters: object) -> list[str]:
        found = queries.audit_entries(admin, queries.AuditFilters(**filters))  # type: ignore[arg-type]
        return [entry.action for entry in found]

    assert actions(action="auth.login") == ["auth.login"]
    assert actions(actor="ALICE@example") == ["auth.login"]
    assert actions(target="bob") == ["accounts.role_changed"]
    assert actions(target=str(bob.pk)) == ["accounts.role_changed"]
    assert actions(ip="10.0.0.2") == ["accounts.role_changed"]
    assert actions(ip="2001:DB8::1") == ["auth.login_failed"]
    assert actions(ip="not an ip") == []
    assert sorted(queries.audit_actions(admin)) == [
        "accounts.role_changed",
        "auth.login",
        "auth.login_failed",
    ]


def test_date_range_is_read_in_the_viewers_time_zone() -> None:
    admin = make_admin()
    entry = log_event(actor=admin, action="x.late")
    # 23:30 in Paris on 1 March is 22:30 UTC: it belongs to 1 March for a Paris viewer.
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    AuditEntry.objects.filter(pk=entry.pk).update(
        created_at=dt.datetime(2026, 3, 1, 23, 30, tzinfo=paris)
    )
    with timezone.override(paris):
        day = dt.date(2026, 3, 1)
        found = queries.audit_entries(admin, queries.AuditFilters(date_from=day, date_to=day))
        assert [e.pk for e in found] == [entry.pk]
        next_day = dt.date(2026, 3, 2)
        assert not queries.audit_entries(admin, queries.AuditFilters(date_from=next_day)).exists()
    with timezone.override(dt.UTC):
        # For a UTC viewer it is still 1 March (22:30).
        found = queries.audit_entries(admin, queries.AuditFilters(date_to=dt.date(2026, 3, 1)))
        assert [e.pk for e in found] == [entry.pk]


def test_keyset_pages_cover_everything_once_even_with_equal_times() -> None:
    admin = make_admin()
    entries = [log_event(actor=admin, action=f"x.{n}") for n in range(23)]
    same = timezone.now()
    AuditEntry.objects.filter(pk__in=[e.pk for e in entries[5:15]]).update(created_at=same)
    seen: list[int] = []
    cursor = ""
    while True:
        page = queries.audit_page(admin, queries.AuditFilters(), cursor=cursor, size=4)
        seen.extend(entry.pk for entry in page.items)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(e.pk for e in entries)
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("cursor", ["garbage", "WyJ4Il0", "WyJub3QgYSBkYXRlIiwxXQ"])
def test_bad_cursors_are_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        queries.audit_page(make_admin(), queries.AuditFilters(), cursor=cursor)


def test_describe_entries_reads_plain_changes() -> None:
    admin = make_admin()

    def changes(old: object, new: object) -> list[tuple[str, str, str]]:
        entry = AuditEntry(action="x", old_value=old, new_value=new, extra={})
        [details] = queries.describe_entries(admin, [entry])
        return [(field, before.text, after.text) for field, before, after in details.changes]

    # Keys and values in words where the app that records them said so (accounts: the roles).
    assert changes({"role": "member"}, {"role": "admin"}) == [("role", "Member", "Administrator")]
    assert changes({"is_active": True}, {"is_active": False}) == [("active", "✓", "✗")]
    assert changes(None, {"created": 3}) == [("created", "—", "3")]
    assert changes(None, None) == []
    assert changes("a", "b") == [("", "a", "b")]
