"""A page's live connection (the socket every page opens) records that its person came today."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from cercle.adoption.models import ActiveDay
from tests.factories import make_user
from tests.helpers.sockets import connected

pytestmark = pytest.mark.django_db(transaction=True)


async def test_opening_a_page_counts_as_coming() -> None:
    person = await database_sync_to_async(make_user)()
    comm = await connected(person)
    await comm.disconnect()
    came = await database_sync_to_async(
        ActiveDay.objects.filter(user=person, day=timezone.localdate()).exists
    )()
    assert came
