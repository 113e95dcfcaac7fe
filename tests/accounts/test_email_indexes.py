"""Addresses and usernames compared without case find their row by an index, not by reading
every account (`accounts.0009`: a scan cost 66 ms at 100,000 people, on every SCIM or LDAP
creation and sign-in). The planner is told not to scan, so that it must say whether the lookup
as Django writes it can use an index at all, whatever the table's size."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.db.models import QuerySet
from django.db.models.functions import Lower

from cercle.accounts.models import User
from tests.factories import make_user


def _plan(queryset: QuerySet) -> str:  # type: ignore[type-arg]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row) for row in cursor.fetchall())


@pytest.mark.django_db(transaction=False)
def test_addresses_and_usernames_without_case_use_an_index() -> None:
    person = make_user(username="anne.martin", email="Anne.Martin@example.com")
    in_batch = User.objects.annotate(lower_email=Lower("email")).filter(
        lower_email__in=["anne.martin@example.com", "bob@example.com"]
    )
    assert list(in_batch.values_list("pk", flat=True)) == [person.pk]
    assert "user_email_lower" in _plan(in_batch.values_list("lower_email"))
    addresses = EmailAddress.objects.annotate(lower_email=Lower("email")).filter(
        lower_email__in=["anne.martin@example.com"]
    )
    assert "emailaddress_email_lower" in _plan(addresses.values_list("lower_email"))
    if connection.vendor != "postgresql":
        return  # SQLite's iexact is LIKE, which no expression index serves
    by_address = User.objects.filter(email__iexact="ANNE.martin@example.com")
    assert list(by_address.values_list("pk", flat=True)) == [person.pk]
    assert "user_email_upper" in _plan(by_address)
    assert "user_username_upper" in _plan(User.objects.filter(username__iexact="Anne.Martin"))
    assert "emailaddress_email_upper" in _plan(
        EmailAddress.objects.filter(email__iexact="anne.MARTIN@example.com")
    )
