"""`manage.py seed_feed`: benchmark spaces, posts, comments, reactions (after seed_demo --scale)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

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
            help="Only the demo organisation's few spaces and posts (idempotent).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["demo"]:
            from cercle.feed.seed import seed_demo_wall

            wrote = seed_demo_wall()
            self.stdout.write("Demo wall written." if wrote else "Demo wall already there.")
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
