#!/usr/bin/env python3
"""A person's data download (the GDPR export) and their erasure, for a person with a lot of
content, timed in process on a fresh database.

The database is made here: SQLite in a temporary `CERCLE_VAR_DIR`, or (`--db postgres`) a
PostgreSQL database `cercle_sso_bench` it creates and drops on 127.0.0.1. It is migrated, then
one person writes, through Cercle's own actions (search index, notifications and all): `--posts`
posts in a space (each with a comment and a reaction, the first with an image), `--messages`
chat messages (the first with a PDF), `--documents` documents in the space and as many in "My
documents", `--pages` pages and `--events` events (with an invitation each). Then:

- the export (`privacy.actions.build_export`, the background task's work: every module's part,
  the files copied into the ZIP, the index page) is built `--repeat` times: wall and CPU time,
  SQL queries, the ZIP's size and number of entries;
- the erasure (`privacy.actions.erase_person`, shared content kept anonymised, the default rule)
  is run once on that person: wall and CPU time, SQL queries.

At scale (`--crowd-posts`, `--crowd-messages`): the organisation's own content around them,
written in bulk by a colleague (posts in the space, chat messages in a conversation), one in
`--mention-every` @mentioning the person — the erasure searches every post, comment and message
for those mentions, so its time grows with the organisation, not only with the person.

Query counts do not change with the machine's load; times do (the load average is printed
beside them).

    PYTHONPATH=src .venv/bin/python bench/privacy_bench.py --posts 1000 --messages 1000
    PYTHONPATH=src .venv/bin/python bench/privacy_bench.py --db postgres
    PYTHONPATH=src .venv/bin/python bench/privacy_bench.py --posts 100 --messages 100 \
        --crowd-posts 100000 --crowd-messages 100000
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from common import drop_pg_database, recreate_pg_database, setup_django  # noqa: E402

PG_URL = "postgres://postgres@127.0.0.1:5432/cercle_sso_bench"


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def timed(call: Any) -> tuple[Any, float, float, int]:
    from django.db import connection

    # Counted by a wrapper, not Django's query log (which keeps only the last 9,000).
    count = 0

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return result, wall, cpu, count


def seed(args: argparse.Namespace) -> Any:
    import io

    from cercle.agenda import actions as agenda_actions
    from cercle.documents import actions as documents_actions
    from cercle.pages import actions as pages_actions
    from tests.factories import make_event
    from tests.privacy.conftest import seed_person

    seeded = seed_person(posts=args.posts, messages=args.messages)
    person, colleague, space = seeded.person, seeded.colleague, seeded.space
    shared = documents_actions.root_of(documents_actions.space_library(space=space))
    mine = documents_actions.root_of(documents_actions.personal_library(user=person))
    for number in range(args.documents):
        body = f"Document {number}\n".encode() * 200
        for folder in (shared, mine):
            documents_actions.upload_file(
                actor=person, folder=folder, upload=io.BytesIO(body), name=f"doc-{number}.txt"
            )
    for number in range(args.pages):
        pages_actions.create_page(
            actor=person, space=space, title=f"Page {number}", body=f"Contenu {number}. " * 50
        )
    for number in range(args.events):
        event = make_event(organiser=person, space=space, title=f"Réunion {number}")
        agenda_actions.invite(actor=person, event=event, people=[colleague])
    return seeded


def seed_crowd(args: argparse.Namespace, seeded: Any) -> dict[str, int]:
    """Others' content in bulk (no search index, no notifications: only rows the erasure reads)."""
    from cercle.chat.models import Conversation, Message
    from cercle.feed.models import Post
    from tests.privacy.conftest import USERNAME

    def body(number: int) -> str:
        mention = f" @{USERNAME}" if number % args.mention_every == 0 else ""
        return f"Point d'étape {number} du projet{mention}"

    Post.objects.bulk_create(
        (
            Post(
                author=seeded.colleague,
                space=seeded.space,
                body=body(number),
                body_html=f"<p>{body(number)}</p>",
            )
            for number in range(args.crowd_posts)
        ),
        batch_size=2000,
    )
    conversation = Conversation.objects.filter(messages__sender=seeded.colleague).first()
    Message.objects.bulk_create(
        (
            Message(
                conversation=conversation,
                sender=seeded.colleague,
                client_id=f"crowd-{number}",
                body=body(number),
                body_html=f"<p>{body(number)}</p>",
            )
            for number in range(args.crowd_messages)
        ),
        batch_size=2000,
    )
    return {
        "posts": Post.objects.count(),
        "messages": Message.objects.count(),
        "mentioning_posts": len(range(0, args.crowd_posts, args.mention_every)),
        "mentioning_messages": len(range(0, args.crowd_messages, args.mention_every)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--crowd-posts", type=int, default=0)
    parser.add_argument("--crowd-messages", type=int, default=0)
    parser.add_argument("--mention-every", type=int, default=100)
    parser.add_argument("--out", default="")
    args = parser.parse_args(argv)

    var = tempfile.mkdtemp(prefix="cercle-privacy-bench-")
    if args.db == "postgres":
        recreate_pg_database(PG_URL)
    setup_django(var, PG_URL if args.db == "postgres" else "", MEDIA_ROOT=str(Path(var) / "media"))
    from django.conf import settings
    from django.core.management import call_command

    # Invitations and notifications mail nobody here (kept in memory).
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    call_command("migrate", verbosity=0)

    from cercle.privacy import actions
    from cercle.privacy.models import DataExport
    from tests.factories import make_admin

    started = time.perf_counter()
    seeded = seed(args)
    seeding = time.perf_counter() - started
    print(f"seeded in {seeding:.0f} s (load {loadavg()})", flush=True)
    started = time.perf_counter()
    crowd = seed_crowd(args, seeded)
    print(f"crowd {crowd} in {time.perf_counter() - started:.0f} s", flush=True)

    exports: list[dict[str, Any]] = []
    for _ in range(args.repeat):
        export = DataExport.objects.create(person=seeded.person)
        result, wall, cpu, queries = timed(lambda e=export: actions.build_export(export_id=e.pk))
        assert result == "ready", result
        export.refresh_from_db()
        import zipfile

        with actions.export_storage().open(export.file_name, "rb") as stored:
            entries = len(zipfile.ZipFile(stored).namelist())
        exports.append(
            {
                "wall_s": wall,
                "cpu_s": cpu,
                "queries": queries,
                "size": export.size,
                "entries": entries,
                "load": loadavg(),
            }
        )
        print(
            f"export: {wall:.2f} s wall, {cpu:.2f} s CPU, {queries} queries, "
            f"{export.size / 1e6:.1f} MB, {entries} entries (load {loadavg()})",
            flush=True,
        )

    actor = make_admin(username="bench-eraser", email="eraser@example.org")
    _result, wall, cpu, queries = timed(
        lambda: actions.erase_person(actor=actor, person=seeded.person)
    )
    erasure = {"wall_s": wall, "cpu_s": cpu, "queries": queries, "load": loadavg()}
    from cercle.chat.models import Message
    from cercle.feed.models import Post
    from tests.privacy.conftest import USERNAME

    # The crowd's mentions were all rewritten (else the figure would measure less than the work).
    assert not Post.objects.filter(body__icontains=f"@{USERNAME}").exists()
    assert not Message.objects.filter(body__icontains=f"@{USERNAME}").exists()
    print(
        f"erasure: {wall:.2f} s wall, {cpu:.2f} s CPU, {queries} queries (load {loadavg()})",
        flush=True,
    )

    walls = [e["wall_s"] for e in exports]
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "db": args.db,
        "content": {
            "posts": args.posts + 1,
            "comments": args.posts + 1,
            "reactions": args.posts + 1,
            "messages": args.messages,
            "documents": 2 * args.documents + 1,
            "pages": args.pages + 1,
            "events": args.events + 1,
        },
        "export": {
            "median_wall_s": statistics.median(walls),
            "max_wall_s": max(walls),
            "median_cpu_s": statistics.median(e["cpu_s"] for e in exports),
            "queries": sorted({e["queries"] for e in exports}),
            "size": exports[-1]["size"],
            "entries": exports[-1]["entries"],
            "runs": exports,
        },
        "erasure": erasure,
        "crowd": crowd,
    }
    print(json.dumps({k: v for k, v in report.items() if k != "export"}, indent=1))
    print(json.dumps({k: v for k, v in report["export"].items() if k != "runs"}, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1))
    if args.db == "postgres":
        from django.db import connections

        connections.close_all()
        drop_pg_database(PG_URL)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
