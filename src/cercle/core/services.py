"""`python -m cercle.core.services postgres URL` (or `redis URL`): exit 0 if the server answers."""

from __future__ import annotations

import socket
import sys
from urllib.parse import urlparse


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 2
        ):
            return True
    except OSError:
        return False


def postgres_ready(url: str) -> bool:
    if not reachable(url, 5432):
        return False
    import psycopg

    parsed = urlparse(url)
    try:
        with psycopg.connect(
            host=parsed.hostname,
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password or None,
            dbname="postgres",
            connect_timeout=3,
        ):
            return True
    except psycopg.Error:
        return False


def main(argv: list[str]) -> int:
    kind, url = argv[1], argv[2]
    ok = postgres_ready(url) if kind == "postgres" else reachable(url, 6379)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
