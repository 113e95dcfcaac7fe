#!/usr/bin/env python3
"""Are realtime deliveries lost? Real WebSocket clients against real uvicorn processes (loopback),
counted as the mixed-load generator counts them (bench/load/tracker.py), on one database kept
between rounds as bench/load/ramp.py keeps its seeded data between runs.

People in overlapping group conversations and direct pairs each hold one socket (split across
the server processes); random senders send to one of their conversations at a steady rate, with
typing and presence frames between (events the channel layer hands straight to idle sockets,
`take_now`). Each round is one generator run: sockets opened, messages sent, every delivery
awaited up to `--timeout` seconds, sockets closed. The server's `cercle_realtime_*` counters are
read at the end.

`--reuse-client-ids` makes client ids as the generator made them before issue 15's finding was
resolved (`load-<person>-<n>`, n from 0 at every run): a later round re-sends ids stored by an
earlier one, which the server acknowledges as `duplicate` and delivers to nobody (by design: a
retry). Without it, ids are unique per run (`tracker.run_tag`), as a browser's are.

    .venv/bin/python bench/load/deliveries_check.py --layer redis --rounds 3 --reuse-client-ids
    .venv/bin/python bench/load/deliveries_check.py --layer memory --rounds 2

Only 127.0.0.1 is targeted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from tracker import DeliveryTracker, run_tag  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402

from tests.helpers.server import ServerProcess, ServerSite  # noqa: E402

SETUP = """
import secrets, hashlib
from datetime import timedelta
from django.utils import timezone
from cercle.accounts.models import User
from cercle.chat import actions
from cercle.core.models import RealtimeTicket
n, size, sockets = {people}, {group_size}, {sockets}
User.objects.bulk_create(
    [User(username=f"d{{i}}", email=f"d{{i}}@check.example", first_name="D", last_name=str(i),
          password="!") for i in range(n)]
)
users = list(User.objects.filter(username__startswith="d").order_by("id"))
conversations = {{}}
# Two overlapping splits into groups, so that each person is in two groups.
for offset in (0, size // 2):
    ring = users[offset:] + users[:offset]
    for start in range(0, n - size + 1, size):
        members = ring[start:start + size]
        c = actions.create_group_conversation(actor=members[0], name=f"g{{offset}}-{{start}}",
                                              members=members[1:])
        conversations[c.pk] = ["group", [u.pk for u in members]]
for i in range(0, n - 1, 2):
    c = actions.start_direct_conversation(actor=users[i], other=users[i + 1])
    conversations[c.pk] = ["direct", [users[i].pk, users[i + 1].pk]]
tickets = {{}}
rows = []
expires = timezone.now() + timedelta(hours=3)
for u in users:
    keys = [secrets.token_urlsafe(24) for _ in range(sockets)]
    rows += [RealtimeTicket(key_hash=hashlib.sha256(k.encode()).hexdigest(), user=u,
                            expires_at=expires) for k in keys]
    tickets[str(u.pk)] = keys
RealtimeTicket.objects.bulk_create(rows)
result = {{"people": [u.pk for u in users], "conversations": conversations, "tickets": tickets}}
"""


def counters(server: ServerProcess) -> dict[str, float]:
    """The server's cercle_realtime_drops_total{reason} and deliveries (all processes)."""
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=30) as response:
        text = response.read().decode()
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(("cercle_realtime_drops_total", "cercle_realtime_deliveries_total")):
            name, _, value = line.rpartition(" ")
            found[name] = found.get(name, 0.0) + float(value)
    return found


class Round:
    def __init__(self, args: argparse.Namespace, data: dict[str, Any], servers: list[Any]) -> None:
        self.args = args
        self.data = data
        self.servers = servers
        self.tracker = DeliveryTracker(
            clock=time.monotonic, emit=lambda *_: None, timeout=args.timeout
        )
        self.sockets: dict[int, ClientConnection] = {}
        self.newest: dict[int, int] = {}
        self.errors: list[str] = []
        self.mine: dict[int, list[int]] = {}
        for cid, (_kind, members) in data["conversations"].items():
            for uid in members:
                self.mine.setdefault(uid, []).append(int(cid))

    async def open(self, uid: int, index: int, ticket: str) -> None:
        server = self.servers[index % len(self.servers)]
        socket = await connect(
            f"{server.ws_url}?ticket={ticket}",
            origin=server.url,
            max_queue=None,
            ping_interval=None,
            open_timeout=60,
        )
        hello = json.loads(await socket.recv(decode=True))
        assert hello["type"] == "hello", hello
        self.newest[uid] = int(hello["last_message_id"] or 0)
        self.sockets[uid] = socket
        self.tracker.socket_open(uid)

    async def read(self, uid: int) -> None:
        socket = self.sockets[uid]
        async for raw in socket:
            frame = json.loads(raw)
            kind = frame["type"]
            if kind == "message.new":
                message = frame["message"]
                self.newest[uid] = max(self.newest[uid], message["id"])
                self.tracker.received(uid, message.get("client_id") or "")
            elif kind == "message.ack":
                self.tracker.acknowledged(frame["client_id"], duplicate=bool(frame["duplicate"]))
            elif kind == "resync":  # as realtime.js and the generator answer it
                self.tracker.resynced(uid)
                await socket.send(json.dumps({"type": "sync", "after": self.newest[uid]}))
            elif kind == "sync.result":
                for message in frame["messages"]:
                    self.newest[uid] = max(self.newest[uid], message["id"])
                    self.tracker.received(uid, message.get("client_id") or "")
                if frame["more"]:
                    await socket.send(json.dumps({"type": "sync", "after": frame["last_id"]}))
            elif kind == "error":
                self.errors.append(str(raw)[:200])

    async def run(self, number: int) -> dict[str, Any]:
        args = self.args
        people = self.data["people"]
        await asyncio.gather(
            *(
                self.open(uid, i, self.data["tickets"][str(uid)][number])
                for i, uid in enumerate(people)
            )
        )
        readers = [asyncio.create_task(self.read(uid)) for uid in people]
        tag = "load" if args.reuse_client_ids else run_tag()
        rng = random.Random(args.seed + number)
        self.tracker.start_window()
        interval = 1 / args.rate
        start = time.monotonic()
        for n in range(args.messages):
            await asyncio.sleep(max(0.0, start + n * interval - time.monotonic()))
            uid = rng.choice(people)
            socket = self.sockets[uid]
            cid = rng.choice(self.mine[uid])
            kind, members = self.data["conversations"][str(cid)]
            if rng.random() < 0.3:
                await socket.send(json.dumps({"type": "typing", "conversation_id": cid}))
            if rng.random() < 0.1:
                status = rng.choice(["away", "online"])
                await socket.send(json.dumps({"type": "presence", "status": status}))
            client_id = f"{tag}-{uid}-{n}"
            self.tracker.sent(client_id, sender=uid, kind=kind, members=members)
            await socket.send(
                json.dumps(
                    {
                        "type": "message.send",
                        "conversation_id": cid,
                        "client_id": client_id,
                        "body": f"check {client_id}",
                    }
                )
            )
        self.tracker.end_window()
        while self.tracker.window_pending():
            await asyncio.sleep(0.5)
            self.tracker.sweep()
        for socket in self.sockets.values():
            await socket.close()
        await asyncio.gather(*readers, return_exceptions=True)
        summary = self.tracker.summary()
        return {
            "round": number + 1,
            "client_ids": f"{tag}-<person>-<n>",
            "messages": summary["messages"],
            "expected": summary["expected_deliveries"],
            "delivered": summary["delivered"],
            "missing": summary["missing"],
            "twice": summary["duplicates"],
            "late": summary["late"],
            "acks": summary["acks"],
            "acked_as_duplicate": summary["resent"],
            # What the generator counted "missing" before it read the ack's `duplicate`.
            "their_recipients": summary["resent_deliveries"],
            "resyncs": summary["resyncs"],
            "error_frames": len(self.errors),
            "delivery_ms": summary["delivery_ms"],
            "by_kind": summary["by_kind"],
        }


async def main_async(args: argparse.Namespace) -> None:
    directory = Path(tempfile.mkdtemp(prefix="cercle-deliveries-"))
    metrics_dir = directory / "metrics"
    metrics_dir.mkdir()
    extra = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    redis_url = ""
    if args.layer == "redis":
        import redis

        redis_url = args.redis_url
        redis.Redis.from_url(redis_url).flushdb()
    site = ServerSite(directory / "site", redis_url=redis_url, extra_env=extra)
    site.directory.mkdir()
    site.migrate()
    data = site.python(
        SETUP.format(people=args.people, group_size=args.group_size, sockets=args.rounds)
    )
    workers = args.workers if args.layer == "redis" else 1
    servers = [site.start(workers=1) for _ in range(workers)]
    try:
        results = []
        for number in range(args.rounds):
            result = await Round(args, data, servers).run(number)
            print(json.dumps(result), flush=True)
            results.append(result)
        # One directory of metrics for every process: any of them answers with the sum.
        print(json.dumps({"server_counters": counters(servers[0])}), flush=True)
    finally:
        site.stop()
        shutil.rmtree(directory, ignore_errors=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--layer", choices=["memory", "redis"], default="memory")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    parser.add_argument("--workers", type=int, default=2, help="server processes (redis)")
    parser.add_argument("--people", type=int, default=24)
    parser.add_argument("--group-size", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--messages", type=int, default=150, help="per round")
    parser.add_argument("--rate", type=float, default=15, help="messages per second")
    parser.add_argument("--timeout", type=float, default=10, help="seconds to deliver")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--reuse-client-ids", action="store_true")
    args = parser.parse_args()
    if urlparse(args.redis_url).hostname not in {"127.0.0.1", "localhost"}:
        parser.error("only 127.0.0.1 is targeted")
    return args


if __name__ == "__main__":
    asyncio.run(main_async(parse_args()))
