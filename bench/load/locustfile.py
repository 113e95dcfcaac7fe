"""Simulated people for Locust (headless): each signs in once through the login form, keeps one
realtime socket open, and then acts as in `mix.MIX` with think times drawn as people behave.

Run by bench/load/ramp.py, which starts the server, seeds it and sets the LOAD_* variables; the
steps (people at once), their warm-up and steady windows and the health judgement are driven from
here (`StepShape` and `controller`), so that people sign in once and the ramp adds people to
those already there. Each step's figures are appended to $LOAD_OUT/steps.jsonl.

    LOAD_FIXTURE   fixture.json written by bench/load/seed.py (people, spaces, conversations)
    LOAD_STEPS     "10,20,40": people at once, in order
    LOAD_WARMUP / LOAD_STEADY   seconds (after everyone of the step signed in) / measured seconds
    LOAD_SPAWN_RATE             people signing in per second
    LOAD_THINK_MEAN             mean think time (s), default mix.THINK_MEAN_S
    LOAD_THRESHOLDS             JSON of mix.Thresholds fields
    LOAD_CONFIRM                1: after the first unhealthy step, re-run the last healthy one
    LOAD_SERVER_PIDS / LOAD_DB_NAME   CPU accounting (process trees; PostgreSQL backends of the db)
    LOAD_PROFILE_STEP / LOAD_PROFILE_OUT   py-spy the server during that step's steady window
    LOAD_PG_URL                 with a profile: pg_stat_statements over the same window

The realtime tracker (bench/load/tracker.py) counts every message by its client id at every
recipient and reports deliveries, ack, missing, late and duplicate as Locust events of type WS.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import random
import re
import struct
import subprocess
import sys
import time
import zlib
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import gevent
import psutil
import websocket
from locust import FastHttpUser, LoadTestShape, events, task
from locust.env import Environment
from locust.stats import StatsEntry

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from mix import MIX, SEARCH_WORDS, THINK_MIN_S, Thresholds, judge  # noqa: E402
from run import PASSWORD, people_queries  # noqa: E402  (bench/run.py)
from tracker import DeliveryTracker, percentile, run_tag  # noqa: E402

FIXTURE: dict[str, Any] = json.loads(Path(os.environ["LOAD_FIXTURE"]).read_text())
MEMBERS = {int(k): v for k, v in FIXTURE["members"].items()}
STEPS = [int(s) for s in os.environ.get("LOAD_STEPS", "10,20").split(",") if s]
WARMUP = float(os.environ.get("LOAD_WARMUP", "20"))
STEADY = float(os.environ.get("LOAD_STEADY", "60"))
SPAWN_RATE = float(os.environ.get("LOAD_SPAWN_RATE", "5"))
THINK_MEAN = float(os.environ.get("LOAD_THINK_MEAN", "10"))
THRESHOLDS = Thresholds(**json.loads(os.environ.get("LOAD_THRESHOLDS", "{}")))
CONFIRM = os.environ.get("LOAD_CONFIRM", "1") == "1"
OUT = Path(os.environ.get("LOAD_OUT", "."))
SERVER_PIDS = [int(p) for p in os.environ.get("LOAD_SERVER_PIDS", "").split(",") if p]
DB_NAME = os.environ.get("LOAD_DB_NAME", "")
PROFILE_STEP = int(os.environ.get("LOAD_PROFILE_STEP", "0") or 0)
PROFILE_OUT = os.environ.get("LOAD_PROFILE_OUT", "")
PG_URL = os.environ.get("LOAD_PG_URL", "")
DELIVERY_TIMEOUT = float(os.environ.get("LOAD_DELIVERY_TIMEOUT", "10"))

if len(FIXTURE["people"]) < max(STEPS):
    raise SystemExit(f"the fixture has {len(FIXTURE['people'])} people, fewer than {max(STEPS)}")

ENV: Environment | None = None


def emit(name: str, milliseconds: float, error: str | None) -> None:
    if ENV is not None:
        ENV.events.request.fire(
            request_type="WS",
            name=name,
            response_time=milliseconds,
            response_length=0,
            exception=RuntimeError(error) if error else None,
            context={},
        )


TRACKER = DeliveryTracker(clock=time.monotonic, emit=emit, timeout=DELIVERY_TIMEOUT)
NEXT_PERSON = itertools.count()
NEXT_MESSAGE = itertools.count()
# Client ids unique to this run, as a browser's are: the seeded data (and its messages) is kept
# between runs, and a sender's id stored by an earlier run is acknowledged as a duplicate and
# delivered to nobody (issue 15's "missing" deliveries).
RUN = run_tag()
QUERIES = people_queries(500, seed=7)
WORDS = SEARCH_WORDS
POST_ID = re.compile(r'href="/posts/(\d+)/"')
PAGE_LINK = re.compile(r'href="(/spaces/[\w-]+/pages/(?!new/|preview/)[\w-]+/)"')
CSRF_FORM = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_HTMX = re.compile(r'"X-CSRFToken": "([^"]+)"')
KINDS = ["like", "love", "celebrate", "insightful", "funny", "support"]


def _png(size: int = 48) -> bytes:
    """A small real PNG (a gradient), as a phone's screenshot would be, only smaller."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(size) for v in (x * 5 % 256, y * 5 % 256, (x + y) % 256))
        for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = _png()


def multipart(fields: dict[str, str], file_field: str, filename: str, content: bytes) -> tuple:
    boundary = f"----cercle-load-{random.getrandbits(64):x}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Person(FastHttpUser):
    """One employee: signed in once, one socket open the whole time."""

    def wait_time(self) -> float:
        return THINK_MIN_S + random.expovariate(1 / max(0.1, THINK_MEAN - THINK_MIN_S))

    # --- life ---

    def on_start(self) -> None:
        n = next(NEXT_PERSON)
        self.person = FIXTURE["people"][n % len(FIXTURE["people"])]
        self.uid: int = self.person["id"]
        self.ip = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        self.headers = {"X-Real-IP": self.ip, "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
        self.csrf = ""
        self.post_ids: list[int] = []
        self.last_message: dict[int, int] = {}
        self.newest_id = 0  # the newest message id this socket has (where `sync` starts)
        # Ids of the messages received lately: a `sync` also brings a few it may have had
        # (its look-back, chat.queries.messages_since); as the page, count each id once.
        self.seen_ids: deque[int] = deque(maxlen=500)
        self.ws: websocket.WebSocket | None = None
        self.running = True
        self.reader: gevent.Greenlet | None = None
        conversations = self.person["conversations"]
        self.direct = conversations.get("direct", [])
        self.groups = conversations.get("group", [])
        self.channel = conversations.get("space", [])
        if self.sign_in():
            self.connect()
            self.reader = gevent.spawn(self.read_loop)

    def on_stop(self) -> None:
        self.running = False
        TRACKER.socket_closed(self.uid)
        if self.ws is not None:
            with contextlib.suppress(Exception):
                self.ws.close()
        if self.reader is not None:
            self.reader.kill(block=False)

    def sign_in(self) -> bool:
        """The login form, as a browser fills it (argon2 checks the password)."""
        response = self.client.get("/accounts/login/", name="sign in (form)", headers=self.headers)
        found = CSRF_FORM.search(response.text or "")
        if not found:
            return False
        body = urlencode(
            {
                "csrfmiddlewaretoken": found.group(1),
                "login": self.person["username"],
                "password": PASSWORD,
            }
        )
        with self.client.post(
            "/accounts/login/",
            data=body,
            name="sign in",
            headers={
                **self.headers,
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"{self.host}/accounts/login/",
            },
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or "/accounts/" in (
                response.headers.get("Location") or ""
            ):
                response.failure(f"sign in refused ({response.status_code})")
                return False
        self.home_feed()
        return True

    def session_cookie(self) -> str:
        for cookie in self.client.cookiejar:
            if cookie.name == "sessionid":
                return str(cookie.value)
        return ""

    def connect(self) -> bool:
        started = time.perf_counter()
        url = self.host.replace("http://", "ws://").replace("https://", "wss://") + "/ws/"
        try:
            ws = websocket.create_connection(
                url,
                header=[f"X-Real-IP: {self.ip}"],
                cookie=f"sessionid={self.session_cookie()}",
                origin=self.host,
                timeout=30,
            )
            hello = json.loads(ws.recv())
            if hello.get("type") != "hello":
                raise RuntimeError(f"first frame {hello.get('type')!r}")
            ws.settimeout(None)
            self.newest_id = max(self.newest_id, int(hello.get("last_message_id") or 0))
            if not isinstance(hello.get("unread_notifications"), int):
                raise RuntimeError("hello without the bell's count (unread_notifications)")
            # As the home page's script does: new posts of the home feed come over the socket.
            ws.send(json.dumps({"type": "feed.subscribe", "feed": "home", "filter": "all"}))
        except Exception as error:
            emit("connect", (time.perf_counter() - started) * 1000, f"socket: {error}")
            self.ws = None
            return False
        emit("connect", (time.perf_counter() - started) * 1000, None)
        self.ws = ws
        TRACKER.socket_open(self.uid)
        return True

    def read_loop(self) -> None:
        while self.running:
            ws = self.ws
            if ws is None:
                gevent.sleep(1)
                if self.running:
                    self.connect()
                continue
            try:
                raw = ws.recv()
            except Exception:
                raw = None
            if not raw:
                if self.running:
                    emit("socket closed", 0, "the socket closed")
                    TRACKER.socket_closed(self.uid)
                    self.ws = None
                continue
            try:
                frame = json.loads(raw)
            except ValueError:
                continue
            kind = frame.get("type")
            if kind == "message.new":
                message = frame["message"]
                self.last_message[message["conversation_id"]] = message["id"]
                self.newest_id = max(self.newest_id, message["id"])
                self.seen_ids.append(message["id"])
                # realtime.js keeps the unread badge from the frames (no request since 2026-12-06).
                TRACKER.received(self.uid, message.get("client_id") or "")
            elif kind == "resync":
                # The server dropped events for this socket (it could not take them fast enough):
                # as realtime.js does, ask for the messages after the newest one we have. They
                # count as delivered when `sync.result` brings them (the person sees them then).
                TRACKER.resynced(self.uid)
                ws.send(json.dumps({"type": "sync", "after": self.newest_id}))
            elif kind == "sync.result":
                for message in frame.get("messages") or []:
                    if message["id"] in self.seen_ids:
                        continue
                    self.seen_ids.append(message["id"])
                    self.last_message[message["conversation_id"]] = message["id"]
                    self.newest_id = max(self.newest_id, message["id"])
                    TRACKER.received(self.uid, message.get("client_id") or "")
                if frame.get("more"):
                    ws.send(json.dumps({"type": "sync", "after": frame.get("last_id")}))
            elif kind == "message.ack":
                TRACKER.acknowledged(
                    frame.get("client_id") or "", duplicate=bool(frame.get("duplicate"))
                )
            elif kind == "error":
                emit("error frame", 0, str(frame)[:200])

    # --- helpers ---

    def page(self, path: str, name: str) -> str:
        response = self.client.get(path, name=name, headers=self.headers)
        # The bell's count comes with the socket's `hello` and its frames (realtime.js since
        # issue 15's third round): a page no longer asks `GET /notifications/bell/`.
        return response.text or ""

    def htmx_post(self, path: str, name: str, fields: dict[str, str]) -> None:
        self.client.post(
            path,
            data=urlencode(fields),
            name=name,
            headers={
                **self.headers,
                "HX-Request": "true",
                "X-CSRFToken": self.csrf,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )

    def remember_posts(self, html: str) -> None:
        ids = [int(i) for i in POST_ID.findall(html)]
        if ids:
            self.post_ids = ids[:40]
        if not self.csrf and (found := CSRF_HTMX.search(html)):
            self.csrf = found.group(1)

    def a_post(self) -> int | None:
        if not self.post_ids:
            self.home_feed()
        return random.choice(self.post_ids) if self.post_ids else None

    def a_space(self) -> list[Any]:
        space: list[Any] = random.choice(self.person["spaces"])
        return space

    def send(self, kind: str, conversation_id: int) -> None:
        ws = self.ws
        if ws is None:
            emit(f"send {kind}", 0, "no socket")
            return
        client_id = f"{RUN}-{self.uid}-{next(NEXT_MESSAGE)}"
        TRACKER.sent(
            client_id, sender=self.uid, kind=kind, members=MEMBERS.get(conversation_id, [])
        )
        try:
            ws.send(
                json.dumps(
                    {
                        "type": "message.send",
                        "conversation_id": conversation_id,
                        "client_id": client_id,
                        "body": f"{random.choice(WORDS)} — message {client_id}",
                    }
                )
            )
        except Exception as error:
            emit(f"send {kind}", 0, f"send failed: {error}")

    # --- the actions ---

    def home_feed(self) -> None:
        self.remember_posts(self.page("/", "home feed"))

    def space_wall(self) -> None:
        _id, slug = self.a_space()
        self.remember_posts(self.page(f"/spaces/{slug}/", "space wall"))

    def open_post(self) -> None:
        if (post_id := self.a_post()) is not None:
            self.page(f"/posts/{post_id}/", "open a post")

    def react(self) -> None:
        if (post_id := self.a_post()) is not None:
            self.htmx_post(f"/posts/{post_id}/react/", "react", {"kind": random.choice(KINDS)})

    def comment(self) -> None:
        if (post_id := self.a_post()) is not None:
            self.htmx_post(
                f"/posts/{post_id}/comments/",
                "comment",
                {"body": f"D'accord pour le {random.choice(WORDS)}, merci !"},
            )

    def post(self) -> None:
        space_id, _slug = self.a_space()
        self.htmx_post(
            "/posts/",
            "post",
            {"space": str(space_id), "body": f"Point {random.choice(WORDS)} de la semaine #load"},
        )

    def post_with_file(self) -> None:
        space_id, _slug = self.a_space()
        body, content_type = multipart(
            {"space": str(space_id), "body": "La capture dont je parlais #load"},
            "attachments",
            "capture.png",
            PNG,
        )
        self.client.post(
            "/posts/",
            data=body,
            name="post with a file",
            headers={
                **self.headers,
                "HX-Request": "true",
                "X-CSRFToken": self.csrf,
                "Content-Type": content_type,
            },
        )

    def directory_search(self) -> None:
        self.page(f"/people/?q={quote(random.choice(QUERIES))}", "directory search")

    def global_search(self) -> None:
        self.page(f"/search/?q={quote(random.choice(WORDS))}", "global search")

    def notifications(self) -> None:
        self.page("/notifications/", "notifications")

    def document_library(self) -> None:
        _id, slug = random.choice([FIXTURE["organisation"], self.a_space()])
        self.page(f"/spaces/{slug}/documents/", "document library")

    def intranet_page(self) -> None:
        html = self.page("/intranet/", "intranet (index)")
        links = PAGE_LINK.findall(html)
        if links:
            self.page(random.choice(links), "intranet page")

    def agenda(self) -> None:
        self.page("/agenda/", "agenda")

    def read_conversation(self) -> None:
        mine = self.direct + self.groups + self.channel
        if not mine:
            return
        conversation_id = random.choice(mine)
        self.page(f"/messages/{conversation_id}/", "read a conversation")
        last = self.last_message.get(conversation_id)
        if last and self.ws is not None:
            try:
                self.ws.send(
                    json.dumps(
                        {"type": "read", "conversation_id": conversation_id, "message_id": last}
                    )
                )
            except Exception as error:
                emit("read", 0, f"send failed: {error}")

    def message_direct(self) -> None:
        if self.direct:
            self.send("direct", random.choice(self.direct))

    def message_group(self) -> None:
        if self.groups:
            self.send("group", random.choice(self.groups))
        else:
            self.message_direct()

    def message_space_channel(self) -> None:
        if self.channel:
            self.send("space channel", self.channel[0])
        else:
            self.message_direct()

    ACTIONS = {
        "home feed": home_feed,
        "space wall": space_wall,
        "open a post": open_post,
        "react": react,
        "comment": comment,
        "post": post,
        "post with a file": post_with_file,
        "directory search": directory_search,
        "global search": global_search,
        "notifications": notifications,
        "document library": document_library,
        "intranet page": intranet_page,
        "agenda": agenda,
        "read a conversation": read_conversation,
        "message direct": message_direct,
        "message group": message_group,
        "message space channel": message_space_channel,
    }
    NAMES = list(MIX)
    WEIGHTS = [MIX[name] for name in NAMES]

    @task
    def act(self) -> None:
        if not self.csrf:  # not signed in: try again
            if self.sign_in() and self.ws is None:
                self.connect()
                if self.reader is None:
                    self.reader = gevent.spawn(self.read_loop)
            return
        name = random.choices(self.NAMES, weights=self.WEIGHTS)[0]
        self.ACTIONS[name](self)


# --- The steps -----------------------------------------------------------------------------


class StepShape(LoadTestShape):
    """The number of people the controller asks for; None ends the run."""

    target = 0
    done = False

    def tick(self) -> tuple[int, float] | None:
        if StepShape.done:
            return None
        return (StepShape.target, SPAWN_RATE)


def _cpu_of(pids: list[int]) -> dict[int, float]:
    seen: dict[int, float] = {}
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for process in [root, *root.children(recursive=True)]:
                times = process.cpu_times()
                seen[process.pid] = times.user + times.system
        except psutil.Error:
            continue
    return seen


def _db_pids() -> list[int]:
    if not DB_NAME:
        return []
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info.get("cmdline") or [])
        if cmdline.startswith("postgres:") and f" {DB_NAME} " in cmdline:
            found.append(process.pid)
    return found


class CpuWindow:
    def __init__(self) -> None:
        self.wall = time.monotonic()
        self.server = _cpu_of(SERVER_PIDS)
        self.db = _cpu_of(_db_pids())
        me = psutil.Process().cpu_times()
        self.me = me.user + me.system
        self.machine = psutil.cpu_times()

    def stop(self) -> dict[str, float]:
        seconds = time.monotonic() - self.wall
        server = _cpu_of(SERVER_PIDS)
        db = _cpu_of(_db_pids())
        me_times = psutil.Process().cpu_times()
        machine = psutil.cpu_times()
        busy = (machine.user + machine.system + machine.nice + getattr(machine, "irq", 0)) - (
            self.machine.user
            + self.machine.system
            + self.machine.nice
            + getattr(self.machine, "irq", 0)
        )

        def delta(end: dict[int, float], start: dict[int, float]) -> float:
            return sum(cpu - start.get(pid, 0.0) for pid, cpu in end.items())

        return {
            "seconds": round(seconds, 1),
            "server_cpu_s": round(delta(server, self.server), 2),
            "db_cpu_s": round(delta(db, self.db), 2),
            "generator_cpu_s": round(me_times.user + me_times.system - self.me, 2),
            "machine_busy_cpu_s": round(busy, 2),
            "cpus": psutil.cpu_count() or 0,
            "load_average": round(os.getloadavg()[0], 2),
        }


def pg_statements_reset() -> dict[str, Any]:
    """PostgreSQL's pg_stat_statements emptied at the window's start (when it is loaded:
    `shared_preload_libraries = 'pg_stat_statements'`, a server restart)."""
    import psycopg

    try:
        with psycopg.connect(PG_URL, autocommit=True) as connection:
            connection.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            connection.execute("SELECT pg_stat_statements_reset()")
    except psycopg.Error as error:
        return {"error": f"pg_stat_statements unavailable: {str(error).strip()[:300]}"}
    return {}


def pg_statements_top(limit: int = 25) -> dict[str, Any]:
    """The statements of the window that took the database's time, most first."""
    import psycopg

    query = (
        "SELECT calls, total_exec_time, mean_exec_time, rows, query FROM pg_stat_statements "
        "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "ORDER BY total_exec_time DESC LIMIT %s"
    )
    try:
        with psycopg.connect(PG_URL, autocommit=True) as connection:
            rows = connection.execute(query, [limit]).fetchall()
    except psycopg.Error as error:
        return {"error": str(error).strip()[:300]}
    return {
        "top": [
            {
                "calls": calls,
                "total_ms": round(total, 1),
                "mean_ms": round(mean, 3),
                "rows": n,
                "query": " ".join(text.split())[:400],
            }
            for calls, total, mean, n, text in rows
        ]
    }


def _entry(e: StatsEntry) -> dict[str, Any]:
    return {
        "requests": e.num_requests,
        "failures": e.num_failures,
        "avg_ms": round(e.avg_response_time, 1),
        "p50_ms": e.get_response_time_percentile(0.5),
        "p95_ms": e.get_response_time_percentile(0.95),
        "p99_ms": e.get_response_time_percentile(0.99),
        "max_ms": round(e.max_response_time or 0, 1),
    }


def http_figures(env: Environment, seconds: float) -> dict[str, Any]:
    total = StatsEntry(env.stats, "HTTP", "")
    actions: dict[str, Any] = {}
    for (name, method), entry in sorted(env.stats.entries.items()):
        if method == "WS" or not entry.num_requests:
            continue
        total.extend(entry)
        actions[f"{method} {name}"] = _entry(entry)
    figures = _entry(total)
    figures["error_rate"] = total.num_failures / total.num_requests if total.num_requests else 0.0
    figures["requests_per_s"] = round(total.num_requests / seconds, 1) if seconds else 0.0
    figures["actions"] = actions
    errors = sorted(env.stats.errors.values(), key=lambda e: -e.occurrences)
    figures["error_samples"] = [
        f"{e.occurrences}× {e.method} {e.name}: {str(e.error)[:160]}" for e in errors[:6]
    ]
    return figures


def measure_step(env: Environment, people: int, confirmation: bool) -> dict[str, Any]:
    runner = env.runner
    assert runner is not None
    StepShape.target = people
    deadline = time.monotonic() + 120 + 3 * people / max(SPAWN_RATE, 0.1)
    while time.monotonic() < deadline:
        if runner.user_count == people and len(TRACKER.online) >= people:
            break
        gevent.sleep(0.5)
    reached = min(runner.user_count, len(TRACKER.online))
    gevent.sleep(WARMUP)
    env.stats.reset_all()
    TRACKER.start_window()
    cpu = CpuWindow()
    started = time.time()
    profiler = None
    statements: dict[str, Any] | None = None
    if PROFILE_STEP and people == PROFILE_STEP and not confirmation and PG_URL:
        statements = pg_statements_reset()
    if PROFILE_STEP and people == PROFILE_STEP and not confirmation and SERVER_PIDS:
        profiler = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "py-spy"),
                "record",
                "--pid",
                str(SERVER_PIDS[0]),
                "--subprocesses",
                "--duration",
                str(int(STEADY)),
                "--rate",
                "50",
                "--format",
                "raw",
                "--output",
                PROFILE_OUT,
                "--nonblocking",
                "--gil",  # only threads holding the GIL: Python's CPU, not its waits
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    gevent.sleep(STEADY)
    cpu_figures = cpu.stop()
    http = http_figures(env, cpu_figures["seconds"])
    TRACKER.end_window()
    settle = time.monotonic() + DELIVERY_TIMEOUT + 2
    while TRACKER.window_pending() and time.monotonic() < settle:
        gevent.sleep(0.5)
    TRACKER.sweep()
    realtime = TRACKER.summary()
    if statements is not None and "error" not in statements:
        statements = pg_statements_top()
    if profiler is not None:
        profiler.wait()
    seconds = cpu_figures["seconds"] or 1.0
    server_cores = cpu_figures["server_cpu_s"] / seconds
    db_cores = cpu_figures["db_cpu_s"] / seconds
    work = http["requests"] + realtime["messages"]
    cpu_figures.update(
        server_cores=round(server_cores, 3),
        db_cores=round(db_cores, 3),
        generator_cores=round(cpu_figures["generator_cpu_s"] / seconds, 3),
        machine_busy_cores=round(cpu_figures["machine_busy_cpu_s"] / seconds, 3),
        # What a dedicated server would need: server (+ database) CPU per simulated person.
        server_cpu_ms_per_person_s=round((server_cores + db_cores) * 1000 / max(people, 1), 3),
        server_cpu_ms_per_request=round(
            (cpu_figures["server_cpu_s"] + cpu_figures["db_cpu_s"]) * 1000 / work, 2
        )
        if work
        else math.nan,
    )
    step: dict[str, Any] = {
        "people": people,
        "people_reached": reached,
        "confirmation": confirmation,
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "window_s": seconds,
        "http": http,
        "realtime": realtime,
        "cpu": cpu_figures,
        **({"pg_statements": statements} if statements is not None else {}),
    }
    reasons = judge(step, THRESHOLDS)
    step["healthy"] = not reasons
    step["reasons"] = reasons
    with (OUT / "steps.jsonl").open("a") as f:
        f.write(json.dumps(step) + "\n")
    rt = realtime
    print(
        f"[{'confirm ' if confirmation else ''}{people:>5} people] "
        f"{http['requests_per_s']} req/s avg {http['avg_ms']} ms p99 {http['p99_ms']} ms "
        f"errors {http['failures']}/{http['requests']}; realtime "
        f"{rt['delivered']}/{rt['expected_deliveries']} delivered, {rt['missing']} missing, "
        f"{rt['duplicates']} twice, p99 {rt['delivery_ms']['p99']} ms; server "
        f"{cpu_figures['server_cores']} + db {cpu_figures['db_cores']} cores, generator "
        f"{cpu_figures['generator_cores']}; "
        + ("healthy" if step["healthy"] else "UNHEALTHY: " + "; ".join(reasons)),
        flush=True,
    )
    return step


def controller(env: Environment) -> None:
    try:
        last_healthy: int | None = None
        for people in STEPS:
            step = measure_step(env, people, confirmation=False)
            if step["healthy"]:
                last_healthy = people
                continue
            if CONFIRM and last_healthy is not None:
                measure_step(env, last_healthy, confirmation=True)
            break
    finally:
        StepShape.done = True


def sweeper() -> None:
    while True:
        gevent.sleep(1)
        TRACKER.sweep()


@events.init.add_listener
def on_init(environment: Environment, **_kwargs: Any) -> None:
    global ENV
    ENV = environment
    OUT.mkdir(parents=True, exist_ok=True)


@events.test_start.add_listener
def on_test_start(environment: Environment, **_kwargs: Any) -> None:
    gevent.spawn(sweeper)
    gevent.spawn(controller, environment)


__all__ = ["Person", "StepShape", "percentile"]
