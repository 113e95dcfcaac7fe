"""Prints where Cercle is served and a login that works (used by `make run`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

DEMO_LOGIN = "admin"
DEMO_PASSWORD = "cercle-demo"  # noqa: S105  (the demo organisation's documented password)
# Demo people worth logging in as, one per kind of use (README's "The demo organisation").
DEMO_PEOPLE = (
    ("julie.fournier", "internal communication: publishes announcements"),
    ("camille.martin", "an employee at the head office"),
    ("fatima.bouzid", "a production operator at the Nantes plant"),
    ("julien.morel", "an outside consultant (guest)"),
)


class Command(BaseCommand):
    help = "Print the address and a demo login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args: Any, **options: Any) -> None:
        people = "".join(f"  {username:<16} {role}\n" for username, role in DEMO_PEOPLE)
        self.stdout.write(
            f"\nCercle is starting on {options['url']}\n"
            f"Log in as '{DEMO_LOGIN}' (administrator) or any demo person's username, "
            f"with the password '{DEMO_PASSWORD}', for instance:\n{people}"
        )
