#!/usr/bin/env python3
"""Python function calls and SQL queries per request, in process: counts that do not depend on how
busy the machine is, unlike wall time, to compare two commits on a shared machine.

    .venv/bin/python bench/calls_per_request.py var/bench/calls        # seeds once, then reuses

Seeds (the first time) 500 people and 5,000 posts in the given var dir (SQLite), then runs 20 of
each of GET /api/v1/feed, its page 2, a space's wall and POST /api/v1/posts through Django's test
client under cProfile, and prints JSON. To compare another commit, run it from that commit's
checkout with `PYTHONPATH=<checkout>/src` and a var dir of its own.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import secrets
import sys
from pathlib import Path
from typing import Any


def main(argv: list[str]) -> int:
    work = Path(argv[1] if len(argv) > 1 else "var/bench/calls").resolve()
    work.mkdir(parents=True, exist_ok=True)
    os.environ["CERCLE_VAR_DIR"] = str(work)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cercle.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from cercle.accounts.models import ApiToken, User
    from cercle.accounts.tokens import hash_token

    marker = work / "seeded"
    if not marker.exists():
        call_command("migrate", verbosity=0)
        call_command("seed_demo", "--scale", "500", verbosity=0)
        feed = ["--spaces", "30", "--posts", "5000", "--comments", "10000"]
        feed += ["--reactions", "25000", "--big-space", "300", "--bench-user", "admin"]
        call_command("seed_feed", *feed, verbosity=0)
        marker.write_text("1")
    secret = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=User.objects.get(username="admin"),
        name="calls per request",
        key_hash=hash_token(secret),
        prefix=secret[:12],
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", SERVER_NAME="localhost")
    first = client.get("/api/v1/feed").json()
    space = client.get("/api/v1/spaces/bench-space-00002").json()
    cursor = first.get("next_cursor") or first.get("next")
    requests: dict[str, tuple[str, str, dict[str, Any] | None]] = {
        "GET /api/v1/feed": ("get", "/api/v1/feed", None),
        "GET /api/v1/feed (page 2)": ("get", f"/api/v1/feed?cursor={cursor}", None),
        "GET /api/v1/spaces/<id>/posts": ("get", f"/api/v1/spaces/{space['id']}/posts", None),
        "POST /api/v1/posts": ("post", "/api/v1/posts", {"body": "Bench", "space_id": space["id"]}),
    }

    def send(method: str, path: str, body: dict[str, Any] | None) -> int:
        if method == "get":
            return client.get(path).status_code
        return client.post(path, body, content_type="application/json").status_code

    out = {}
    for name, (method, path, body) in requests.items():
        for _ in range(3):  # warm up
            assert send(method, path, body) in (200, 201), name
        profile = cProfile.Profile()
        with CaptureQueriesContext(connection) as queries:
            profile.enable()
            for _ in range(20):
                send(method, path, body)
            profile.disable()
        calls = pstats.Stats(profile).total_calls
        out[name] = {
            "calls_per_request": round(calls / 20),
            "queries_per_request": len(queries) / 20,
        }
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
