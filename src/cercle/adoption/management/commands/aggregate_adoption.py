"""Computes the adoption figures of today and yesterday (`make run` calls it every hour), or of
the days asked for: `--days 30` for the last 30 days, `--day 2026-11-05` for one (re-running a day
gives the same figures)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cercle.adoption.actions import aggregate_day


class Command(BaseCommand):
    help = "Computes the daily adoption figures (today and yesterday by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="One day, YYYY-MM-DD.")
        parser.add_argument("--days", type=int, default=2, help="The last N days, today included.")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["day"]:
            try:
                days = [date.fromisoformat(options["day"])]
            except ValueError as error:
                raise CommandError(f"--day: {error}") from error
        else:
            if not 1 <= options["days"] <= 3660:
                raise CommandError("--days must be between 1 and 3660")
            days = [today - timedelta(days=n) for n in range(options["days"] - 1, -1, -1)]
        for day in days:
            written = aggregate_day(day)
            self.stdout.write(f"{day.isoformat()}: {written} figures")
