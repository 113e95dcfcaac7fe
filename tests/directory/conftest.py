"""One real OpenLDAP server for the whole test session (Debian's slapd through python-ldap's
`slapdtest`, on loopback), seeded with a directory of 300 people and nested groups. Tests that
change the directory add people of their own under an organisational unit of their own."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from cercle.accounts.models import User
from cercle.directory import actions
from cercle.directory.models import DirectorySettings, SyncRun
from tests.directory import directory_data as data
from tests.factories import make_admin

SEEDED = 300
_units = itertools.count()


@pytest.fixture(scope="session")
def slapd() -> Iterator[data.Slapd]:
    server = data.start()
    server.ldapadd(data.people_ldif("people", SEEDED))
    server.ldapadd(data.ou("groups"))
    base = "groups"
    server.ldapadd(
        "\n".join(
            [
                # all → (p0, engineering → (p1, backend → (p2, all: a cycle)))
                data.group_ldif(
                    base,
                    "all",
                    [data.person_dn("people", 0), f"cn=engineering,ou={base},{data.SUFFIX}"],
                ),
                data.group_ldif(
                    base,
                    "engineering",
                    [data.person_dn("people", 1), f"cn=backend,ou={base},{data.SUFFIX}"],
                ),
                data.group_ldif(base, "backend", [data.person_dn("people", 2)]),
            ]
        )
    )
    # The cycle, once every group exists.
    server.ldapmodify(
        f"dn: cn=backend,ou={base},{data.SUFFIX}\nchangetype: modify\nadd: member\n"
        f"member: cn=all,ou={base},{data.SUFFIX}\n"
    )
    yield server
    server.stop()


@pytest.fixture
def admin() -> User:
    return make_admin(username="it-admin", email="it-admin@example.org")


Configure = Callable[..., DirectorySettings]


@pytest.fixture
def configure(slapd: data.Slapd, admin: User) -> Configure:
    def configure(unit: str = "people", **changes: object) -> DirectorySettings:
        values: dict[str, object] = {
            "actor": admin,
            "enabled": True,
            "server_uri": slapd.ldap_uri,
            "bind_dn": slapd.root_dn,
            "bind_password": slapd.root_pw,
            "user_base_dn": f"ou={unit},{data.SUFFIX}",
            "group_base_dn": f"ou=groups,{data.SUFFIX}",
        }
        values.update(changes)
        return actions.save_settings(**values)  # type: ignore[arg-type]

    return configure


@pytest.fixture
def unit(slapd: data.Slapd) -> Callable[..., str]:
    """A new organisational unit of `count` people (p<start>…) for one test; its name."""

    def make(count: int, *, ad: bool = False) -> str:
        name = f"unit{next(_units)}"
        start = 10_000 * (next(_units) + 1)
        slapd.ldapadd(data.people_ldif(name, count, ad=ad, start=start))
        return name

    return make


def sync(*, dry_run: bool = False) -> SyncRun:
    run = SyncRun.objects.create(dry_run=dry_run)
    return actions.run_sync(run_id=run.pk)


class Statements:
    """The SQL the database is sent while in use, counted by an execute wrapper (Django's
    `CaptureQueriesContext` reads a log of at most 9,000 queries: after a first run of a few
    hundred people it is full, and a slice of it comes back empty)."""

    def __init__(self) -> None:
        self.sql: list[str] = []
        self._wrapper: Any = None

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.sql.append(sql)
        return execute(sql, params, many, context)

    def __enter__(self) -> Statements:
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._wrapper.__exit__(*exc)

    def __len__(self) -> int:
        return len(self.sql)
