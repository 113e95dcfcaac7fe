"""Writes to the index and to recent searches.

The index follows each write in the writer's transaction (`follow`, connected by the registry to
the watched models' signals): a rolled-back write leaves the index as it was.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from cercle.accounts.hooks import PeopleChanged, PeopleCreated
from cercle.accounts.models import Profile, User
from cercle.core.hooks import listen
from cercle.search import registry
from cercle.search.engines import engine
from cercle.search.models import RecentSearch, SearchDocument
from cercle.search.registry import Entry, SearchKind

MAX_RECENT = 10


_FIELDS = ["title", "body", "language", "space_id", "author_id", "date", "url"]


def _values(entry: Entry) -> dict[str, Any]:
    return {
        "title": entry.title[:300],
        "body": entry.body,
        "language": entry.language,
        "space_id": entry.space_id,
        "author_id": entry.author_id,
        "date": entry.date,
        "url": entry.url[:500],
    }


def index_objects(kind: SearchKind, objects: Iterable[Model]) -> int:
    """(Re)index these objects of `kind` (one upsert, then the engine's tables); those whose
    `entry` is None leave the index."""
    documents: list[SearchDocument] = []
    gone: list[int] = []
    for obj in objects:
        entry = kind.entry(obj)
        if entry is None:
            gone.append(obj.pk)
        else:
            documents.append(SearchDocument(kind=kind.key, object_id=obj.pk, **_values(entry)))
    remove(kind, gone)
    if documents:
        SearchDocument.objects.bulk_create(
            documents,
            update_conflicts=True,
            unique_fields=["kind", "object_id"],
            update_fields=[*_FIELDS, "indexed_at"],
        )
        engine().write(documents)
    return len(documents)


def reindex(kind: SearchKind, object_ids: list[int]) -> None:
    if not object_ids:
        return
    objects = list(kind.rows().filter(pk__in=object_ids))
    found = {obj.pk for obj in objects}
    remove(kind, [pk for pk in object_ids if pk not in found])
    index_objects(kind, objects)


def remove(kind: SearchKind, object_ids: list[int]) -> None:
    if not object_ids:
        return
    ids = list(
        SearchDocument.objects.filter(kind=kind.key, object_id__in=object_ids).values_list(
            "pk", flat=True
        )
    )
    if ids:
        engine().delete(ids)
        SearchDocument.objects.filter(pk__in=ids).delete()


def follow(kind: SearchKind, object_ids: list[int], deleted: bool, saved: Model | None) -> None:
    """A watched row was saved or deleted: its entries follow, in the same transaction (`saved`:
    the kind's own object, just saved, indexed as it is without reading it again)."""
    if deleted:
        remove(kind, object_ids)
    elif saved is not None:
        index_objects(kind, [saved])
    else:
        reindex(kind, object_ids)


def follow_bulk_update(model: type[Model], objects: Iterable[Model], fields: Iterable[str]) -> None:
    """What the `post_save` signals would have done for `objects` of `model` written by one
    `bulk_update(objects, fields)` (which sends none): their own entries from the objects as
    they are (with what `entry` reads already loaded), the watching kinds' entries read again
    — one pass per kind, not per object."""
    objects = list(objects)
    written = set(fields)
    if not objects:
        return
    for kind in registry.kinds():
        for watch in registry.watches(kind):
            if watch.model is not model:
                continue
            if watch.fields is not None and not written & watch.fields:
                continue
            if watch.model is kind.model:
                index_objects(kind, objects)
            else:
                reindex(kind, sorted({pk for obj in objects for pk in watch.object_ids(obj)}))


def connect() -> None:
    registry.on_write(follow)
    listen(PeopleCreated, people_created)
    listen(PeopleChanged, people_changed)


def people_created(happening: PeopleCreated) -> None:
    """People created in bulk (no signals): their entries, in one pass."""
    kind = registry.get("person")
    if kind is not None:
        index_objects(kind, kind.rows().filter(pk__in=happening.user_ids))


def people_changed(happening: PeopleChanged) -> None:
    """People's columns written in bulk (no signals): what their `post_save` would have done,
    one pass per model whose columns were written."""
    ids = list(happening.user_ids)
    if not ids:
        return
    if happening.user_fields:
        follow_bulk_update(User, User.objects.filter(pk__in=ids), happening.user_fields)
    if happening.profile_fields:
        follow_bulk_update(
            Profile,
            Profile.objects.select_related("user", "department", "site").filter(user_id__in=ids),
            happening.profile_fields,
        )


def prune() -> int:
    """Remove from the engine's tables what no document holds any more (PostgreSQL: the words
    of the parts of words' lookup, which writes only add to); how many rows."""
    with transaction.atomic():
        return engine().prune()


def clear(kind: SearchKind | None = None) -> None:
    with transaction.atomic():
        if kind is None:
            engine().clear()
            SearchDocument.objects.all().delete()
        else:
            remove(
                kind,
                list(
                    SearchDocument.objects.filter(kind=kind.key).values_list("object_id", flat=True)
                ),
            )


def remember(user: User, query: str) -> None:
    """Keep `query` among `user`'s recent searches (the newest `MAX_RECENT`)."""
    query = " ".join(query.replace("\x00", "").split())[:200]
    if not query or not user.is_authenticated:
        return
    # Two statements in one transaction: the search upserted (its time renewed), then those
    # beyond the newest `MAX_RECENT` deleted (a page of results adds two queries, not six; no
    # savepoint inside a caller's transaction).
    with transaction.atomic(savepoint=False):
        RecentSearch.objects.bulk_create(
            [RecentSearch(user=user, query=query, searched_at=timezone.now())],
            update_conflicts=True,
            unique_fields=["user", "query"],
            update_fields=["searched_at"],
        )
        newest = RecentSearch.objects.filter(user=user).order_by("-searched_at", "-id")
        RecentSearch.objects.filter(user=user).exclude(
            pk__in=newest.values("pk")[:MAX_RECENT]
        ).delete()


def forget_recent(user: User) -> int:
    deleted, _ = RecentSearch.objects.filter(user=user).delete()
    return deleted
