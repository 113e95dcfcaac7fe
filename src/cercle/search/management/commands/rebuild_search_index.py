"""Rebuild the search index from the modules' rows, kind by kind, in batches, while search
stays online (entries are replaced in place; those left over from deleted rows go at the end of
each kind). Interrupted, it resumes where it stopped with `--resume` (a small state file)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from cercle.search import actions, registry
from cercle.search.models import SearchDocument


def default_state() -> Path:
    return Path(settings.VAR_DIR) / "search-rebuild.json"


class Command(BaseCommand):
    help = "Rebuild the search index (resumable with --resume)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--kind", action="append", default=[], help="Only this kind (repeatable)"
        )
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument("--resume", action="store_true", help="Go on from the last stop")
        parser.add_argument("--state", default="", help="The state file (var/search-rebuild.json)")

    def handle(self, *args: Any, **options: Any) -> None:
        state_path = Path(options["state"]) if options["state"] else default_state()
        kinds = registry.kinds()
        if options["kind"]:
            unknown = set(options["kind"]) - {kind.key for kind in kinds}
            if unknown:
                raise CommandError(f"unknown kinds: {', '.join(sorted(unknown))}")
            kinds = [kind for kind in kinds if kind.key in options["kind"]]
        state: dict[str, Any] = {}
        if options["resume"] and state_path.exists():
            state = json.loads(state_path.read_text())
        batch = max(1, options["batch"])
        for kind in kinds:
            done = state.get(kind.key, {})
            if done.get("finished"):
                self.stdout.write(f"{kind.key}: done before")
                continue
            started = done.get("started") or timezone.now().isoformat()
            last = int(done.get("last", 0))
            rows = kind.rows().order_by("pk")
            total = rows.count()
            count = rows.filter(pk__lte=last).count() if last else 0
            while True:
                chunk = list(rows.filter(pk__gt=last)[:batch])
                if not chunk:
                    break
                with transaction.atomic():
                    actions.index_objects(kind, chunk)
                last = chunk[-1].pk
                count += len(chunk)
                state[kind.key] = {"started": started, "last": last}
                self._save(state_path, state)
                self.stdout.write(f"{kind.key}: {count}/{total} ({100 * count // max(total, 1)}%)")
            # Entries not rewritten since this kind began belong to rows that are gone.
            stale = list(
                SearchDocument.objects.filter(
                    kind=kind.key, indexed_at__lt=datetime.fromisoformat(started)
                ).values_list("object_id", flat=True)
            )
            actions.remove(kind, stale)
            state[kind.key] = {"started": started, "last": last, "finished": True}
            self._save(state_path, state)
            self.stdout.write(f"{kind.key}: {count} indexed, {len(stale)} stale entries removed")
        pruned = actions.prune()
        if pruned:
            self.stdout.write(f"{pruned} words no document holds any more removed")
        state_path.unlink(missing_ok=True)
        self.stdout.write(self.style.SUCCESS("search index rebuilt"))

    @staticmethod
    def _save(path: Path, state: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(state))
