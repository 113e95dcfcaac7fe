"""Queries built once: the SQL of a queryset that only one person's id changes, kept per database.

Building a queryset with subqueries costs far more CPU than running it (the side navigation's
conversations: 2.5 ms to build, 0.04 ms to run on SQLite), and some run on every page. A
`CompiledQuery` builds its queryset once per database connection alias, for a stand-in person id,
keeps the SQL and its parameters, and runs it again with the real id put in the stand-in's
places. Only for querysets whose SQL depends on nothing else (no time, no setting, no language):
the caller's job, checked by its tests against the queryset itself.

`ShapedQuery` does the same for a rule whose SQL also depends on a few facts about the person
(their "shape": administrator or not, guest or not, with a department or not…) and on several ids:
it is built once per shape, with one stand-in per id.

`IdsQuery`: a person's rows among a list of ids (their reactions to a page's posts), built once per
number of ids — Django's `__in` lookup costs about 100 Python calls per id to build.

`InstancesQuery`: model instances by id (a page's posts with their authors and spaces, the
session's person with their profile), built once per number of ids, the rows made into instances
as Django's own iteration makes them.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Hashable, Sequence
from inspect import getattr_static
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor, ImageFileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import get_related_populators
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

# An id no row has: where it lands among the parameters is where the real one goes.
STAND_IN_ID = 2**62 - 4_242_421


class CompiledQuery:
    def __init__(self, build: Callable[[int], QuerySet[Any]]) -> None:
        self.build = build
        self._compiled: dict[str, tuple[str, tuple[Any, ...], list[str]]] = {}
        self._lock = threading.Lock()

    def _sql(self, using: str) -> tuple[str, tuple[Any, ...], list[str]]:
        found = self._compiled.get(using)
        if found is None:
            queryset = self.build(STAND_IN_ID)
            sql, params = queryset.query.get_compiler(using=using).as_sql()
            if not any(param == STAND_IN_ID for param in params):
                raise ValueError("The stand-in id is not among the query's parameters.")
            with self._lock:
                found = self._compiled[using] = (sql, tuple(params), [])
        return found

    def rows(self, user_id: int, using: str = "default") -> list[dict[str, Any]]:
        """The rows for `user_id`, as dicts by column name (the values' database types: a
        boolean may come back as 0 or 1 from SQLite)."""
        sql, params, _ = self._sql(using)
        values = [user_id if param == STAND_IN_ID else param for param in params]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, values)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class ShapedQuery:
    """A query built once per database and person shape (`build(shape, *ids)`, the ids given as
    stand-ins), then run with the real ids put in the stand-ins' places. `shape` must hold every
    fact the SQL's form depends on (which branches `build` takes): two people of the same shape
    get the same SQL with their own ids. Each id must reach the SQL as a parameter (or not at all,
    for a shape that does not use it)."""

    def __init__(
        self, build: Callable[..., QuerySet[Any]], ids: int = 1, times: int = 0, texts: int = 0
    ) -> None:
        self.build = build
        self.stand_ins = tuple(STAND_IN_ID - i for i in range(ids))
        # Texts (`texts`, such as a slug) compared with text columns: stand-ins too, given to
        # `build` after the moments.
        self.text_stand_ins = tuple(f"\x1fcercle stand-in {i}\x1f" for i in range(texts))
        # Moments (`times`, such as "now") compared with date-time columns: stand-ins too, put in
        # the SQL's parameters as the database's adapter writes them.
        self.time_stand_ins = tuple(
            datetime.datetime(1901, 2, 3, 4, 5, 6, 700_000 + i, tzinfo=datetime.UTC)
            for i in range(times)
        )
        self._compiled: dict[tuple[str, Hashable], tuple[str, tuple[Any, ...]] | None] = {}
        self._lock = threading.Lock()

    def _sql(self, using: str, shape: Hashable) -> tuple[str, tuple[Any, ...]] | None:
        """The SQL and parameters for this shape (None: a shape that matches nothing)."""
        if (using, shape) in self._compiled:
            return self._compiled[(using, shape)]
        queryset = self.build(shape, *self.stand_ins, *self.time_stand_ins, *self.text_stand_ins)
        try:
            sql, params = queryset.query.get_compiler(using=using).as_sql()
        except EmptyResultSet:  # `.none()`: nothing to ask
            with self._lock:
                self._compiled[(using, shape)] = None
            return None
        for stand_in in (*self.stand_ins, *self.text_stand_ins):
            # An id this shape does not use is left out; one written into the SQL's text would
            # stay the stand-in's for everyone.
            if str(stand_in).strip("\x1f") in sql:
                raise ValueError("A stand-in is in the query's text, not a parameter.")
        adapt = connections[using].ops.adapt_datetimefield_value
        for moment in self.time_stand_ins:
            if adapt(moment) not in params:
                raise ValueError("A stand-in moment is not among the query's parameters.")
        found = (sql, tuple(params))
        with self._lock:
            self._compiled[(using, shape)] = found
        return found

    def values(
        self,
        shape: Hashable,
        *ids: int,
        times: tuple[datetime.datetime, ...] = (),
        texts: tuple[str, ...] = (),
        using: str = "default",
    ) -> list[Any]:
        """The first column of each row, for these ids, moments and texts (one per stand-in)."""
        return [row[0] for row in self.rows(shape, *ids, times=times, texts=texts, using=using)]

    def rows(
        self,
        shape: Hashable,
        *ids: int,
        times: tuple[datetime.datetime, ...] = (),
        texts: tuple[str, ...] = (),
        using: str = "default",
    ) -> list[tuple[Any, ...]]:
        """Each row, as a tuple of its columns in their database types (a boolean may come back
        as 0 or 1 from SQLite), for these ids, moments and texts (one per stand-in)."""
        found = self._real(shape, ids, times, texts, using)
        if found is None:
            return []
        sql, values = found
        with connections[using].cursor() as cursor:
            cursor.execute(sql, values)
            return [tuple(row) for row in cursor.fetchall()]

    def instances(
        self,
        model: type[Model],
        shape: Hashable,
        *ids: int,
        times: tuple[datetime.datetime, ...] = (),
        texts: tuple[str, ...] = (),
        using: str = "default",
    ) -> list[Any]:
        """The rows as instances of `model` (`build` gives a queryset of `model` with all its
        columns), their values converted as Django converts them (`Model.objects.raw`)."""
        found = self._real(shape, ids, times, texts, using)
        if found is None:
            return []
        sql, values = found
        return list(model._default_manager.db_manager(using).raw(sql, values))

    def _real(
        self,
        shape: Hashable,
        ids: tuple[int, ...],
        times: tuple[datetime.datetime, ...],
        texts: tuple[str, ...],
        using: str,
    ) -> tuple[str, list[Any]] | None:
        """The SQL for this shape and its parameters with the real values in the stand-ins'
        places (None: a shape that matches nothing)."""
        if (
            len(ids) != len(self.stand_ins)
            or len(times) != len(self.time_stand_ins)
            or len(texts) != len(self.text_stand_ins)
        ):
            raise ValueError("One id per stand-in.")
        compiled = self._sql(using, shape)
        if compiled is None:
            return None
        sql, params = compiled
        real: dict[Any, Any] = dict(zip(self.stand_ins, ids, strict=True))
        real.update(zip(self.text_stand_ins, texts, strict=True))
        adapt = connections[using].ops.adapt_datetimefield_value
        for stand_in, moment in zip(self.time_stand_ins, times, strict=True):
            real[adapt(stand_in)] = adapt(moment)
        values = [
            real.get(param, param) if isinstance(param, int | str | datetime.datetime) else param
            for param in params
        ]
        return sql, values


class IdsQuery:
    """A person's rows among some ids (`build(person_id, ids)`, such as their reactions to a
    page's posts), built once per database and number of ids (a `ShapedQuery` each, one stand-in
    per id), then run with the real person and ids. `build` must put each id in the SQL as a
    parameter, and depend on nothing but the person and the ids."""

    def __init__(self, build: Callable[[int, list[int]], QuerySet[Any]]) -> None:
        self.build = build
        self._by_count: dict[int, ShapedQuery] = {}
        self._lock = threading.Lock()

    def _query(self, count: int) -> ShapedQuery:
        found = self._by_count.get(count)
        if found is None:

            def build(shape: Hashable, person_id: int, *ids: int) -> QuerySet[Any]:
                return self.build(person_id, list(ids))

            with self._lock:
                found = self._by_count.setdefault(count, ShapedQuery(build, ids=count + 1))
        return found

    def rows(
        self, person_id: int, ids: Sequence[int], using: str = "default"
    ) -> list[tuple[Any, ...]]:
        """Each row (a tuple of its columns in their database types) for the person among
        `ids` (none for no ids)."""
        if not ids:
            return []
        return self._query(len(ids)).rows(len(ids), person_id, *ids, using=using)


# The descriptors a model's column may have for `_maker`'s constructor to fill `__dict__` as
# `Model.__init__`'s `setattr`s do on a new instance (none of them does more on a new one).
_PLAIN_DESCRIPTORS = (
    DeferredAttribute,
    ForeignKeyDeferredAttribute,
    FileDescriptor,
    ImageFileDescriptor,
)


def _maker(model: type[Model]) -> Callable[[str, list[str], Sequence[Any]], Any]:
    """`model.from_db`, faster for a whole row of a model whose instances are made plainly (no
    `__init__` or `from_db` of its own, plain column descriptors, no `pre_init`/`post_init`
    receiver when the query runs): the instance's `__dict__` filled at once, as `Model.__init__`
    fills it field by field. A page's 80 instances cost ~2,000 Python calls the other way."""
    attnames = [f.attname for f in model._meta.concrete_fields]
    plain = (
        model.__init__ is Model.__init__
        and getattr(model.from_db, "__func__", None) is getattr(Model.from_db, "__func__", 0)
        and all(type(getattr_static(model, name, None)) in _PLAIN_DESCRIPTORS for name in attnames)
    )
    from_db = model.from_db
    if not plain:
        return from_db
    count = len(attnames)
    new = object.__new__

    def make(db: str, init_list: list[str], values: Sequence[Any]) -> Any:
        if len(values) != count:  # deferred fields: Django's way
            return from_db(db, init_list, values)
        instance = new(model)
        state = ModelState()
        state.adding = False
        state.db = db
        instance._state = state
        instance.__dict__.update(zip(attnames, values, strict=True))
        return instance

    return make


class _Populator:
    """Django's `RelatedPopulator` (a `select_related` object put on its row's instance), its
    instances made by `_maker`."""

    def __init__(self, populator: Any) -> None:
        self.reorder_for_init = populator.reorder_for_init
        self.cols_start, self.cols_end = populator.cols_start, populator.cols_end
        self.pk_idx = populator.pk_idx
        self.init_list = populator.init_list
        self.db = populator.db
        self.local_setter, self.remote_setter = populator.local_setter, populator.remote_setter
        self.model = populator.model_cls
        self.make = _maker(populator.model_cls)
        self.related = [_Populator(p) for p in populator.related_populators]

    def populate(self, row: list[Any], from_obj: Any, fast: bool) -> None:
        if self.reorder_for_init:
            data = self.reorder_for_init(row)
        else:
            data = row[self.cols_start : self.cols_end]
        if data[self.pk_idx] is None:
            obj = None
        else:
            make = self.make if fast else self.model.from_db
            obj = make(self.db, self.init_list, data)
            for related in self.related:
                related.populate(row, obj, fast)
        self.local_setter(from_obj, obj)
        if obj is not None:
            self.remote_setter(obj, from_obj)


def _signalled(populators: list[_Populator], model: type[Model]) -> bool:
    """Whether any model made here has `pre_init` or `post_init` receivers now."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return True
    return any(_signalled(p.related, p.model) for p in populators)


class _Instances:
    """One compiled query of `InstancesQuery`: its SQL, where the ids go, and how its rows become
    instances (what Django's `ModelIterable` works out at every evaluation)."""

    def __init__(self, queryset: QuerySet[Any], using: str, stand_ins: tuple[int, ...]) -> None:
        if queryset._prefetch_related_lookups or queryset._known_related_objects:  # type: ignore[attr-defined]
            raise ValueError("Only a plain queryset (select_related, no prefetch) is compiled.")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        for stand_in in stand_ins:
            if str(stand_in) in sql:
                raise ValueError("A stand-in is in the query's text, not a parameter.")
            if stand_in not in params:
                raise ValueError("A stand-in id is not among the query's parameters.")
        self.sql = sql
        self.params = tuple(params)
        self.places = {stand_in: i for i, stand_in in enumerate(stand_ins)}
        select, klass_info = compiler.select, compiler.klass_info
        assert klass_info is not None
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = [
            _Populator(p)
            for p in get_related_populators(klass_info, select, using)  # type: ignore[call-arg]
        ]
        self.make = _maker(self.model)
        self.annotations = dict(compiler.annotation_col_map or {})
        self.converters = list(
            compiler.get_converters([column[0] for column in select[: compiler.col_count]]).items()
        )
        self.using = using

    def instances(self, ids: Sequence[Any]) -> list[Any]:
        places = self.places
        values = [
            ids[places[param]] if isinstance(param, int) and param in places else param
            for param in self.params
        ]
        connection = connections[self.using]
        with connection.cursor() as cursor:
            cursor.execute(self.sql, values)
            rows = cursor.fetchall()
        found = []
        # Made plainly unless a receiver of `pre_init`/`post_init` listens now (Django's way then).
        fast = not _signalled(self.populators, self.model)
        from_db = self.make if fast else self.model.from_db
        using, init_list = self.using, self.init_list
        start, end = self.start, self.end
        for raw in rows:
            row = list(raw)
            for position, (converters, expression) in self.converters:
                value = row[position]
                for converter in converters:
                    value = converter(value, expression, connection)
                row[position] = value
            instance = from_db(using, init_list, row[start:end])
            for populator in self.populators:
                populator.populate(row, instance, fast)
            for name, position in self.annotations.items():
                setattr(instance, name, row[position])
            found.append(instance)
        return found


class InstancesQuery:
    """Model instances by id (`build(ids)`: a queryset of a model, `select_related` allowed, no
    prefetch, whose SQL depends on nothing but the ids, each a parameter), built once per
    database and number of ids, then run with the real ids: the same instances as iterating the
    queryset (its related objects joined, its values converted as Django converts them), without
    building the query again — a page's rows by id, the session's person (~1,000–1,500 Python
    calls a query to build, against a few hundred to run)."""

    def __init__(self, build: Callable[[list[int]], QuerySet[Any]]) -> None:
        self.build = build
        self._compiled: dict[tuple[str, int], _Instances] = {}
        self._lock = threading.Lock()

    def instances(self, ids: Sequence[int], using: str = "default") -> list[Any]:
        """The rows of `build(ids)`, as instances (in the query's order; none for no ids)."""
        if not ids:
            return []
        key = (using, len(ids))
        compiled = self._compiled.get(key)
        if compiled is None:
            stand_ins = tuple(STAND_IN_ID - i for i in range(len(ids)))
            compiled = _Instances(self.build(list(stand_ins)), using, stand_ins)
            with self._lock:
                compiled = self._compiled.setdefault(key, compiled)
        return compiled.instances(ids)
