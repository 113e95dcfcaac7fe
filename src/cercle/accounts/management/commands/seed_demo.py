"""`manage.py seed_demo`: the demo organisation and its past month (idempotent); `--scale N`: N
generated people too (and then not the month of activity).

The writes are in `cercle.accounts.actions.seed` (bulk writes; its docstring says why).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cercle.accounts.actions.seed import (
    DEMO_PASSWORD,
    SeedReport,
    seed_demo_content,
    seed_demo_organisation,
    seed_scale_people,
)
from cercle.accounts.demo_data import ADMIN_USERNAME, ORGANISATION_NAME


class Command(BaseCommand):
    help = (
        "Load the demo organisation (Atelier Lumen, ~60 people) and its past month of activity "
        "(spaces, posts, announcements, conversations); a second run adds nothing. With --scale "
        "N, the demo people and N generated people scale-000001…, for benchmarks (no activity)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            metavar="N",
            help="Also create the generated people scale-000001 … scale-N that do not exist yet.",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help="People written per transaction with --scale (default 2000).",
        )
        parser.add_argument(
            "--people-only",
            action="store_true",
            help="The demo people, departments and sites without their month of activity.",
        )
        parser.add_argument(
            "--no-demo",
            action="store_true",
            help="With --scale: skip the demo organisation (generated people then have no "
            "demo department heads as managers).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale: int = options["scale"]
        batch_size: int = options["batch_size"]
        if scale < 0:
            raise CommandError("--scale must be 0 or more.")
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        started = time.monotonic()
        if not options["no_demo"]:
            report = seed_demo_organisation()
            if report.created_anything:
                self.stdout.write(
                    f"Demo organisation {ORGANISATION_NAME}: {self._summary(report)}. "
                    f"Log in as '{ADMIN_USERNAME}' / '{DEMO_PASSWORD}'."
                )
            else:
                self.stdout.write(f"Demo organisation {ORGANISATION_NAME}: already loaded.")
            if not scale and not options["people_only"]:
                # The month of activity (benchmarks, with --scale, measure their own data).
                counts = seed_demo_content()
                if counts:
                    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
                    self.stdout.write(f"Its past month: {summary}.")
        if scale:
            verbosity = int(options.get("verbosity", 1))

            def progress(done: int, total: int) -> None:
                if verbosity >= 1:
                    elapsed = time.monotonic() - started
                    self.stdout.write(f"  {done}/{total} generated people ({elapsed:.1f} s)")

            report = seed_scale_people(count=scale, batch_size=batch_size, progress=progress)
            self.stdout.write(
                f"Generated people: {self._summary(report)} in {time.monotonic() - started:.1f} s."
            )

    @staticmethod
    def _summary(report: SeedReport) -> str:
        return (
            f"{report.people} people, {report.departments} departments, {report.sites} sites, "
            f"{report.skills} skills, {report.user_skills} skills held, "
            f"{report.endorsements} endorsements created"
        )
