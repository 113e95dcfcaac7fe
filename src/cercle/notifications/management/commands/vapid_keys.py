"""`manage.py vapid_keys`: show the server's VAPID public key (Web Push); `--rotate`: replace the
key pair (generated at first use otherwise). Rotating drops every device's subscription: browsers
bound them to the old key, and subscribe again the next time their person opens Cercle."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cercle.notifications import actions, push


class Command(BaseCommand):
    help = "Show the Web Push (VAPID) public key; with --rotate, replace the key pair."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="Generate a new key pair (every device must subscribe again).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rotate"]:
            key = actions.rotate_vapid_keys(actor=None)
            self.stdout.write("New VAPID key pair; every push subscription was dropped.")
        else:
            key = push.public_key()
        self.stdout.write(f"Public key (applicationServerKey): {key}")
