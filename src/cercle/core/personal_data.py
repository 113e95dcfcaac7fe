"""The registry of personal data: what each module holds about a person, how it goes into the
person's download, how it goes when an administrator erases the person, and what its retention
policies may delete.

Each module registers one `PersonalData` from its own `personal_data.py` (called by its
`apps.py`); the privacy pages (`cercle.privacy`) only walk the registry, so they know no module.

- `export(person, writer)` writes the module's part of the ZIP through the `ExportWriter`: JSON
  files, the person's files (read from their storage in chunks), an .ics or a .vcf, and the rows
  of the index page. A fixed number of queries whatever the number of items (no N+1).
- `erase(person, rule)` removes what the module holds about the person, or anonymises it: their
  own things go; what they wrote in shared spaces follows `rule.shared_content` (kept, the
  author then reads as the anonymised person, or deleted). Files go from the storage too (after
  the commit). Audit entries are never touched.
- `retention` lists the kinds of content a retention policy may delete (`RetentionTarget`).
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from django.core.files.storage import Storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Q, QuerySet
from django.utils.functional import Promise

SharedContent = Literal["anonymise", "delete"]
SHARED_CONTENT_CHOICES: tuple[SharedContent, ...] = ("anonymise", "delete")


@dataclass(frozen=True)
class ErasureRule:
    """How an erasure treats what the person wrote where others read it (spaces, group
    conversations, pages): `anonymise` keeps it under the anonymised name, `delete` removes it.
    What only the person had (their profile, their own wall, personal library and calendar,
    reactions, bookmarks, follows, notifications) always goes."""

    shared_content: SharedContent = "anonymise"


@dataclass
class IndexRow:
    text: str
    link: str = ""  # a path inside the ZIP
    when: datetime | None = None


@dataclass
class IndexSection:
    key: str
    title: str
    rows: list[IndexRow] = field(default_factory=list)
    total: int = 0


class ExportWriter:
    """Writes one person's ZIP: modules add files under their own folder and rows to the index
    page, which the privacy app renders last."""

    def __init__(self, archive: zipfile.ZipFile, *, index_limit: int = 500) -> None:
        self.archive = archive
        self.sections: list[IndexSection] = []
        self.files_written = 0
        self._names: set[str] = set()
        self._index_limit = index_limit

    def _unique(self, path: str) -> str:
        path = path.lstrip("/").replace("\\", "/").replace("..", "_")
        candidate, number = path, 1
        while candidate in self._names:
            number += 1
            stem, dot, extension = path.rpartition(".")
            candidate = f"{stem} ({number}).{extension}" if dot and stem else f"{path} ({number})"
        self._names.add(candidate)
        return candidate

    def write_bytes(self, path: str, data: bytes) -> str:
        name = self._unique(path)
        self.archive.writestr(name, data)
        self.files_written += 1
        return name

    def write_text(self, path: str, text: str) -> str:
        return self.write_bytes(path, text.encode())

    def write_json(self, path: str, data: Any) -> str:
        text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        return self.write_text(path, text + "\n")

    def write_file(self, path: str, storage: Storage, name: str | None) -> str | None:
        """Copies a stored file into the ZIP in chunks; None when the file is missing."""
        if not name or not storage.exists(name):
            return None
        archived = self._unique(path)
        with storage.open(name, "rb") as source, self.archive.open(archived, "w") as target:
            while chunk := source.read(1024 * 1024):
                target.write(chunk)
        self.files_written += 1
        return archived

    def section(self, key: str, title: str | Promise) -> IndexSection:
        section = IndexSection(key=key, title=str(title))
        self.sections.append(section)
        return section

    def add_row(self, section: IndexSection, row: IndexRow) -> None:
        section.total += 1
        if len(section.rows) < self._index_limit:
            section.rows.append(row)


def vcard(*, name: str, email: str = "", phone: str = "", title: str = "") -> str:
    """One vCard 3.0 (RFC 2426), for a contacts file."""

    def escape(value: str) -> str:
        return (
            value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")
        )

    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{escape(name)}", f"N:{escape(name)};;;;"]
    if email:
        lines.append(f"EMAIL;TYPE=INTERNET:{escape(email)}")
    if phone:
        lines.append(f"TEL:{escape(phone)}")
    if title:
        lines.append(f"TITLE:{escape(title)}")
    lines.append("END:VCARD")
    return "\r\n".join(lines) + "\r\n"


@dataclass(frozen=True)
class RetentionScope:
    """What one retention policy covers: content older than `before`, in the spaces listed
    (None: everywhere, personal content included; a policy for archived spaces lists them);
    never in a space or by a person under a legal hold."""

    before: datetime
    space_ids: frozenset[int] | None
    held_space_ids: frozenset[int]
    held_person_ids: frozenset[int]


@dataclass(frozen=True)
class RetentionTarget:
    """A kind of content a retention policy may delete ("chat.messages").

    `candidates(scope)` is the queryset of what the policy would delete, holds already left out;
    `describe(item)` is one line of the preview; `delete(ids)` deletes exactly those items (with
    their files) and returns how many went."""

    key: str
    label: Promise
    candidates: Callable[[RetentionScope], QuerySet[Any]]
    describe: Callable[[Any], str]
    delete: Callable[[Sequence[int]], int]
    date_field: str = "created_at"


@dataclass(frozen=True)
class PersonalData:
    key: str
    label: Promise
    export: Callable[[Any, ExportWriter], None]
    erase: Callable[[Any, ErasureRule], None]
    retention: tuple[RetentionTarget, ...] = ()
    # Erasures run in this order: accounts, which anonymises the person, comes last.
    order: int = 100


_REGISTRY: dict[str, PersonalData] = {}


def register(contribution: PersonalData) -> None:
    if contribution.key in _REGISTRY and _REGISTRY[contribution.key] != contribution:
        raise ValueError(f"personal data of {contribution.key!r} registered twice")
    _REGISTRY[contribution.key] = contribution


def contributions() -> list[PersonalData]:
    return sorted(_REGISTRY.values(), key=lambda item: (item.order, item.key))


def retention_targets() -> dict[str, RetentionTarget]:
    return {target.key: target for item in contributions() for target in item.retention}


def without_holds(
    items: QuerySet[Any], scope: RetentionScope, *, space: str, people: Iterable[str]
) -> QuerySet[Any]:
    """Narrows `items` to the scope's spaces and leaves out what a hold covers. `space` is the
    lookup of the item's space id (`"space_id"`, `"conversation__space_id"`), `people` the
    lookups of the people it belongs to (author, sender)."""
    if scope.space_ids is not None:
        items = items.filter(**{f"{space}__in": scope.space_ids})
    if scope.held_space_ids:
        items = items.exclude(**{f"{space}__in": scope.held_space_ids})
    held = Q()
    for person in people:
        held |= Q(**{f"{person}__in": scope.held_person_ids})
    if scope.held_person_ids and held:
        items = items.exclude(held)
    return items


def mention_pattern(username: str) -> re.Pattern[str]:
    """`@username` as a mention of exactly this person (not `@username.more`, not in an e-mail
    address), case aside: what an erasure rewrites in others' texts."""
    return re.compile(rf"(?<![\w@.+-])@{re.escape(username)}(?![\w+-]|[.@]\w)", re.IGNORECASE)


def replace_mentions(text: str, username: str, replacement: str) -> str:
    return mention_pattern(username).sub(f"@{replacement}", text)


# Rows an erasure rewrites at once: read, rewritten in Python, written back with `bulk_update`.
MENTION_BATCH = 500


def rewritten_mentions(
    rows: QuerySet[Any],
    fields: Sequence[str],
    username: str,
    replacement: str,
    *,
    size: int | None = None,
    limits: dict[str, int] | None = None,
) -> Iterator[list[Any]]:
    """Others' rows whose `fields` @mention `username`, in batches of `size`, with those fields
    already rewritten to name `replacement` (cut to `limits[field]` characters where given):
    only the rows that changed. The caller fills what derives from the text (HTML, search)
    and writes each batch with `bulk_update`: the queries grow with the batches, not with the
    mentions (one `LIKE` scan for the keys, then one read per batch of `MENTION_BATCH`)."""
    size = size or MENTION_BATCH
    needle = f"@{username}"
    found = Q()
    for name in fields:
        found |= Q(**{f"{name}__icontains": needle})
    keys = list(rows.filter(found).order_by("pk").values_list("pk", flat=True))
    pattern = mention_pattern(username)
    for start in range(0, len(keys), size):
        changed = []
        for row in rows.filter(pk__in=keys[start : start + size]).order_by("pk"):
            touched = False
            for name in fields:
                before = getattr(row, name)
                after = pattern.sub(f"@{replacement}", before)
                if limits and name in limits:
                    after = after[: limits[name]]
                if after != before:
                    setattr(row, name, after)
                    touched = True
            if touched:
                changed.append(row)
        if changed:
            yield changed


def model_ids(items: Iterable[Model]) -> list[int]:
    return [int(item.pk) for item in items]
