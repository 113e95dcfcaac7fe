"""Prints where Cercle is served and a login that works (used by `make run`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

DEMO_LOGIN = "admin"
DEMO_PASSWORD = "cercle-demo"  # noqa: S105  (the demo organisation's documented password)


class Command(BaseCommand):
    help = "Print the address and a demo login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(
            f"\nCercle is starting on {options['url']}\n"
            f"Log in as '{DEMO_LOGIN}' (administrator) or any demo person's username, "
            f"e.g. 'camille.martin', with the password '{DEMO_PASSWORD}'.\n"
        )
