"""`manage.py seed_feed`: benchmark spaces, posts, comments, reactions (after seed_demo --scale)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cercle.accounts.actions.seed import seed_demo_content
from cercle.feed.seed import seed_feed


class Command(BaseCommand):
    help = (
        "Create bench spaces (the first with --big-space members), posts, comments and reactions "
        "among existing people; the --bench-user joins 50 spaces and follows 200 people."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--spaces", type=int, default=1000)
        parser.add_argument("--posts", type=int, default=1_000_000)
        parser.add_argument("--comments", type=int, default=2_000_000)
        parser.add_argument("--reactions", type=int, default=5_000_000)
        parser.add_argument("--big-space", type=int, default=5000)
        parser.add_argument("--bench-user", default="admin")
        parser.add_argument(
            "--demo",
            action="store_true",
            help="Only the demo organisation's month of activity, as `seed_demo` loads it "
            "(idempotent).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["demo"]:
            # The demo's month (spaces, posts, announcements, conversations) now comes with
            # `seed_demo`; kept so that older scripts calling `seed_feed --demo` still work.
            counts = seed_demo_content()
            self.stdout.write("Demo content written." if counts else "Demo content already there.")
            return
        for name in ("spaces", "posts", "comments", "reactions", "big_space"):
            if options[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} must be 0 or more.")
        report = seed_feed(
            spaces=options["spaces"],
            posts=options["posts"],
            comments=options["comments"],
            reactions=options["reactions"],
            bench_user=options["bench_user"],
            big_space=options["big_space"],
            progress=lambda line: self.stdout.write(line) if options["verbosity"] > 1 else None,
        )
        self.stdout.write(
            f"Spaces: {report.spaces}, memberships: {report.memberships}; added posts: "
            f"{report.posts}, comments: {report.comments}, reactions: {report.reactions}."
        )
