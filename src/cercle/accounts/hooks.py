"""What happens to people, for the modules above to follow (`cercle.core.hooks`).

Emitted by `cercle.accounts.actions` inside their transaction; a module listens from its `apps.py`
(the feed, for instance, has its open pages re-read what they may show).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from cercle.accounts.models import User


@dataclass(frozen=True)
class RoleChanged:
    """The person's organisation role changed (a guest sees less, an admin more)."""

    person: User
    old_role: str


@dataclass(frozen=True)
class PeopleCreated:
    """People were created in bulk (`actions.people.create_people`: a CSV import, a directory
    synchronisation), bypassing the models' signals: modules that follow accounts' writes (the
    search index) take them in now, in the same transaction."""

    user_ids: tuple[int, ...]


@dataclass(frozen=True)
class PeopleChanged:
    """People's account (`user_fields`) or profile (`profile_fields`) columns were written in
    bulk (`bulk_update` or `update()`: an identity source's batch, deactivations at once),
    bypassing the models' signals: modules that follow accounts' writes (the search index) take
    them in now, in the same transaction, as the signals of a `save()` per person would have."""

    user_ids: tuple[int, ...]
    user_fields: frozenset[str] = frozenset()
    profile_fields: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PersonFollowChanged:
    """`follower` now follows, or no longer follows, `followed`."""

    follower: User
    followed: User


@dataclass(frozen=True)
class DemoContentWanted:
    """`seed_demo` loaded the demo people and asks each module for its part of the demo's month
    (spaces and the wall, conversations…), written through its actions as of dates up to `now`
    with `cercle.core.demo.backdated`. A module adds what it wrote to `counts` ("posts": 36).
    Emitted once per database: a second run emits nothing."""

    now: datetime.datetime
    counts: dict[str, int]


@dataclass(frozen=True)
class DemoContentWritten:
    """Every module wrote its demo content (emitted after DemoContentWanted): a module tidies
    what others' content left in it (notifications read long ago are marked so)."""

    now: datetime.datetime
    counts: dict[str, int]
