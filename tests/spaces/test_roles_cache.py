"""A person's space roles (`queries.my_roles`, asked on every page that shows posts) kept in the
cache under their roles version (issue 15): read once, then no query until a membership of
theirs is written — through any path: joining, a role changed, leaving, removal, a row deleted
in bulk — and the pages see the change at once."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cercle.spaces import actions, queries
from cercle.spaces.models import Membership
from tests.factories import make_post, make_space, make_user

# Committed as in production: a write's version moves again on its commit.
pytestmark = pytest.mark.django_db(transaction=True)


def _roles(user: object) -> tuple[dict[int, str], int]:
    with CaptureQueriesContext(connection) as captured:
        roles = queries.my_roles(user)  # type: ignore[arg-type]
    return roles, len(captured)


def test_roles_are_read_once_then_follow_every_membership_write() -> None:
    owner, anne = make_user(), make_user()
    space = make_space(owner=owner, kind="open")
    other = make_space(owner=owner, kind="open", members=(anne,))
    assert _roles(anne) == ({other.pk: "member"}, 1)
    assert _roles(anne) == ({other.pk: "member"}, 0)  # kept
    assert _roles(owner)[1] == 1  # per person

    actions.join_space(actor=anne, space=space)
    assert _roles(anne) == ({other.pk: "member", space.pk: "member"}, 1)
    assert _roles(anne)[1] == 0
    actions.change_role(actor=owner, space=space, user=anne, role="moderator")
    assert _roles(anne)[0][space.pk] == "moderator"
    actions.leave_space(actor=anne, space=space)
    assert _roles(anne)[0] == {other.pk: "member"}
    actions.remove_member(actor=owner, space=other, user=anne)
    assert _roles(anne) == ({}, 1)
    # Rows deleted in bulk (as the erasure of a person's data does) move it too.
    Membership.objects.create(space=space, user=anne, role="member")
    assert _roles(anne)[0] == {space.pk: "member"}
    Membership.objects.filter(user=anne).delete()
    assert _roles(anne) == ({}, 1)
    # What a caller does with the dict does not change the kept one.
    Membership.objects.create(space=space, user=anne, role="member")
    roles, _ = _roles(anne)
    roles[12345] = "owner"
    assert _roles(anne) == ({space.pk: "member"}, 0)


def test_roles_read_before_a_write_commits_are_not_kept_after_it() -> None:
    """Another request reading between the write and its commit keeps the old roles under the
    version the write moved to; the commit moves it again."""
    owner, anne = make_user(), make_user()
    space = make_space(owner=owner, kind="open")
    assert queries.my_roles(anne) == {}
    with transaction.atomic():
        Membership.objects.create(space=space, user=anne, role="member")
        # As another connection would see it before the commit: the old roles, kept now.
        version = queries.roles_version(anne.pk)
        cache.set(f"spaces:roles:{anne.pk}:{version}", {}, 60)
        assert queries.my_roles(anne) == {}
    assert queries.roles_version(anne.pk) == version + 1
    assert queries.my_roles(anne) == {space.pk: "member"}


def test_roles_read_in_a_transaction_rolled_back_are_not_kept() -> None:
    owner, anne = make_user(), make_user()
    space = make_space(owner=owner, kind="open")
    assert _roles(anne) == ({}, 1)
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.join_space(actor=anne, space=space)
        assert queries.my_roles(anne) == {space.pk: "member"}  # read, not kept
        raise RuntimeError("rolled back")
    assert _roles(anne) == ({}, 1)
    assert _roles(anne) == ({}, 0)


def test_a_feed_page_reads_the_roles_once_and_sees_a_new_membership_at_once() -> None:
    owner, anne = make_user(), make_user()
    space = make_space(owner=owner, kind="private", name="Secret garden")
    make_post(author=owner, space=space, body="Behind the wall")
    client = Client()
    client.force_login(anne)

    def page() -> tuple[bytes, int]:
        """The home page, and how many of its queries read the viewer's roles."""
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/")
        assert response.status_code == 200
        reads = sum(
            q["sql"].startswith('SELECT "spaces_membership"."space_id"')
            and '"spaces_membership"."role"' in q["sql"]
            for q in captured.captured_queries
        )
        return response.content, reads

    content, reads = page()
    assert b"Behind the wall" not in content and reads == 1
    assert page()[1] == 0  # kept since the first page
    actions.add_member(actor=owner, space=space, user=anne)
    content, reads = page()
    assert b"Behind the wall" in content and reads == 1
    assert page()[1] == 0
