"""Prometheus metrics (prometheus_client), served at /metrics to allowed scrapers only.

Counted as things happen (cheap: one labelled observation per request, one increment per event):
- `cercle_http_request_duration_seconds{route,method,status}`: a histogram per URL *pattern* (the
  route, e.g. `spaces/<slug:slug>/`, never the raw path), so its `_count` is the requests by route
  and status;
- `cercle_websockets_open`: sockets open now; `cercle_websocket_connections_total`;
- `cercle_realtime_events_published_total{type}`: events published (once each, whatever the
  number of recipients); `cercle_realtime_deliveries_total`: event frames written to sockets;
  `cercle_realtime_drops_total{reason}`: events a socket did not get (`queue_full`: the socket
  could not keep up and is told to resync; `expired`: a socket's queued events waited too long,
  counted once per socket and clean-up; `disconnected`: the client had gone; `publish_failed`:
  the channel layer refused the send, e.g. Redis down);
- `cercle_db_pool_*`: psycopg's connection pool on PostgreSQL (sampled at most every 5 seconds
  by each process, and at each scrape).

Computed at scrape time from the database: `cercle_tasks_ready{queue}` (the task queue's depth),
`cercle_tasks_oldest_ready_age_seconds{queue}` and `cercle_tasks_running{queue}`.

Several server processes (uvicorn --workers N): set PROMETHEUS_MULTIPROC_DIR to an empty
directory writable by them all, emptied before the server starts (prometheus_client's
multiprocess mode); each process writes its metrics there and any of them answers a scrape with
the sum. docs/deployment.md, "Operating Cercle".
"""

from __future__ import annotations

import atexit
import ipaddress
import logging
import os
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

HTTP_DURATION = Histogram(
    "cercle_http_request_duration_seconds",
    "HTTP requests served, by URL pattern (route), method and status: latency in seconds.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
WEBSOCKETS_OPEN = Gauge(
    "cercle_websockets_open",
    "WebSockets open now (signed in and accepted).",
    multiprocess_mode="livesum",
)
WEBSOCKET_CONNECTIONS = Counter(
    "cercle_websocket_connections", "WebSockets accepted since the process started."
)
EVENTS_PUBLISHED = Counter(
    "cercle_realtime_events_published",
    "Realtime events published, by type (once per event, whatever the recipients).",
    ["type"],
)
DELIVERIES = Counter(
    "cercle_realtime_deliveries",
    "Realtime event frames written to sockets (one per recipient tab).",
)
DROPS = Counter(
    "cercle_realtime_drops",
    "Realtime events a socket did not get, by reason (queue_full, expired, disconnected, "
    "publish_failed).",
    ["reason"],
)
DB_POOL_SIZE = Gauge(
    "cercle_db_pool_connections",
    "Connections of psycopg's pool (PostgreSQL), by state (in_use, idle).",
    ["state"],
    multiprocess_mode="livesum",
)
DB_POOL_MAX = Gauge(
    "cercle_db_pool_max_connections",
    "The pools' maximum size (PostgreSQL).",
    multiprocess_mode="livesum",
)
DB_POOL_WAITING = Gauge(
    "cercle_db_pool_requests_waiting",
    "Threads waiting for a connection from the pool (PostgreSQL).",
    multiprocess_mode="livesum",
)

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_POOL_EVERY = 5.0
_next_pool_sample = 0.0


# (route, method, status) → the histogram's child: `labels()` validates and locks on every call,
# a dictionary lookup does not (the keys are as bounded as the label values).
_HTTP_CHILDREN: dict[tuple[str, str, int], Any] = {}


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    key = (route, method, status)
    child = _HTTP_CHILDREN.get(key)
    if child is None:
        child = _HTTP_CHILDREN[key] = HTTP_DURATION.labels(
            route, method if method in _METHODS else "other", str(status)
        )
    child.observe(seconds)
    if time.monotonic() >= _next_pool_sample:
        sample_db_pool()


def sample_db_pool() -> None:
    """Record this process's pool figures (PostgreSQL with DATABASE_POOL; nothing otherwise)."""
    global _next_pool_sample
    _next_pool_sample = time.monotonic() + _POOL_EVERY
    from django.db import connections

    try:
        connection = connections["default"]
        if connection.vendor != "postgresql" or not connection.settings_dict["OPTIONS"].get("pool"):
            return
        pool = getattr(connection, "pool", None)
        if pool is None:
            return
        stats = pool.get_stats()
    except Exception:  # a pool that is closing, a backend without one
        logger.debug("database pool figures unavailable", exc_info=True)
        return
    size = stats.get("pool_size", 0)
    idle = stats.get("pool_available", 0)
    DB_POOL_SIZE.labels("in_use").set(max(0, size - idle))
    DB_POOL_SIZE.labels("idle").set(idle)
    DB_POOL_MAX.set(stats.get("pool_max", 0))
    DB_POOL_WAITING.set(stats.get("requests_waiting", 0))


def _uses_database_tasks() -> bool:
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends["default"], DatabaseBackend)


class TaskQueueCollector(Collector):
    """The task queue's depth and age, read from django-tasks-db's table at scrape time (two
    aggregate queries; nothing when tasks do not go through the database)."""

    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The metrics' names without their values: the registry asks for them when the collector
        is registered (at import, before the database may be used), instead of collecting."""
        yield from self._families()

    def _families(self) -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        ready = GaugeMetricFamily(
            "cercle_tasks_ready", "Background tasks ready to run, by queue.", labels=["queue"]
        )
        age = GaugeMetricFamily(
            "cercle_tasks_oldest_ready_age_seconds",
            "How long the oldest ready task has waited, by queue (0: none waiting).",
            labels=["queue"],
        )
        running = GaugeMetricFamily(
            "cercle_tasks_running", "Background tasks running now, by queue.", labels=["queue"]
        )
        return ready, age, running

    def collect(self) -> Iterator[GaugeMetricFamily]:
        ready, age, running = self._families()
        try:
            figures = task_queue_figures() if _uses_database_tasks() else {}
        except Exception:
            logger.warning("task queue figures unavailable", exc_info=True)
            return
        for queue, (count, oldest, busy) in sorted(figures.items()):
            ready.add_metric([queue], count)
            age.add_metric([queue], oldest)
            running.add_metric([queue], busy)
        yield ready
        yield age
        yield running


def task_queue_figures() -> dict[str, tuple[int, float, int]]:
    """queue → (ready tasks, seconds the oldest has been ready, running tasks)."""
    from django.db.models import Count, Min, Q
    from django.utils import timezone
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    never = get_date_max()
    figures: dict[str, list[Any]] = {}
    rows = (
        DBTaskResult.objects.ready()
        .order_by()
        .values("queue_name")
        .annotate(
            count=Count("id"),
            # Ready since enqueued (no run_after), or since its run_after passed.
            enqueued=Min("enqueued_at", filter=Q(run_after=never)),
            due=Min("run_after", filter=~Q(run_after=never)),
        )
    )
    for row in rows:
        starts = [t for t in (row["enqueued"], row["due"]) if isinstance(t, datetime)]
        oldest = max(0.0, (now - min(starts)).total_seconds()) if starts else 0.0
        figures[row["queue_name"]] = [row["count"], oldest, 0]
    busy = (
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING)
        .order_by()
        .values("queue_name")
        .annotate(count=Count("id"))
    )
    for running in busy:
        figures.setdefault(running["queue_name"], [0, 0.0, 0])[2] = running["count"]
    return {queue: (int(c), float(a), int(r)) for queue, (c, a, r) in figures.items()}


TASK_QUEUE = TaskQueueCollector()
if not MULTIPROCESS:
    REGISTRY.register(TASK_QUEUE)


def render() -> tuple[bytes, str]:
    """The metrics page: this process's registry, or all processes' (PROMETHEUS_MULTIPROC_DIR)."""
    sample_db_pool()
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(TASK_QUEUE)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


if MULTIPROCESS:

    @atexit.register
    def _mark_dead() -> None:
        """A stopping process takes its live gauges (open sockets, pool) out of the sums."""
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def parse_networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """CERCLE_METRICS_ALLOWED_IPS: comma-separated addresses or networks (CIDR)."""
    networks = []
    for item in value.split(","):
        item = item.strip()
        if item:
            networks.append(ipaddress.ip_network(item, strict=False))
    return networks


def address_allowed(
    address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)
