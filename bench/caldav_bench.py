#!/usr/bin/env python3
"""CalDAV REPORTs through the real server: a calendar of N events (a tenth of them weekly series
without end, the rest single events spread over a year), served by uvicorn on 127.0.0.1.

It makes a temporary var dir with a SQLite database (migrated), one person with an app token and
the events (written in bulk, with the bounds the agenda's actions would give them), starts
`uvicorn cercle.asgi:application` in another process, and times, over HTTP with Basic auth:

- `calendar-query` for one month with `getetag` and `calendar-data` (what Thunderbird and DAVx5
  ask), then the same with `expand`;
- `sync-collection` from the empty token (the whole calendar's names and ETags), and from a
  token after 10 events were changed through CalDAV (`PUT`).

Medians and p99 in milliseconds are printed as Markdown rows.

    .venv/bin/python bench/caldav_bench.py --events 2000 --runs 30

With `--radicale`, the same calendar is also put into a Radicale (from PyPI, started on loopback
the way the tests start it, `tests/agenda/caldav/conftest.py`: every event's `.ics` as Cercle
serves it, PUT one by one), and the operations clients make are timed against both, one after
the other for each run: `PROPFIND Depth: 1` of the calendar (getetag, getcontenttype,
resourcetype: what DAVx5 and Thunderbird ask), `calendar-query` for a month (getetag and
calendar-data), `calendar-multiget` of 100 events, and `PUT` of a new event.

    .venv/bin/python bench/caldav_bench.py --events 1000 --runs 100 --radicale

Only 127.0.0.1 is ever targeted.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # bench/common.py: what the benchmarks share
    ROOT,
    agenda_event,
    expect,
    median_and_p99,
    print_median_p99_table,
    setup_django,
    start_uvicorn_module,
    time_calls,
)

MONTH_QUERY = """<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><d:getetag/>{data}</d:prop>
<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">
<c:time-range start="20260301T000000Z" end="20260401T000000Z"/>
</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"""
EXPAND = (
    '<c:calendar-data><c:expand start="20260301T000000Z" end="20260401T000000Z"/></c:calendar-data>'
)
PROPFIND = """<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontenttype/>
<d:resourcetype/></d:prop></d:propfind>"""
MULTIGET = """<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><d:getetag/><c:calendar-data/></d:prop>{}</c:calendar-multiget>"""
NEW_EVENT = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//bench//EN\r
BEGIN:VEVENT\r
UID:{uid}\r
DTSTAMP:20260101T000000Z\r
DTSTART;TZID=Europe/Paris:20260415T100000\r
DTEND;TZID=Europe/Paris:20260415T110000\r
SUMMARY:Nouvelle réunion\r
LOCATION:Salle 2\r
END:VEVENT\r
END:VCALENDAR\r
"""
SYNC = """<d:sync-collection xmlns:d="DAV:"><d:sync-token>{}</d:sync-token>
<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"""


def seed(events: int) -> tuple[int, str]:
    """The person's id and app token; `events` events in their calendar."""
    from cercle.accounts.actions.auth import create_api_token
    from cercle.accounts.models import User
    from cercle.agenda import actions, recurrence
    from cercle.agenda.models import Event
    from cercle.agenda.recurrence import Timing

    user = User.objects.create_user(
        username="bench", email="bench@example.org", password="x", first_name="Bench"
    )
    _, secret = create_api_token(user=user, name="bench")
    calendar = actions.personal_calendar(user)
    zone = "Europe/Paris"
    paris = recurrence.get_zone(zone)
    rows = []
    for n in range(events):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=n * 365 // events)
        start = dt.datetime.combine(day, dt.time(8 + n % 9), tzinfo=paris)
        timing = Timing.timed(start.astimezone(dt.UTC), (start + dt.timedelta(hours=1)), zone)
        rule = "FREQ=WEEKLY" if n % 10 == 0 else ""
        rows.append(agenda_event(calendar, user, n, timing, rule, f"bench-{n}@cercle"))
    Event.objects.bulk_create(rows, batch_size=500)
    return user.pk, secret


def timed(client: httpx.Client, method: str, url: str, body: str, runs: int) -> list[float]:
    return time_calls(
        lambda: client.request(method, url, content=body, headers={"Depth": "1"}),
        runs,
        lambda response: expect(response, {207}, response.text[:500]),
    )


def calendar_names(client: httpx.Client, calendar: str) -> list[str]:
    """The names of a calendar's events (`PROPFIND Depth: 1`), sorted."""
    listing = client.request("PROPFIND", calendar, content=PROPFIND, headers={"Depth": "1"})
    hrefs = [h.split("<")[0] for h in listing.text.split("<d:href>")[1:]]
    return sorted(unquote(h.rsplit("/", 1)[-1]) for h in hrefs if h.endswith(".ics"))


@contextlib.contextmanager
def radicale_copy(
    cercle: httpx.Client, calendar: str, names: list[str], prefix: str
) -> Iterator[tuple[httpx.Client, str]]:
    """A Radicale on loopback (started as the tests start it) holding a calendar with the named
    events as Cercle serves them: a client logged in to it and that calendar's URL."""
    sys.path.insert(0, str(ROOT))
    from tests.agenda.caldav.conftest import RADICALE_PASSWORD, RADICALE_USER, start_radicale

    folder = Path(tempfile.mkdtemp(prefix=prefix))
    process, url = start_radicale(folder)
    try:
        with httpx.Client(auth=(RADICALE_USER, RADICALE_PASSWORD), timeout=120) as radicale:
            theirs = f"{url}{RADICALE_USER}/bench/"
            made = radicale.request("MKCALENDAR", theirs)
            assert made.status_code == 201, made.text
            for name in names:  # the same events, as Cercle serves them
                data = cercle.get(calendar + quote(name)).content
                put = radicale.put(
                    theirs + quote(name), content=data, headers={"Content-Type": "text/calendar"}
                )
                assert put.status_code == 201, put.text[:300]
            yield radicale, theirs
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--radicale", action="store_true", help="also time the same operations on Radicale"
    )
    args = parser.parse_args()

    setup_django(tempfile.mkdtemp(prefix="cercle-caldav-bench-"))
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    user_id, secret = seed(args.events)

    port = 8000 + os.getpid() % 1000
    server = start_uvicorn_module(port)
    base = f"http://127.0.0.1:{port}"
    calendar = f"{base}/caldav/calendars/{user_id}/personal/"
    try:
        with httpx.Client(auth=("bench", secret), timeout=120) as client:
            for _ in range(100):
                try:
                    client.request("OPTIONS", base + "/caldav/")
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            month = MONTH_QUERY.format(data="<c:calendar-data/>")
            expanded = MONTH_QUERY.format(data=EXPAND)
            found = client.request("REPORT", calendar, content=month, headers={"Depth": "1"})
            listed = found.text.count("<d:response>")
            results = {
                "calendar-query, one month": timed(client, "REPORT", calendar, month, args.runs),
                "calendar-query, one month, expanded": timed(
                    client, "REPORT", calendar, expanded, args.runs
                ),
                "sync-collection, initial": timed(
                    client, "REPORT", calendar, SYNC.format(""), args.runs
                ),
            }
            initial = client.request("REPORT", calendar, content=SYNC.format(""))
            token = initial.text.split("<d:sync-token>")[-1].split("<")[0]
            for n in range(1, 100, 10):  # ten changes, through CalDAV
                href = f"{calendar}bench-{n}@cercle.ics"
                data = client.get(href).text.replace(f"Réunion {n}", f"Réunion {n} (déplacée)")
                assert client.put(href, content=data.encode()).status_code == 204
            results["sync-collection after 10 changes"] = timed(
                client, "REPORT", calendar, SYNC.format(token), args.runs
            )
            compared = side_by_side(client, calendar, args) if args.radicale else {}
    finally:
        server.terminate()
        server.wait(10)

    print(
        f"{args.events} events ({args.events // 10} weekly series), {listed} in March; "
        f"{args.runs} runs each; {platform.platform()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print_median_p99_table(results)
    if compared:
        print()
        print(
            "| request | Cercle median (ms) | Cercle p99 (ms) | Radicale median (ms) "
            "| Radicale p99 (ms) |"
        )
        print("|---|---:|---:|---:|---:|")
        for name, (ours, theirs) in compared.items():
            print(f"| {name} | {median_and_p99(ours)} | {median_and_p99(theirs)} |")
        print(f"load average after the run: {os.getloadavg()[0]:.1f}")


def one(
    client: httpx.Client, method: str, url: str, body: str, status: int, **headers: str
) -> float:
    began = time.perf_counter()
    response = client.request(method, url, content=body.encode(), headers=headers)
    took = (time.perf_counter() - began) * 1000
    assert response.status_code == status, (method, url, response.status_code, response.text[:300])
    return took


def side_by_side(
    cercle: httpx.Client, calendar: str, args: argparse.Namespace
) -> dict[str, tuple[list[float], list[float]]]:
    """The same calendar in a Radicale on loopback; each operation on both, alternately."""
    names = calendar_names(cercle, calendar)
    with radicale_copy(cercle, calendar, names, "cercle-radicale-bench-") as (radicale, theirs):
        month = MONTH_QUERY.format(data="<c:calendar-data/>")
        hundred = names[:100]
        operations = {
            f"PROPFIND depth 1 ({len(names)} events)": ("PROPFIND", PROPFIND, 207, "1"),
            "calendar-query, one month": ("REPORT", month, 207, "1"),
            "calendar-multiget, 100 events": ("REPORT", None, 207, "1"),
            "PUT of a new event": ("PUT", None, 201, "0"),
        }
        compared: dict[str, tuple[list[float], list[float]]] = {}
        for label, (method, body, status, level) in operations.items():
            ours: list[float] = []
            others: list[float] = []
            for run in range(args.runs):
                for client, base, into in (
                    (cercle, calendar, ours),
                    (radicale, theirs, others),
                ):
                    if method == "PUT":
                        uid = f"bench-new-{run}@cercle"
                        into.append(
                            one(
                                client,
                                "PUT",
                                f"{base}{uid}.ics",
                                NEW_EVENT.format(uid=uid),
                                status,
                                **{"Content-Type": "text/calendar"},
                            )
                        )
                        continue
                    content = body
                    if content is None:
                        wanted = "".join(
                            f"<d:href>{urlsplit(base).path}{quote(n)}</d:href>" for n in hundred
                        )
                        content = MULTIGET.format(wanted)
                    into.append(one(client, method, base, content, status, Depth=level))
            compared[label] = (ours, others)
        return compared


if __name__ == "__main__":
    main()
