"""On PostgreSQL, `DATABASE_SERVER_SIDE_BINDING=1` binds parameters on the server and prepares a
statement run a few times on a connection: PostgreSQL then stops parsing and planning it at every
request (issue 15: about 28 % of its CPU per request). Off by default: with it on, 100,000
files' content search was slower (docs/benchmarks.md, round 12)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.db import connection

from cercle.accounts.models import User

SETTINGS = (
    "import json, django; from django.conf import settings; django.setup();"
    " print(json.dumps(settings.DATABASES['default']['OPTIONS'], default=str))"
)


def options(**env: str) -> dict[str, object]:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "cercle.settings"}
    environment.pop("DATABASE_SERVER_SIDE_BINDING", None)
    environment.update(DATABASE_URL="postgres://nobody@127.0.0.1:5432/nothing", **env)
    done = subprocess.run(
        [sys.executable, "-c", SETTINGS], env=environment, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_setting_turns_server_side_binding_and_the_threshold_on() -> None:
    assert "server_side_binding" not in options()
    on = options(DATABASE_SERVER_SIDE_BINDING="1")
    assert on["server_side_binding"] is True and on["prepare_threshold"] == 5
    assert (
        options(DATABASE_SERVER_SIDE_BINDING="1", DATABASE_PREPARE_THRESHOLD="2")[
            "prepare_threshold"
        ]
        == 2
    )


def test_a_statement_run_a_few_times_is_prepared_on_the_server(prepared_statements: None) -> None:
    assert connection.settings_dict["OPTIONS"].get("server_side_binding") is True
    for n in range(6):  # (the threshold is 5 uses)
        list(User.objects.filter(username=f"nobody-{n}").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "accounts_user"' in text and "$1" in text for text in prepared), prepared
