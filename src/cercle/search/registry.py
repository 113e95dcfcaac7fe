"""The searchable kinds: each module registers its own from its `search.py`.

A `SearchKind` says how one model becomes an index entry (`entry`) and which of its rows a viewer
may see (`visible`: the module's own `visible_*` rule, as a queryset). Search never decides who
sees what: every result, count and suggestion is filtered by `visible` at query time, so a person
removed from a space stops finding its content at once, whatever the index holds.

`watch` lists the models whose writes change an entry (a profile changes its person's entry): the
registry connects their `post_save`/`post_delete` so that the index follows every write in the
writer's own transaction, with no line in the module's actions (bulk `update()` calls bypass
signals: their visibility is live anyway, and `rebuild_search_index` refreshes their text).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Model, QuerySet
from django.db.models.signals import post_delete, post_save
from django.utils.functional import Promise

if TYPE_CHECKING:
    from cercle.accounts.models import User


@dataclass(frozen=True)
class Entry:
    """What the index keeps of one object."""

    title: str
    body: str
    url: str  # where the result opens, with its anchor
    date: datetime
    language: str = "fr"  # the author's language ("fr" or "en"): the stemmer of the text
    space_id: int | None = None
    author_id: int | None = None


@dataclass(frozen=True)
class Watch:
    """A model whose writes change entries of a kind: `object_ids(instance)` names them."""

    model: type[Model]
    object_ids: Callable[[Any], Iterable[int]]
    fields: frozenset[str] | None = None  # a save touching none of these changes nothing


@dataclass(frozen=True)
class SearchKind:
    key: str
    label: str | Promise  # plural, translated: the tab's name
    model: type[Model]
    entry: Callable[[Any], Entry | None]  # None: not searchable (trashed, deleted…)
    visible: Callable[[User], QuerySet[Any]]  # the rows the viewer may see now
    rows: Callable[[], QuerySet[Any]]  # every row, with what `entry` reads (select_related)
    order: int = 100  # the tabs' order
    suggest: bool = False  # offered as one types (by title)
    fields: frozenset[str] | None = None  # a save of the model touching none of these is ignored
    watch: tuple[Watch, ...] = field(default=())
    # The place in the object where a result opens: (indexed body, offset of the first matching
    # word) → the address's fragment ("" for none), e.g. the heading of a page's section.
    place: Callable[[str, int], str] | None = None
    # Titles read at display time, for the results shown (object id → title): those made of
    # other rows (a message's conversation name, a post's author) that their writes do not
    # reindex, so a renamed channel or person shows its new name at once.
    titles: Callable[[list[int]], dict[int, str]] | None = None


_kinds: dict[str, SearchKind] = {}


def register(kind: SearchKind) -> None:
    if kind.key in _kinds:
        raise ValueError(f"search kind {kind.key!r} registered twice")
    _kinds[kind.key] = kind
    for watch in watches(kind):
        _connect(kind, watch)


def watches(kind: SearchKind) -> tuple[Watch, ...]:
    """The models whose writes change the kind's entries: its own first, then `kind.watch`."""
    own = Watch(model=kind.model, object_ids=lambda instance: [instance.pk], fields=kind.fields)
    return (own, *kind.watch)


def kinds() -> list[SearchKind]:
    return sorted(_kinds.values(), key=lambda kind: (kind.order, kind.key))


def get(key: str) -> SearchKind | None:
    return _kinds.get(key)


def _connect(kind: SearchKind, watch: Watch) -> None:
    # Imported here would be a loop (index imports the registry): the follower is set by index.
    def saved(sender: type[Model], instance: Model, **kwargs: Any) -> None:
        fields = kwargs.get("update_fields")
        if fields is not None and watch.fields is not None and not (set(fields) & watch.fields):
            return
        if kwargs.get("raw"):
            return
        own = instance if watch.model is kind.model else None
        for follow in _followers:
            follow(kind, list(watch.object_ids(instance)), False, own)

    def deleted(sender: type[Model], instance: Model, **kwargs: Any) -> None:
        own = watch.model is kind.model
        for follow in _followers:
            # A watched model's row gone (a profile's user): the entry is read again.
            follow(kind, list(watch.object_ids(instance)), own, None)

    post_save.connect(
        saved,
        sender=watch.model,
        weak=False,
        dispatch_uid=f"search-{kind.key}-{watch.model.__name__}-save",
    )
    post_delete.connect(
        deleted,
        sender=watch.model,
        weak=False,
        dispatch_uid=f"search-{kind.key}-{watch.model.__name__}-delete",
    )


# `actions.follow(kind, object_ids, deleted, saved)`: connected by the app's `ready()`.
Follower = Callable[[SearchKind, list[int], bool, Model | None], None]
_followers: list[Follower] = []


def on_write(follower: Follower) -> None:
    if follower not in _followers:
        _followers.append(follower)
