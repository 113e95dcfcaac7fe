#!/usr/bin/env python3
"""The agenda's month view and API range query at the issue's scale (issue 11), through the real
server (uvicorn), on SQLite and PostgreSQL: one person in `--spaces` spaces (default 50), their
own calendar and the spaces' holding `--events` events (default 20,000) of which `--series`
(default 2,000) repeat, plus `--invited` events (default 500, among the 20,000) in colleagues'
calendars they are invited to.

The events are spread over `--years` years from 1 January 2025 (default 3: singles evenly, one
an hour between 08:00 and 17:00 Paris time); the series start over 2025–2026, with rules of five
kinds in turn — weekly without end, weekly on Monday and Thursday 40 times, monthly on the second
Tuesday without end, daily 10 times, every two weeks until the end of 2026 — and every 20th has
one occurrence moved and one cancelled. They are written in bulk with the bounds the agenda's
actions give them (`first_start`, `last_end`, the RRULE normalised), as `caldav_bench.py` does.

For each database (SQLite in a temporary var dir; PostgreSQL in the database `--pg-url` names,
created and dropped) it migrates, seeds, refreshes the planner's statistics, counts the SQL
queries of one request of each URL in process, then starts `uvicorn cercle.asgi:application` on
127.0.0.1 (one worker, `DEBUG=0`) and times, as that person, median and p99 over `--requests`
sequential requests (after `--warmup`), with the server's CPU per request and the load average:

- `GET /agenda/?view=month&date=2026-03-01`: the month view (all their calendars and
  invitations), logged in by a session cookie;
- `GET /api/v1/events?start=2026-03-01T00:00:00+01:00&end=2026-04-01T00:00:00+02:00`: the API's
  range query (recurrences expanded), with a Bearer token;
- the same two for one week (`view=week&date=2026-03-09`, 9–16 March).

Each is timed three times: asked again and again (the answer kept under the versions of what
the person sees, as a person paging through their agenda finds it); "after a change", where an
event written through the API (in the person's calendar, a year later: untimed) precedes each
request, so that every timed request builds its answer again; and "after a change elsewhere",
where the same event is written by someone else in their own calendar, which the person neither
shows nor is invited to (the answer may stay kept). `--profile` seeds, then profiles building
the month in process (cProfile) instead of timing the server. The API's range comes 250
occurrences a page: its first page is timed, and the occurrences counted through every page.
The query counts are those of building the answer.

    PYTHONPATH=$PWD/src:$PWD .venv/bin/python bench/agenda_bench.py --db both

Only 127.0.0.1 is ever targeted. Results go to bench/results/agenda-<date>.json and a Markdown
table is printed.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # bench/common.py: what the benchmarks share

RULES = (
    "FREQ=WEEKLY",
    "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=40",
    "FREQ=MONTHLY;BYDAY=2TU",
    "FREQ=DAILY;COUNT=10",
    "FREQ=WEEKLY;INTERVAL=2;UNTIL=20261231T230000Z",
)
MONTH = ("2026-03-01T00:00:00+01:00", "2026-04-01T00:00:00+02:00")
WEEK = ("2026-03-09T00:00:00+01:00", "2026-03-16T00:00:00+01:00")


def seed_in_django(options: dict[str, Any]) -> None:
    """Run inside `manage.py shell` (Django set up, the bench's database): writes the person, the
    spaces, the events, their exceptions and invitations; counts one request's queries for each
    URL; writes the URLs, the counts, a session cookie and a token to `options["out"]`."""
    import datetime as dt

    from django.core.cache import cache
    from django.test import Client

    from cercle.accounts.actions.auth import create_api_token
    from cercle.accounts.models import Role, User
    from cercle.agenda import actions, recurrence
    from cercle.agenda.models import Event, Invitation, Occurrence
    from cercle.agenda.recurrence import Timing
    from cercle.core.text import normalize
    from cercle.spaces.models import Membership, Space

    args = argparse.Namespace(**options)
    started = time.perf_counter()
    reader = User.objects.create_user(
        username="bench",
        email="bench@example.org",
        password="x",
        first_name="Bench",
        role=Role.MEMBER,
        time_zone="Europe/Paris",
    )
    colleagues = [
        User.objects.create_user(
            username=f"collegue{n}", email=f"c{n}@example.org", password="x", role=Role.MEMBER
        )
        for n in range(10)
    ]
    spaces = []
    for n in range(args.spaces):
        name = f"Équipe {n}"
        space = Space.objects.create(
            name=name,
            slug=f"equipe-{n}",
            kind="private",
            created_by=colleagues[n % 10],
            search_text=normalize(name),
        )
        Membership.objects.create(space=space, user=colleagues[n % 10], role="owner")
        Membership.objects.create(space=space, user=reader, role="member")
        spaces.append(space)
    calendars = [actions.personal_calendar(reader)] + [actions.space_calendar(s) for s in spaces]
    theirs = [actions.personal_calendar(c) for c in colleagues]

    zone = "Europe/Paris"
    paris = recurrence.get_zone(zone)
    first_day = dt.date(2025, 1, 1)
    days = 365 * args.years
    every = max(1, args.events // args.series) if args.series else 0
    invited_every = max(1, args.events // args.invited) if args.invited else 0
    rows: list[Event] = []
    for n in range(args.events):
        series = every and n % every == 0
        if series:
            k = n // every
            day = first_day + dt.timedelta(days=k * 730 // max(1, args.series))
            rule = RULES[k % len(RULES)]
        else:
            day = first_day + dt.timedelta(days=n * days // args.events)
            rule = ""
        start = dt.datetime.combine(day, dt.time(8 + n % 9), tzinfo=paris)
        timing = Timing.timed(start.astimezone(UTC), start + dt.timedelta(hours=1), zone)
        invited = bool(invited_every) and n % invited_every == 1
        calendar = theirs[n % 10] if invited else calendars[n % len(calendars)]
        organiser = calendar.owner if calendar.owner_id else colleagues[n % 10]
        rows.append(common.agenda_event(calendar, organiser, n, timing, rule, f"bench-{n}@cercle"))
    Event.objects.bulk_create(rows, batch_size=1000)
    made = list(Event.objects.order_by("pk"))
    # Exceptions: every 20th series has its 3rd occurrence moved an hour later, its 5th cancelled.
    exceptions = []
    for index, event in enumerate(e for e in made if e.rule):
        if index % 20:
            continue
        timing = event.timing(event.time_zone)
        window = recurrence.Window(
            event.first_start, event.first_start + dt.timedelta(days=400), zone
        )
        keys = list(itertools.islice(recurrence.occurrences(event.rule, timing, window), 5))
        if len(keys) < 5:
            continue
        moved = Occurrence(
            event=event,
            recurrence_id=recurrence.occurrence_key(keys[2].start),
            title=f"{event.title} (déplacée)",
            description=event.description,
            description_html=event.description_html,
            place=event.place,
        )
        local = keys[2].start.astimezone(paris).replace(tzinfo=None)
        moved.set_timing(recurrence.shifted(keys[2], local + dt.timedelta(hours=1)))
        cancelled = Occurrence(
            event=event, recurrence_id=recurrence.occurrence_key(keys[4].start), cancelled=True
        )
        cancelled.set_timing(keys[4])
        exceptions += [moved, cancelled]
    if exceptions:
        Occurrence.objects.bulk_create(exceptions, batch_size=1000)
    invitations = [
        Invitation(event_id=e.pk, person=reader, answer=("pending", "yes", "maybe")[i % 3])
        for i, e in enumerate(made)
        if invited_every and int(e.uid.split("-")[1].split("@")[0]) % invited_every == 1
    ]
    Invitation.objects.bulk_create(invitations, batch_size=1000)
    seconds = round(time.perf_counter() - started, 1)

    _, secret = create_api_token(user=reader, name="bench")
    # Someone whose calendar the reader neither shows nor is invited to: their writes are the
    # "after a change elsewhere" rows'.
    other = User.objects.create_user(
        username="ailleurs", email="ailleurs@example.org", password="x", role=Role.MEMBER
    )
    _, other_secret = create_api_token(user=other, name="bench")
    month = f"/api/v1/events?start={MONTH[0]}&end={MONTH[1]}".replace("+", "%2B")
    week = f"/api/v1/events?start={WEEK[0]}&end={WEEK[1]}".replace("+", "%2B")
    urls = {}
    for label, url in (
        ("month view", "/agenda/?view=month&date=2026-03-01"),
        ("API range, a month (first page of 250)", month),
        ("week view", "/agenda/?view=week&date=2026-03-09"),
        ("API range, a week (first page of 250)", week),
    ):
        urls[label] = url  # asked again: kept under the agenda's version
        urls[f"{label}, after a change"] = url  # each after an event written: built again
        urls[f"{label}, after a change elsewhere"] = url  # after an event in a calendar not seen
    client = Client(SERVER_NAME="localhost")
    client.force_login(reader)
    queries_of: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for label, url in urls.items():
        headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if url.startswith("/api/") else {}
        response = client.get(url, **headers)  # warm: calendars made
        assert response.status_code == 200, (url, response.status_code)
        cache.clear()  # the queries of building the answer, not of reading it kept
        queries_of[label], response = common.count_queries(partial(client.get, url, **headers))
        if url.startswith("/api/"):  # every occurrence of the range, through its pages
            found, cursor = 0, None
            while True:
                page = client.get(url + (f"&cursor={cursor}" if cursor else ""), **headers).json()
                found += len(page["items"])
                if (cursor := page["next_cursor"]) is None:
                    break
            sizes[label] = found
    Path(args.out).write_text(
        json.dumps(
            {
                "seconds": seconds,
                "events": Event.objects.count(),
                "series": Event.objects.exclude(rule="").count(),
                "exceptions": Occurrence.objects.count(),
                "invitations": Invitation.objects.count(),
                "urls": urls,
                "queries": queries_of,
                "occurrences": sizes,
                "cookie": {k: v.value for k, v in client.cookies.items()},
                "token": secret,
                "other_token": other_secret,
            }
        )
    )


def write_an_event(client: Any, token: dict[str, str]) -> None:
    """An event in the reader's own calendar, a year after the timed month (so the timed answers
    do not grow): a calendar the reader shows changes, and the next request builds its answer
    again."""
    calendar = next(
        c["id"]
        for c in client.get("/api/v1/calendars", headers=token).json()
        if c["kind"] == "personal"
    )
    response = client.post(
        "/api/v1/events",
        headers=token,
        json={
            "calendar_id": calendar,
            "title": "Changement",
            "start": "2027-03-02T09:00:00+01:00",
            "end": "2027-03-02T10:00:00+01:00",
            "time_zone": "Europe/Paris",
        },
    )
    assert response.status_code == 201, response.text


def write_elsewhere(other: dict[str, str], client: Any, _token: dict[str, str]) -> None:
    """The same event written by someone else in their own calendar, which the reader neither
    shows nor is invited to: what the reader sees does not change, nor need be built again."""
    write_an_event(client, other)


def profile_in_django(options: dict[str, Any]) -> None:
    """Run inside `manage.py shell` on the seeded database: cProfile of building the month's
    occurrences for the reader (`queries.occurrences_between`, as the month view and the API's
    range do), the first time in the process and then again (the rules' memos warm), with the
    CPU time of each of `options["rounds"]` builds."""
    import cProfile
    import datetime as dt
    import gc
    import pstats

    from cercle.accounts.models import User
    from cercle.agenda import queries
    from cercle.agenda.recurrence import Window

    reader = User.objects.get(username="bench")
    calendars = list(queries.my_calendars(reader))
    window = Window(
        dt.datetime.fromisoformat(MONTH[0]), dt.datetime.fromisoformat(MONTH[1]), "Europe/Paris"
    )

    def build() -> int:
        return len(queries.occurrences_between(reader, window, calendars, with_invitations=True))

    times = []
    objects = len(gc.get_objects())
    for _ in range(options["rounds"]):
        started = time.process_time()
        found = build()
        times.append(round((time.process_time() - started) * 1000, 1))
    print(f"month: {found} occurrences; CPU ms per build: {times}")
    print(f"objects the collector follows: {objects} before, {len(gc.get_objects())} after")
    profiler = cProfile.Profile()
    profiler.runcall(build)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(20)

    # The whole requests, in process: each after the reader's calendar changed (built again).
    from django.test import Client

    from cercle.accounts.actions.auth import create_api_token

    client = Client(SERVER_NAME="localhost")
    client.force_login(reader)
    _, secret = create_api_token(user=reader, name="profile")
    month = f"/api/v1/events?start={MONTH[0]}&end={MONTH[1]}".replace("+", "%2B")
    changed = [queries.calendar_version_key(calendars[0].pk)]
    for label, url, headers in (
        ("month view", "/agenda/?view=month&date=2026-03-01", {}),
        ("API range, a month", month, {"HTTP_AUTHORIZATION": f"Bearer {secret}"}),
    ):
        times, collections = [], []
        for _ in range(options["rounds"]):
            queries.change_versions(changed)
            before = gc.get_stats()[2]["collections"]
            started = time.process_time()
            assert client.get(url, **headers).status_code == 200
            times.append(round((time.process_time() - started) * 1000, 1))
            collections.append(gc.get_stats()[2]["collections"] - before)
        print(f"{label}, built again: CPU ms per request: {times}")
        print(f"  full garbage collections during each: {collections}")
        # The same with the objects alive now moved out of the collector's sight (`gc.freeze`,
        # as a server could do once started): what the full collections cost the rebuilds.
        gc.freeze()
        frozen = []
        for _ in range(options["rounds"]):
            queries.change_versions(changed)
            started = time.process_time()
            assert client.get(url, **headers).status_code == 200
            frozen.append(round((time.process_time() - started) * 1000, 1))
        gc.unfreeze()
        print(f"  after gc.freeze(): CPU ms per request: {frozen}")
        queries.change_versions(changed)
        profiler = cProfile.Profile()
        profiler.runcall(client.get, url, **headers)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def bench(args: argparse.Namespace, database: str) -> dict[str, Any]:
    result: dict[str, Any] = {"database": database, "timings": {}}
    prefix = f"cercle-agenda-bench-{database}-"
    with common.scratch_site(database, args.pg_url, prefix) as (workdir, env):
        common.manage(env, "migrate", "--noinput", quiet=True)
        out = workdir / "seeded.json"
        options = {
            "spaces": args.spaces,
            "events": args.events,
            "series": args.series,
            "invited": args.invited,
            "years": args.years,
            "out": str(out),
        }
        output = common.shell_call(env, "agenda_bench", "seed_in_django", options)
        print(output.strip(), flush=True)
        common.analyze(env, database)
        seeded = json.loads(out.read_text())
        for key in ("seconds", "events", "series", "exceptions", "invitations", "occurrences"):
            result[key] = seeded[key]
        print(f"[{database}] seeded: { {k: result[k] for k in result if k != 'timings'} }")
        if args.profile:
            options = {"rounds": 15}
            print(common.shell_call(env, "agenda_bench", "profile_in_django", options))
            return result
        other = {"Authorization": f"Bearer {seeded['other_token']}"}
        changes = {
            label: partial(write_elsewhere, other)
            if label.endswith("elsewhere")
            else write_an_event
            for label in seeded["urls"]
            if "after a change" in label
        }
        result["timings"] = common.time_seeded_urls(
            env, workdir, database, seeded, args.requests, args.warmup, changes
        )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = common.database_parser(__doc__, common.DEFAULT_PG_URL + "_agenda")
    parser.add_argument("--spaces", type=int, default=50)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--series", type=int, default=2_000)
    parser.add_argument("--invited", type=int, default=500)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="seed, then profile building the month in process (cProfile), without the server",
    )
    args = parser.parse_args(argv)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": common.git_commit(),
        "machine": common.machine(),
        "options": vars(args),
        "runs": [bench(args, database) for database in common.databases(args)],
    }
    path = common.save_report(f"agenda-{datetime.now(UTC):%Y%m%d-%H%M%S}.json", report)
    print(common.url_timings_table(report["runs"]))
    print(f"\n{path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
