"""The organisation's member count (every page of the organisation space shows it) is a count over
the whole people table: counted once, then kept a minute (`ORGANISATION_COUNT_TTL`), so a page
view at 100,000 people does not scan them; other spaces count their memberships each time."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cercle.accounts.models import User
from cercle.spaces import queries
from cercle.spaces.queries import organisation_space
from tests.factories import make_space, make_user

pytestmark = pytest.mark.django_db


def _count(space: object) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        count = queries.member_count(space)  # type: ignore[arg-type]
    return count, len(captured)


def test_the_organisation_is_counted_once_then_kept_a_minute() -> None:
    make_user(), make_user(), make_user(role="guest")
    space = organisation_space()
    first, first_queries = _count(space)
    assert first_queries == 1
    assert first == User.objects.filter(is_active=True).exclude(role="guest").count()
    make_user()
    assert _count(space) == (first, 0)  # kept: no scan of the people
    cache.delete(queries.ORGANISATION_COUNT_KEY)  # the minute over
    assert _count(space) == (first + 1, 1)


def test_other_spaces_are_counted_each_time() -> None:
    owner = make_user()
    space = make_space(owner=owner)
    count, used = _count(space)
    assert used == 1
    assert _count(space) == (count, 1)
