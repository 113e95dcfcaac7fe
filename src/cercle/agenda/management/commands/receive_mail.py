"""`manage.py receive_mail < message.eml`: one mail from the mail server (a pipe transport, a
`.forward`, fetchmail's `mda`), read for iTIP answers to invitations (`agenda.replies`).

It always exits 0 for a mail it read, understood or not, so the mail server does not bounce a
stranger's mail back; what was recorded and what was ignored (and why) goes to the output."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cercle.agenda import replies


class Command(BaseCommand):
    help = "Read one e-mail on standard input and record the invitation answers (iTIP REPLY) in it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", nargs="?", default="-", help="the message (.eml); '-' or none: standard input"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        if path == "-":
            raw = sys.stdin.buffer.read(replies.MAX_BYTES + 1)
        else:
            with open(path, "rb") as handle:
                raw = handle.read(replies.MAX_BYTES + 1)
        outcome = replies.receive_message(raw)
        for event_id, person_id, answer in outcome.recorded:
            self.stdout.write(f"recorded: event {event_id}, person {person_id}: {answer}")
        for reason in outcome.ignored:
            self.stdout.write(f"ignored: {reason}")
