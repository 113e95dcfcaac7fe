#!/usr/bin/env python3
"""Realtime benchmarks: real WebSocket clients against real uvicorn processes on loopback.

For one worker with the in-memory channel layer and two worker processes sharing Redis
(channels-redis; clients split across the two ports), on a SQLite file migrated first:

- direct messages at a steady rate (default 200 messages/s spread over 100 pairs): delivery latency
  (sender's send → receiver's `message.new`) and acknowledgement latency (send → `message.ack`),
  median and p99;
- a ramp of rates until delivery p99 passes 100 ms (sustained messages/s);
- one message at a time in a space channel of 1,000 connected members: fan-out latency to all;
- idle connections held by one worker and its memory per connection (RSS before/after).

    .venv/bin/python bench/realtime_bench.py                 # everything
    .venv/bin/python bench/realtime_bench.py --quick         # small sizes, a minute
    .venv/bin/python bench/realtime_bench.py --modes memory  # one worker only

Results go to bench/results/realtime-<date>.json and a Markdown table is printed. Only 127.0.0.1 is
targeted; the clients run in this one process (asyncio), on the same machine as the servers.

The clients are kept cheap so that they do not distort the figures on a small machine: a frame is
not parsed as JSON; its type and client id are found in the text (a regular expression on the
frame's start), and only the receivers' frames are timed. Each measure also reports the CPU time
the server processes spent (from /proc, all threads) and the client process spent
(`time.process_time`), per message: those stay meaningful when the machine is shared, where
latencies do not. `--pin` puts the servers on the first CPUs and the clients on the last one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from websockets.asyncio.client import ClientConnection, connect  # noqa: E402

from tests.helpers.server import ServerProcess, ServerSite  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))

from common import percentile_rounded  # noqa: E402  (bench/common.py)

REDIS_URL = os.environ.get("CERCLE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

SETUP = """
import secrets, hashlib
from datetime import timedelta
from django.utils import timezone
from cercle.accounts.models import User
from cercle.chat.models import Conversation, Membership
from cercle.core.models import RealtimeTicket
from cercle.chat import actions
n_pairs, n_channel, n_idle = {n_pairs}, {n_channel}, {n_idle}
total = 2 * n_pairs + n_channel + n_idle
User.objects.bulk_create(
    [User(username=f"b{{i}}", email=f"b{{i}}@bench.example", first_name="B", last_name=str(i),
          password="!") for i in range(total)],
    batch_size=1000,
)
users = list(User.objects.filter(username__startswith="b").order_by("id"))
pairs = []
for i in range(n_pairs):
    a, b = users[2 * i], users[2 * i + 1]
    c = actions.start_direct_conversation(actor=a, other=b)
    pairs.append([a.pk, b.pk, c.pk])
channel_users = users[2 * n_pairs: 2 * n_pairs + n_channel]
channel_id = None
if channel_users:
    from cercle.spaces.models import Membership as SpaceMembership
    from tests.factories import make_space
    space = make_space(owner=channel_users[0], name="All hands")
    SpaceMembership.objects.bulk_create(
        [SpaceMembership(space=space, user=u) for u in channel_users[1:]], batch_size=1000
    )
    channel = actions.open_channel_for(actor=channel_users[0], space_slug=space.slug)
    channel_id = channel.pk
idle_users = users[2 * n_pairs + n_channel:]
tickets = {{}}
rows = []
expires = timezone.now() + timedelta(hours=3)
for u in users:
    keys = []
    for _ in range(6):
        key = secrets.token_urlsafe(24)
        keys.append(key)
        digest = hashlib.sha256(key.encode()).hexdigest()
        rows.append(RealtimeTicket(key_hash=digest, user=u, expires_at=expires))
    tickets[u.pk] = keys
RealtimeTicket.objects.bulk_create(rows, batch_size=2000)
result = {{
    "pairs": pairs,
    "channel_id": channel_id,
    "channel_users": [u.pk for u in channel_users],
    "idle_users": [u.pk for u in idle_users],
    "tickets": {{str(k): v for k, v in tickets.items()}},
}}
"""


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median_ms": round(statistics.median(values) * 1000, 2) if values else float("nan"),
        "p99_ms": round(percentile_rounded(values, 0.99) * 1000, 2),
        "max_ms": round(max(values) * 1000, 2) if values else float("nan"),
    }


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes (all their threads), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])
    return total / ticks


class CpuMeter:
    """CPU spent by the servers and by this client process between `start` and `stop`."""

    def __init__(self, servers: list[ServerProcess]) -> None:
        self.pids = [s.process.pid for s in servers]

    def start(self) -> None:
        self.wall = time.perf_counter()
        self.server = cpu_seconds(self.pids)
        self.client = time.process_time()

    def stop(self, messages: int) -> dict[str, float]:
        wall = time.perf_counter() - self.wall
        server = cpu_seconds(self.pids) - self.server
        client = time.process_time() - self.client
        n = max(1, messages)
        return {
            "wall_s": round(wall, 2),
            "server_cpu_s": round(server, 2),
            "client_cpu_s": round(client, 2),
            "server_cpu_ms_per_message": round(server * 1000 / n, 3),
            "client_cpu_ms_per_message": round(client * 1000 / n, 3),
            "client_cpu_share": round(client / wall, 2) if wall else 0.0,
        }


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Bench:
    def __init__(
        self, servers: list[ServerProcess], data: dict[str, Any], *, deflate: bool = True
    ) -> None:
        self.servers = servers
        self.data = data
        self.used: dict[int, int] = {}
        # Browsers ask for permessage-deflate, so the clients do too unless told not to.
        self.compression: str | None = "deflate" if deflate else None

    def ticket(self, user_id: int) -> str:
        n = self.used.get(user_id, 0)
        self.used[user_id] = n + 1
        ticket: str = self.data["tickets"][str(user_id)][n]
        return ticket

    async def open(self, user_id: int, server: ServerProcess) -> ClientConnection:
        socket = await connect(
            f"{server.ws_url}?ticket={self.ticket(user_id)}",
            origin=server.url,  # type: ignore[arg-type]
            max_queue=None,
            ping_interval=None,
            compression=self.compression,
            open_timeout=60,
        )
        hello = json.loads(await socket.recv(decode=True))
        assert hello["type"] == "hello", hello
        return socket


# The server writes the type first; a client id is a plain token (no quotes or escapes).
FRAME_TYPE = re.compile(r'\{"type":\s?"([a-z.]+)"')
CLIENT_ID = re.compile(r'"client_id":\s?"([^"]*)"')


async def reader(
    socket: ClientConnection,
    sent: dict[str, float],
    arrivals: list[float],
    acks: list[float],
    *,
    receiver: bool,
) -> None:
    """Times `message.new` on a receiver's socket and `message.ack` on a sender's, without
    decoding the JSON (the client must stay cheap next to the server it measures)."""
    try:
        async for raw in socket:
            now = time.perf_counter()
            assert isinstance(raw, str)
            kind = FRAME_TYPE.match(raw)
            if kind is None:
                continue
            name = kind.group(1)
            if name == "message.new" and receiver:
                found = CLIENT_ID.search(raw)
                started = sent.get(found.group(1)) if found else None
                if started is not None:
                    arrivals.append(now - started)
            elif name == "message.ack" and not receiver:
                found = CLIENT_ID.search(raw)
                started = sent.get(found.group(1)) if found else None
                if started is not None:
                    acks.append(now - started)
    except Exception:  # noqa: S110 - the socket closed at the end of a run
        pass


async def direct_load(bench: Bench, rate: float, seconds: float, tag: str) -> dict[str, Any]:
    """Each pair's first person sends to the second; rate is the total messages/s."""
    pairs = bench.data["pairs"]
    servers = bench.servers
    senders, receivers = [], []
    for a, b, _c in pairs:
        s = await bench.open(a, servers[0])
        r = await bench.open(b, servers[-1])  # another process when there are two
        s.user_id = a  # type: ignore[attr-defined]
        r.user_id = b  # type: ignore[attr-defined]
        senders.append(s)
        receivers.append(r)
    sent: dict[str, float] = {}
    arrivals: list[float] = []
    acks: list[float] = []
    tasks = [
        asyncio.create_task(reader(ws, sent, arrivals, acks, receiver=False)) for ws in senders
    ] + [asyncio.create_task(reader(ws, sent, arrivals, acks, receiver=True)) for ws in receivers]
    await asyncio.sleep(0.5)
    interval = 1 / rate
    total = int(rate * seconds)
    meter = CpuMeter(servers)
    meter.start()
    start = time.perf_counter()
    for n in range(total):
        target = start + n * interval
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        index = n % len(pairs)
        client_id = f"{tag}-{n}"
        frame = json.dumps(
            {
                "type": "message.send",
                "conversation_id": pairs[index][2],
                "client_id": client_id,
                "body": f"message {n} at {rate}/s",
            }
        )
        sent[client_id] = time.perf_counter()
        await senders[index].send(frame)
    achieved = total / (time.perf_counter() - start)
    deadline = time.perf_counter() + 15
    while (len(arrivals) < total or len(acks) < total) and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    cpu = meter.stop(total)
    for ws in senders + receivers:
        await ws.close()
    for task in tasks:
        task.cancel()
    return {
        "rate": rate,
        "achieved_rate": round(achieved, 1),
        "sent": total,
        "delivered": len(arrivals),
        "acknowledged": len(acks),
        "delivery": summary(arrivals),
        "ack": summary(acks),
        "cpu": cpu,
    }


async def fanout(bench: Bench, messages: int) -> dict[str, Any]:
    members = bench.data["channel_users"]
    channel_id = bench.data["channel_id"]
    servers = bench.servers
    sockets = []
    for i, uid in enumerate(members):
        ws = await bench.open(uid, servers[i % len(servers)])
        ws.user_id = uid  # type: ignore[attr-defined]
        sockets.append(ws)
    sent: dict[str, float] = {}
    arrivals: list[float] = []
    acks: list[float] = []
    tasks = [
        asyncio.create_task(reader(ws, sent, arrivals, acks, receiver=i > 0))
        for i, ws in enumerate(sockets)
    ]
    await asyncio.sleep(1)
    per_message: list[float] = []
    meter = CpuMeter(servers)
    meter.start()
    for n in range(messages):
        before = len(arrivals)
        client_id = f"fan-{n}"
        sent[client_id] = time.perf_counter()
        await sockets[0].send(
            json.dumps(
                {
                    "type": "message.send",
                    "conversation_id": channel_id,
                    "client_id": client_id,
                    "body": f"announcement {n}",
                }
            )
        )
        deadline = time.perf_counter() + 10
        while len(arrivals) - before < len(members) - 1 and time.perf_counter() < deadline:
            await asyncio.sleep(0.005)
        per_message.append(max(arrivals[before:], default=float("nan")))
        await asyncio.sleep(0.3)
    cpu = meter.stop(messages)
    for ws in sockets:
        await ws.close()
    for task in tasks:
        task.cancel()
    return {
        "members": len(members),
        "messages": messages,
        "deliveries": len(arrivals),
        "expected": messages * (len(members) - 1),
        "delivery": summary(arrivals),
        "last_member_ms_median": round(statistics.median(per_message) * 1000, 2),
        "ack": summary(acks),
        "cpu": cpu,
    }


async def idle(bench: Bench, server: ServerProcess) -> dict[str, Any]:
    users = bench.data["idle_users"]
    before = rss_kib(server.process.pid)
    sockets = []
    failures = 0
    start = time.perf_counter()
    for chunk in range(0, len(users), 100):
        results = await asyncio.gather(
            *(bench.open(uid, server) for uid in users[chunk : chunk + 100]),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                failures += 1
            else:
                sockets.append(result)
    opened_in = time.perf_counter() - start
    await asyncio.sleep(10)
    after = rss_kib(server.process.pid)
    # Still alive after idling: a sample answers a ping frame.
    alive = 0
    for ws in sockets[:: max(1, len(sockets) // 100)]:
        await ws.send(json.dumps({"type": "ping"}))
        try:
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(decode=True), 5))
                if frame["type"] == "pong":
                    alive += 1
                    break
        except Exception:  # noqa: S110
            pass
    sampled = len(sockets[:: max(1, len(sockets) // 100)])
    for ws in sockets:
        await ws.close()
    return {
        "connections": len(sockets),
        "failures": failures,
        "open_seconds": round(opened_in, 1),
        "rss_before_mib": round(before / 1024, 1),
        "rss_after_mib": round(after / 1024, 1),
        "kib_per_connection": round((after - before) / max(1, len(sockets)), 1),
        "alive_sampled": f"{alive}/{sampled}",
    }


async def run_mode(mode: str, args: argparse.Namespace) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix=f"cercle-rt-{mode}-"))
    redis_url = REDIS_URL if mode == "redis" else ""
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    site = ServerSite(directory, redis_url=redis_url)
    site.migrate()
    data = site.python(
        SETUP.format(
            n_pairs=args.pairs, n_channel=args.channel, n_idle=args.idle if mode == "memory" else 0
        )
    )
    servers = [site.start()] if mode == "memory" else [site.start(), site.start()]
    if args.pin:
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) >= 2:
            for server in servers:
                os.sched_setaffinity(server.process.pid, cpus[:-1])
            os.sched_setaffinity(0, cpus[-1:])
    bench = Bench(servers, data, deflate=not args.no_deflate)
    result: dict[str, Any] = {"mode": mode, "workers": len(servers)}
    try:
        result["direct"] = await direct_load(bench, args.rate, args.seconds, f"{mode}-steady")
        result["ack_at_100"] = await direct_load(bench, 100, args.seconds, f"{mode}-ack")
        ramp = []
        for rate in args.ramp:
            step = await direct_load(bench, rate, max(3, args.seconds / 2), f"{mode}-ramp-{rate}")
            ramp.append(step)
            if step["delivery"]["p99_ms"] > 100 or step["delivered"] < step["sent"]:
                break
        result["ramp"] = ramp
        if args.channel:
            result["fanout"] = await fanout(bench, args.fanout_messages)
        if mode == "memory" and args.idle:
            result["idle"] = await idle(bench, servers[0])
    finally:
        site.stop()
    return result


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| setup | measure | n | median | p99 | server CPU per message | client CPU |",
        "|---|---|---|---|---|---|---|",
    ]

    def cpu(m: dict[str, Any]) -> str:
        c = m["cpu"]
        return f"{c['server_cpu_ms_per_message']} ms | {round(c['client_cpu_share'] * 100)} %"

    for r in results:
        setup = "1 worker, in-memory layer" if r["mode"] == "memory" else "2 workers, Redis layer"
        d = r["direct"]
        lines.append(
            f"| {setup} | delivery, direct, {d['rate']:.0f} msg/s (achieved {d['achieved_rate']}) "
            f"| {d['delivered']}/{d['sent']} | {d['delivery']['median_ms']} ms "
            f"| {d['delivery']['p99_ms']} ms | {cpu(d)} |"
        )
        a = r["ack_at_100"]
        lines.append(
            f"| {setup} | send → ack at 100 sends/s | {a['acknowledged']}/{a['sent']} "
            f"| {a['ack']['median_ms']} ms | {a['ack']['p99_ms']} ms | {cpu(a)} |"
        )
        for step in r["ramp"]:
            lines.append(
                f"| {setup} | ramp {step['rate']:.0f} msg/s (achieved {step['achieved_rate']}) "
                f"| {step['delivered']}/{step['sent']} | {step['delivery']['median_ms']} ms "
                f"| {step['delivery']['p99_ms']} ms | {cpu(step)} |"
            )
        if "fanout" in r:
            f = r["fanout"]
            lines.append(
                f"| {setup} | fan-out to {f['members']} members ({f['messages']} messages) "
                f"| {f['deliveries']}/{f['expected']} | {f['delivery']['median_ms']} ms "
                f"| {f['delivery']['p99_ms']} ms | {cpu(f)} |"
            )
        if "idle" in r:
            i = r["idle"]
            lines.append(
                f"| {setup} | idle connections held | {i['connections']} (failed {i['failures']}, "
                f"alive {i['alive_sampled']}) "
                f"| RSS {i['rss_before_mib']} → {i['rss_after_mib']} MiB "
                f"| {i['kib_per_connection']} KiB/connection | | |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--modes", nargs="+", default=["memory", "redis"], choices=["memory", "redis"]
    )
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--ramp", type=float, nargs="+", default=[300, 400, 600, 800, 1200])
    parser.add_argument("--channel", type=int, default=1000)
    parser.add_argument("--fanout-messages", type=int, default=10)
    parser.add_argument("--idle", type=int, default=5000)
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument(
        "--no-deflate",
        action="store_true",
        help="clients without permessage-deflate (browsers ask for it; this shows its cost)",
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="servers on the first CPUs, this client process on the last one",
    )
    args = parser.parse_args()
    if args.quick:
        args.pairs, args.seconds, args.ramp = 20, 3, [300]
        args.channel, args.fanout_messages, args.idle = 100, 3, 300
    results = [asyncio.run(run_mode(mode, args)) for mode in args.modes]
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = ROOT / "bench" / "results" / f"realtime-{stamp}.json"
    out.parent.mkdir(exist_ok=True)
    meta = {
        "date": stamp,
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}",
        "args": vars(args),
    }
    out.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(meta["machine"])
    print(table(results))
    print(f"\n(written to {out.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
