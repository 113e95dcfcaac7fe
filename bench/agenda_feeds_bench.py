#!/usr/bin/env python3
"""The agenda's CalDAV REPORTs and a space's subscription feed at issue 11's scale, through the
real server, side by side with Radicale: a person in `--spaces` spaces (50) whose calendars hold
`--events` events (20,000), `--series` of them recurring series (2,000: weekly on chosen days,
daily for a count, monthly by date and by "second Tuesday", yearly, some ending on a date), the
rest single events (a tenth all day) spread over 2026. (`bench/agenda_bench.py` times the month
view and the API's range.)

It makes a temporary var dir (SQLite, or `--pg-url` for a PostgreSQL database it recreates),
migrates it, writes the events in bulk with the bounds the agenda's actions give them (as
`bench/caldav_bench.py` does), starts `uvicorn cercle.asgi:application` (one worker) on
127.0.0.1, and times, `--runs` times each, over HTTP:

- a CalDAV `calendar-query` for March on one space's calendar (getetag and calendar-data, what
  Thunderbird and DAVx5 ask; Basic auth with an app token);
- a CalDAV `sync-collection` from a token taken before 10 events were changed by `PUT`;
- the subscription feed (`/agenda/feed/<secret>/calendar.ics`) of that space's calendar, a year
  of events: its first request (nothing kept yet), then as applications poll it.

With `--radicale`, that space calendar's events are also put into a Radicale (from PyPI, started
on loopback as the tests start it) and both REPORTs are timed on it in the same run, alternately
with Cercle's.

    .venv/bin/python bench/agenda_feeds_bench.py --runs 100 --radicale
    .venv/bin/python bench/agenda_feeds_bench.py --runs 100 \\
        --pg-url postgres://postgres@127.0.0.1:5432/cercle_bench_agenda_feeds

Medians and p99 in milliseconds are printed as Markdown rows. Only 127.0.0.1 is targeted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from caldav_bench import MONTH_QUERY, SYNC, calendar_names, radicale_copy
from common import (  # bench/common.py: what the benchmarks share
    agenda_event,
    drop_pg_database,
    expect,
    free_port,
    median_and_p99,
    print_median_p99_table,
    recreate_pg_database,
    setup_django,
    start_uvicorn_module,
    time_calls,
)

PASSWORD = "agenda-bench-password"  # a throwaway account in a temporary database
RULES = (
    "FREQ=WEEKLY;BYDAY=MO,TH",
    "FREQ=DAILY;COUNT=30",
    "FREQ=MONTHLY;BYMONTHDAY=15",
    "FREQ=MONTHLY;BYDAY=2TU",
    "FREQ=YEARLY",
    "FREQ=WEEKLY;UNTIL={until}",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE",
)


def seed(events: int, series: int, spaces: int) -> dict[str, object]:
    """The person, their tokens, and the events spread over their calendar and their spaces'."""
    from cercle.accounts.actions.auth import create_api_token
    from cercle.accounts.models import User
    from cercle.agenda import actions, recurrence
    from cercle.agenda.models import Event
    from cercle.agenda.recurrence import Timing
    from cercle.spaces import actions as space_actions

    user = User.objects.create_user(
        username="agenda-bench",
        email="agenda-bench@example.org",
        password=PASSWORD,
        first_name="Agnès",
        last_name="Banc",
    )
    _, api_secret = create_api_token(user=user, name="bench api")
    _, dav_secret = create_api_token(user=user, name="bench caldav")
    calendars = [actions.personal_calendar(user)]
    for n in range(spaces):
        space = space_actions.create_space(actor=user, name=f"Équipe {n:02d}")
        calendars.append(actions.space_calendar(space))
    zone = "Europe/Paris"
    paris = recurrence.get_zone(zone)
    every = max(1, events // max(series, 1))
    rows = []
    for n in range(events):
        calendar = calendars[n % len(calendars)]
        day = dt.date(2026, 1, 1) + dt.timedelta(days=(n * 365) // events)
        is_series = series and n % every == 0 and n // every < series
        if not is_series and n % 10 == 3:
            timing = Timing.dates(day, day + dt.timedelta(days=1), zone)
        else:
            start = dt.datetime.combine(day, dt.time(8 + n % 10, 30 * (n % 2)), tzinfo=paris)
            timing = Timing.timed(start.astimezone(dt.UTC), start + dt.timedelta(hours=1), zone)
        rule = RULES[(n // every) % len(RULES)] if is_series else ""
        until = day + dt.timedelta(days=120)  # four months of it, from its first day
        rule = rule.replace("{until}", f"{until:%Y%m%d}T000000Z")
        rows.append(agenda_event(calendar, user, n, timing, rule, f"agenda-bench-{n}@cercle"))
    Event.objects.bulk_create(rows, batch_size=1000)
    space_calendar = calendars[1]
    return {
        "user_id": user.pk,
        "api": api_secret,
        "dav": dav_secret,
        "space_id": space_calendar.space_id,
        "feed": space_calendar.feed_token,
        "space_events": Event.objects.filter(calendar=space_calendar).count(),
    }


def timed(client: httpx.Client, runs: int, method: str, url: str, **kwargs: object) -> list[float]:
    return time_calls(
        lambda: client.request(method, url, **kwargs),  # type: ignore[arg-type]
        runs,
        lambda response: expect(response, {200, 207}, url, response.text[:300]),
    )


def change_ten(client: httpx.Client, calendar: str, names: list[str]) -> None:
    """Ten events changed through CalDAV (`PUT` of their text with a new title)."""
    for name in names[:10]:
        href = calendar + quote(name)
        data = client.get(href).text
        changed = data.replace("SUMMARY:Réunion", "SUMMARY:Réunion déplacée", 1)
        assert client.put(href, content=changed.encode()).status_code in (201, 204)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--spaces", type=int, default=50)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--pg-url", default="", help="a PostgreSQL database (made if missing)")
    parser.add_argument("--radicale", action="store_true", help="the REPORTs on Radicale too")
    args = parser.parse_args()

    if args.pg_url:
        recreate_pg_database(args.pg_url)
    workdir = tempfile.mkdtemp(prefix="cercle-agenda-bench-")
    try:
        run(args, workdir)
    finally:
        # Neither the var dir nor the database outlives the run.
        from django.db import connections

        connections.close_all()
        if args.pg_url:
            drop_pg_database(args.pg_url)
        shutil.rmtree(workdir, ignore_errors=True)


def run(args: argparse.Namespace, workdir: str) -> None:
    setup_django(workdir, args.pg_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    seeded = seed(args.events, args.series, args.spaces)
    seeding = time.perf_counter() - began

    port = free_port()
    server = start_uvicorn_module(port)
    base = f"http://127.0.0.1:{port}"
    calendar = f"{base}/caldav/calendars/{seeded['user_id']}/space-{seeded['space_id']}/"
    month = MONTH_QUERY.format(data="<c:calendar-data/>")
    results: dict[str, list[float]] = {}
    sizes: dict[str, str] = {}
    compared: dict[str, tuple[list[float], list[float]]] = {}
    try:
        with (
            httpx.Client(timeout=120) as api,
            httpx.Client(auth=("agenda-bench", str(seeded["dav"])), timeout=120) as dav,
        ):
            for _ in range(150):
                try:
                    api.get(f"{base}/healthz")
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            found = dav.request("REPORT", calendar, content=month, headers={"Depth": "1"})
            assert found.status_code == 207, found.text[:300]
            sizes["calendar-query"] = f"{found.text.count('<d:response>')} events"
            results["CalDAV calendar-query, March"] = timed(
                dav, args.runs, "REPORT", calendar, content=month, headers={"Depth": "1"}
            )
            names = calendar_names(dav, calendar)
            initial = dav.request("REPORT", calendar, content=SYNC.format(""))
            token = initial.text.split("<d:sync-token>")[-1].split("<")[0]
            change_ten(dav, calendar, names)
            results["CalDAV sync-collection after 10 changes"] = timed(
                dav, args.runs, "REPORT", calendar, content=SYNC.format(token)
            )
            feed = f"{base}/agenda/feed/{seeded['feed']}/calendar.ics"
            results["subscription feed of the space (a year), first request"] = timed(
                api, 1, "GET", feed
            )
            body = api.get(feed)
            assert body.status_code == 200, body.status_code
            vevents = body.text.count("BEGIN:VEVENT")
            sizes["feed"] = f"{vevents} VEVENTs, {len(body.content) // 1024} KB"
            results["subscription feed of the space (a year), polled"] = timed(
                api, args.runs, "GET", feed
            )
            if args.radicale:
                compared = side_by_side(dav, calendar, names, args.runs)
    finally:
        server.terminate()
        server.wait(10)

    database = "PostgreSQL" if args.pg_url else "SQLite"
    print(
        f"{args.events} events ({args.series} series) over a personal calendar and "
        f"{args.spaces} spaces' ({seeded['space_events']} in the timed space's calendar), "
        f"{database}, seeded in {seeding:.0f} s; {args.runs} runs each; {platform.platform()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    print("; ".join(f"{k}: {v}" for k, v in sizes.items()))
    print_median_p99_table(results)
    if compared:
        print()
        print("| request | Cercle median / p99 (ms) | Radicale median / p99 (ms) |")
        print("|---|---:|---:|")
        for label, (ours, theirs) in compared.items():
            print(
                f"| {label} | {median_and_p99(ours, between=' / ')} "
                f"| {median_and_p99(theirs, between=' / ')} |"
            )
    print(f"load average after the run: {os.getloadavg()[0]:.1f}")


def side_by_side(
    cercle: httpx.Client, calendar: str, names: list[str], runs: int
) -> dict[str, tuple[list[float], list[float]]]:
    """The space calendar's events in a Radicale on loopback; its REPORTs on both, alternately."""
    with radicale_copy(cercle, calendar, names, "cercle-radicale-agenda-") as (radicale, theirs):
        month = MONTH_QUERY.format(data="<c:calendar-data/>")
        tokens = []
        for client, base in ((cercle, calendar), (radicale, theirs)):
            initial = client.request("REPORT", base, content=SYNC.format(""))
            tokens.append(initial.text.split("sync-token>")[-2].split("<")[0])
            change_ten(client, base, names[10:])
        compared: dict[str, tuple[list[float], list[float]]] = {
            "calendar-query, March": ([], []),
            "sync-collection after 10 changes": ([], []),
        }
        for _ in range(runs):
            for side, (client, base) in enumerate(((cercle, calendar), (radicale, theirs))):
                compared["calendar-query, March"][side].extend(
                    timed(client, 1, "REPORT", base, content=month, headers={"Depth": "1"})
                )
                compared["sync-collection after 10 changes"][side].extend(
                    timed(client, 1, "REPORT", base, content=SYNC.format(tokens[side]))
                )
        return compared


if __name__ == "__main__":
    main()
