"""The embedded default's server keeps roles, periods and trees in a cache of its own; a write by
another process (the task worker, a management command) empties it within a second
(`cercle.core.cache_generation`). Through a real server and a real second process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.server import ServerProcess, ServerSite

SEED = """
from django.test import Client
from tests.factories import make_space, make_user
owner = make_user(username="owner")
reader = make_user(username="reader")
space = make_space(owner=owner, kind="private", name="Comité")
client = Client()
client.force_login(reader)
result = {"space": space.slug, "session": client.cookies["sessionid"].value}
"""

JOIN = """
from cercle.accounts.models import User
from cercle.spaces.models import Membership, Space
space = Space.objects.get(slug=%r)
# As the directory's synchronisation or a CSV import adds someone, in its own process.
Membership.objects.create(space=space, user=User.objects.get(username="reader"), role="member")
result = {}
"""


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerSite, Any]]:
    site = ServerSite(Path(tmp_path_factory.mktemp("embedded")))
    site.migrate()
    try:
        yield site, site.start()
    finally:
        site.stop()


def _pages(server: ServerProcess, slug: str, session: str) -> int:
    response = httpx.get(
        f"{server.url}/spaces/{slug}/pages/", cookies={"sessionid": session}, timeout=60
    )
    return response.status_code


def test_a_membership_written_by_another_process_is_seen_by_the_server(
    embedded: tuple[ServerSite, ServerProcess],
) -> None:
    site, server = embedded
    made = site.python(SEED)
    # Not a member: the space's pages are hidden, and the server keeps the person's roles.
    assert _pages(server, made["space"], made["session"]) == 404
    assert _pages(server, made["space"], made["session"]) == 404
    site.python(JOIN % made["space"])  # another process: its exit moves the generation
    deadline = time.monotonic() + 10
    status = 0
    while time.monotonic() < deadline:
        status = _pages(server, made["space"], made["session"])
        if status == 200:
            break
        time.sleep(0.3)
    assert status == 200  # within the server's one-second check, not the roles' hour
    moved = site.python(
        "from cercle.core.models import CacheGeneration\n"
        "result = list(CacheGeneration.objects.values_list('value', flat=True))"
    )
    assert moved and moved[0] >= 1


@pytest.mark.parametrize(
    ("sql", "kept"),
    [
        ('INSERT INTO "spaces_membership" ("space_id") VALUES (%s)', True),
        ('UPDATE "agenda_event" SET "title" = %s', True),
        ('  delete from "pages_page" where id = 1', True),
        ('INSERT INTO "notifications_notification" ("user_id") VALUES (%s)', False),
        ('UPDATE "django_tasks_db_dbtaskresult" SET "status" = %s', False),
        ('UPDATE "django_session" SET "session_data" = %s', False),
        ('INSERT INTO "audit_auditentry" ("action") VALUES (%s)', False),
        ('SELECT "spaces_membership"."role" FROM "spaces_membership"', False),
    ],
)
def test_only_writes_of_what_may_be_kept_move_the_generation(sql: str, kept: bool) -> None:
    from cercle.core import cache_generation

    state = cache_generation.state
    saved = (state.wrote, state.serving)
    state.wrote, state.serving = False, False
    try:
        ran: list[str] = []
        cache_generation._note_writes(lambda *args: ran.append(args[0]), sql, None, False, {})
        assert ran == [sql]  # the statement itself runs, whatever it is
        assert state.wrote is kept
    finally:
        state.wrote, state.serving = saved
