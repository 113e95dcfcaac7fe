"""Thumbnails and text of the contents not analysed yet (those stored before the analysis
existed, or after `--again STATE` put some back): `python -m cercle analyse_documents`. New
uploads need nothing: the task `analyse_blob` runs after each."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cercle.documents import extraction
from cercle.documents.actions import analyse_blob, reanalyse_blobs
from cercle.documents.models import Blob


class Command(BaseCommand):
    help = "Make the thumbnails and extract the text of documents not analysed yet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=0, help="at most this many contents")
        parser.add_argument(
            "--again",
            action="append",
            default=[],
            metavar="STATE",
            help="analyse again the contents in this state (timed_out, too_large, memory…)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["again"]:
            count = reanalyse_blobs(states=tuple(options["again"]))
            self.stdout.write(f"{count} content(s) to analyse again.")
        pending = Blob.objects.filter(text_state=extraction.PENDING).order_by("pk")
        if options["limit"]:
            pending = pending[: options["limit"]]
        done = 0
        for blob_id in pending.values_list("pk", flat=True):
            state = analyse_blob(blob_id=blob_id)
            done += 1
            self.stdout.write(f"{blob_id}: {state}")
        self.stdout.write(self.style.SUCCESS(f"{done} content(s) analysed."))
