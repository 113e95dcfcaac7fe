#!/usr/bin/env python3
"""Web Push fan-out: one notification to each of N subscribed devices, encrypted and sent by the
code the task worker runs (`cercle.notifications.push.deliver`), to a push service on loopback.

It makes a temporary var dir with a SQLite database (migrated), N people with one subscription
each (a real P-256 key pair and auth secret per device) and one unread notification each, starts
a push service in another process (http.server on 127.0.0.1, answering 201 and noting when the
last request arrived), then times `deliver(ids)` in this process: the time to the last delivery,
and this process's CPU time (the worker's: encryption, VAPID signatures, HTTP). Results are
printed as a Markdown row.

    .venv/bin/python bench/push_bench.py --devices 1000
    .venv/bin/python bench/push_bench.py --devices 10000 --concurrency 16

Only 127.0.0.1 is ever targeted.
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import setup_django  # bench/common.py: what the benchmarks share

SERVER = r"""
import sys, time, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
count = 0
last = 0.0
lock = threading.Lock()
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        global count, last
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()
        with lock:
            count += 1
            last = time.time()
    def log_message(self, *a):
        pass
class Server(ThreadingHTTPServer):
    request_queue_size = 256  # a push service's backlog, not http.server's 5
server = Server(("127.0.0.1", 0), H)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.readline()
print(count, repr(last), flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--profile", action="store_true", help="the fan-out under cProfile (with --concurrency 1)"
    )
    args = parser.parse_args()

    setup_django(
        tempfile.mkdtemp(prefix="cercle-push-bench-"),
        CERCLE_TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
    )
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from django.conf import settings
    from django.core.management import call_command

    from cercle.accounts.models import User
    from cercle.notifications import push
    from cercle.notifications.models import Notification, PushSubscription

    call_command("migrate", verbosity=0)
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None and server.stdin is not None
    port = int(server.stdout.readline())
    settings.CERCLE_PUSH_ALLOW_HTTP = True
    settings.CERCLE_PUSH_SERVICE_HOSTS = ["127.0.0.1"]
    settings.CERCLE_PUSH_CONCURRENCY = args.concurrency

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    people = User.objects.bulk_create(
        [User(username=f"bench{i}", email=f"bench{i}@example.org") for i in range(args.devices)],
        batch_size=1000,
    )
    PushSubscription.objects.bulk_create(
        [
            PushSubscription(
                person=person,
                endpoint=f"http://127.0.0.1:{port}/push/{i}",
                p256dh=b64(
                    ec.generate_private_key(ec.SECP256R1())
                    .public_key()
                    .public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
                ),
                auth=b64(os.urandom(16)),
                label="bench",
            )
            for i, person in enumerate(people)
        ],
        batch_size=1000,
    )
    ids = [
        n.pk
        for n in Notification.objects.bulk_create(
            [
                Notification(recipient=person, kind="invitation", group_key=f"bench:{i}")
                for i, person in enumerate(people)
            ],
            batch_size=1000,
        )
    ]
    push.public_key()  # the key pair, generated before timing

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cpu0, start = time.process_time(), time.time()
    delivered = push.deliver(ids)
    cpu = time.process_time() - cpu0
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    server.stdin.write("\n")
    server.stdin.flush()
    count, last = server.stdout.readline().split()
    server.wait()
    to_last = float(last) - start
    print(
        f"| {args.devices:,} | {args.concurrency} | {delivered:,} / {int(count):,} | "
        f"{to_last:.1f} s | {args.devices / to_last:,.0f} | {cpu:.1f} s | "
        f"{cpu / args.devices * 1000:.2f} ms |"
    )
    machine = f"{platform.platform()}, {os.cpu_count()} CPUs"
    print(f"machine: {machine}, Python {platform.python_version()}")


if __name__ == "__main__":
    main()
