#!/usr/bin/env python3
"""Python function calls and SQL queries per request, in process: counts that do not depend on how
busy the machine is, unlike wall time, to compare two commits on a shared machine.

    .venv/bin/python bench/calls_per_request.py var/bench/calls        # seeds once, then reuses
    .venv/bin/python bench/calls_per_request.py var/bench/calls --top 25 --only "GET / (home)"
    valgrind --tool=callgrind --callgrind-out-file=var/cg.out \\
        .venv/bin/python bench/calls_per_request.py var/bench/calls --callgrind "GET / (home)"

Seeds (the first time) 500 people and 5,000 posts in the given var dir (SQLite), then runs 20 of
each request type through Django's test client under cProfile, and prints JSON: the JSON API's
feed, its page 2, a space's wall and post creation, then the pages people use all day (signed in
with a session, as a browser): the home feed, a space's wall, reacting to a post and commenting
(as htmx sends them), post creation, a directory search, the notifications list, and the chat
socket's send path (the action and the acknowledgement the consumer sends).

`--top N` prints, for each request type, its N most costly functions (own time, with their call
counts) to standard error; `CALLS_PROFILE_OUT=file` keeps the last profile, `CALLS_SQL=1` prints
the last request's queries. `--callgrind NAME` runs only that request type (3 warm-ups, then
`CALLS_ROUNDS`, 20 by default) without cProfile, to count instructions under valgrind: run it
twice, with `CALLS_ROUNDS=0` and `=20`, and the difference of the two totals divided by 20 is the
instructions per request, repeatable on a busy machine. To compare another commit, run it from
that commit's checkout with `PYTHONPATH=<checkout>/src` and a var dir of its own (or the same
seeded one, when the schema is the same).
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import secrets
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROUNDS = 20


def bench_marker(name: str, send: Callable[[], Any], rounds: int) -> None:
    """The requests measured under callgrind (`--toggle-collect=bench_marker`)."""
    for _ in range(rounds):
        send()


def main(argv: list[str]) -> int:
    args = argv[1:]
    top = 0
    only: str | None = None
    callgrind: str | None = None
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i : i + 2]
    if "--only" in args:
        i = args.index("--only")
        only = args[i + 1]
        del args[i : i + 2]
    if "--callgrind" in args:
        i = args.index("--callgrind")
        callgrind = args[i + 1]
        del args[i : i + 2]
    work = Path(args[0] if args else "var/bench/calls").resolve()
    work.mkdir(parents=True, exist_ok=True)
    os.environ["CERCLE_VAR_DIR"] = str(work)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cercle.settings")
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

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
    admin = User.objects.get(username="admin")
    secret = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=admin,
        name="calls per request",
        key_hash=hash_token(secret),
        prefix=secret[:12],
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", SERVER_NAME="localhost")
    first = client.get("/api/v1/feed").json()
    space = client.get("/api/v1/spaces/bench-space-00002").json()
    cursor = first.get("next_cursor") or first.get("next")
    # The browser: a session, the CSRF check as in production, htmx's header on its requests.
    browser = Client(SERVER_NAME="localhost", enforce_csrf_checks=False)
    browser.force_login(admin)
    htmx = {"HX-Request": "true"}
    post_id = first["items"][0]["id"]
    # A person as most of the load test's are (`bench/load/seed.py`): a member of the space, not
    # an administrator, who joined long ago (no onboarding checklist).
    member = (
        User.objects.filter(is_active=True, role="member", space_memberships__space_id=space["id"])
        .order_by("pk")
        .first()
    )
    assert member is not None, "no member of the bench space"
    User.objects.filter(pk=member.pk).update(date_joined=timezone.now() - timedelta(days=400))
    person = Client(SERVER_NAME="localhost", enforce_csrf_checks=False)
    person.force_login(member)
    requests: dict[str, Callable[[], int]] = {
        "GET /api/v1/feed": lambda: client.get("/api/v1/feed").status_code,
        "GET /api/v1/feed (page 2)": lambda: (
            client.get(f"/api/v1/feed?cursor={cursor}").status_code
        ),
        "GET /api/v1/spaces/<id>/posts": lambda: (
            client.get(f"/api/v1/spaces/{space['id']}/posts").status_code
        ),
        "POST /api/v1/posts": lambda: (
            client.post(
                "/api/v1/posts", {"body": "Bench", "space_id": space["id"]}, "application/json"
            ).status_code
        ),
        "GET / (home)": lambda: browser.get("/").status_code,
        "GET /spaces/<slug>/ (wall)": lambda: browser.get(f"/spaces/{space['slug']}/").status_code,
        "POST /posts/<id>/react/ (htmx)": _alternate(
            lambda kind: (
                browser.post(f"/posts/{post_id}/react/", {"kind": kind}, headers=htmx).status_code
            ),
            ["like", ""],
        ),
        "POST /posts/<id>/comments/ (htmx)": lambda: (
            browser.post(
                f"/posts/{post_id}/comments/", {"body": "Bench comment"}, headers=htmx
            ).status_code
        ),
        "POST /posts/ (htmx)": lambda: (
            browser.post(
                "/posts/", {"body": "Bench post", "space": str(space["id"])}, headers=htmx
            ).status_code
        ),
        "GET /people/?q= (directory search)": lambda: (
            browser.get("/people/", {"q": "mar"}).status_code
        ),
        "GET /notifications/": lambda: browser.get("/notifications/").status_code,
        "GET /notifications/bell/": lambda: browser.get("/notifications/bell/").status_code,
        "GET /posts/<id>/": lambda: browser.get(f"/posts/{post_id}/").status_code,
        "GET / (home, member)": lambda: person.get("/").status_code,
        "GET /spaces/<slug>/ (wall, member)": lambda: (
            person.get(f"/spaces/{space['slug']}/").status_code
        ),
        "POST /posts/<id>/react/ (htmx, member)": _alternate(
            lambda kind: (
                person.post(f"/posts/{post_id}/react/", {"kind": kind}, headers=htmx).status_code
            ),
            ["like", ""],
        ),
        "GET /notifications/ (member)": lambda: person.get("/notifications/").status_code,
        "socket message.send": _chat_send(admin),
    }
    if callgrind:
        send = requests[callgrind]
        for _ in range(3):
            send()
        bench_marker(callgrind, send, int(os.environ.get("CALLS_ROUNDS", ROUNDS)))
        return 0

    out = {}
    for name, send in requests.items():
        if only and name != only:
            continue
        for _ in range(3):  # warm up
            status = send()
            assert status in (200, 201), (name, status)
        profile = cProfile.Profile()
        with CaptureQueriesContext(connection) as queries:
            profile.enable()
            for _ in range(ROUNDS):
                send()
            profile.disable()
        stats = pstats.Stats(profile)
        out[name] = {
            "calls_per_request": round(stats.total_calls / ROUNDS),  # type: ignore[attr-defined]
            "queries_per_request": len(queries) / ROUNDS,
        }
        if os.environ.get("CALLS_SQL"):  # the last request's queries, to standard error
            for query in queries.captured_queries[-round(len(queries) / ROUNDS) :]:
                print(query["sql"][:300], file=sys.stderr)
        if os.environ.get("CALLS_PROFILE_OUT"):
            profile.dump_stats(os.environ["CALLS_PROFILE_OUT"])
        if top:
            text = io.StringIO()
            pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(top)
            print(f"=== {name}\n{text.getvalue()}", file=sys.stderr)
    print(json.dumps(out, indent=1))
    return 0


def _alternate(send: Callable[[str], int], values: list[str]) -> Callable[[], int]:
    """Each call sends the next of `values` (react, unreact, react…)."""
    state = {"i": 0}

    def call() -> int:
        value = values[state["i"] % len(values)]
        state["i"] += 1
        return send(value)

    return call


def _chat_send(user: Any) -> Callable[[], int]:
    """The socket's `message.send`: the action (membership checked moments ago, as the socket
    keeps it) and the acknowledgement frame, encoded as the consumer sends it."""
    from cercle.accounts.models import User
    from cercle.chat import actions, events
    from cercle.chat.models import Conversation

    conversation = Conversation.objects.filter(memberships__user=user).order_by("pk").first()
    if conversation is None:  # `seed_demo --scale` alone starts none
        other = User.objects.exclude(pk=user.pk).filter(is_active=True).order_by("pk")[0]
        conversation = actions.start_direct_conversation(actor=user, other=other)
    state = {"i": 0}

    def call() -> int:
        state["i"] += 1
        message, created = actions.send_message(
            actor=user,
            conversation_id=conversation.pk,
            body=f"Bench message {state['i']} {secrets.token_hex(4)}",
            client_id=secrets.token_hex(8),
            membership_checked=True,
        )
        ack = events.MessageAck.of(message, duplicate=not created, with_files=False)
        json.dumps(ack.payload())  # what `send_json` sends
        return 201

    return call


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
