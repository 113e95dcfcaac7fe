"""The "N new posts" count asked after a reconnection or while offline, for the three feeds."""

from __future__ import annotations

import pytest

from tests.factories import make_post, make_space, make_user
from tests.helpers.clients import client_for

pytestmark = pytest.mark.django_db

SINCE = "2000-01-01T00:00:00+00:00"


def test_space_and_wall_counts_and_their_refusals() -> None:
    me, other, outsider = make_user(), make_user(), make_user()
    space = make_space(kind="secret", members=(me, other))
    make_post(author=other, space=space, body="fresh")
    make_post(author=other, body="on the wall")
    make_post(author=me, space=space, body="mine does not count")
    page = (
        client_for(me).get("/feed/new/", {"space": str(space.pk), "since": SINCE}).content.decode()
    )
    assert 'data-count="1"' in page and "1 new post" in page and 'data-feed="space"' in page
    wall = (
        client_for(me).get("/feed/new/", {"wall": str(other.pk), "since": SINCE}).content.decode()
    )
    assert 'data-count="1"' in wall and 'data-feed="wall"' in wall
    assert client_for(outsider).get("/feed/new/", {"space": str(space.pk)}).status_code == 404
    assert client_for(me).get("/feed/new/", {"wall": "x"}).status_code == 404
    assert client_for(me).get("/feed/new/", {"wall": 987654}).status_code == 404


@pytest.mark.parametrize("value", ["99999999999999999999", "²", "٣", "-1", "1\x00", "x" * 300])
def test_odd_space_and_wall_keys_are_404s(value: str) -> None:
    me = make_user()
    assert client_for(me).get("/feed/new/", {"wall": value}).status_code == 404
    assert client_for(me).get("/feed/new/", {"space": value}).status_code == 404
