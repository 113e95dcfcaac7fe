"""What the agenda follows in the layers below it (`cercle.core.hooks`): the demo organisation's
month asks for its part. And the writes that change what its panels show (their cache's key,
`queries.agenda_version`): its own models', the spaces' memberships and the spaces themselves.
Registered by `AgendaConfig.ready()`."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from cercle.accounts import hooks as people
from cercle.agenda import demo, queries
from cercle.agenda.models import Calendar, Event, Invitation, Occurrence, OccurrenceAnswer
from cercle.core.hooks import listen
from cercle.spaces import hooks as spaces
from cercle.spaces.models import Membership, Space


def _changed(**_kwargs: Any) -> None:
    # A cache key only: no workflow here (DESIGN: writes are actions). Now, and again on commit:
    # a panel read by another request between the write and its commit is not kept under the
    # version that follows it.
    queries.change_agenda_version()
    transaction.on_commit(queries.change_agenda_version)


def _moved(keys: list[str]) -> None:
    """The kept periods' versions (`queries.kept_key`) moved now and again on commit."""
    queries.change_versions(keys)
    transaction.on_commit(lambda: queries.change_versions(keys))


def _of_parent(instance: Any, relation: str, value: str) -> Any:
    """`instance.<relation>.<value>`: from the parent already loaded, else read (one query;
    None when the parent is gone)."""
    field = type(instance)._meta.get_field(relation)
    if field.is_cached(instance):
        return getattr(getattr(instance, relation), value)
    return (
        field.related_model.objects.filter(pk=getattr(instance, field.attname))
        .values_list(value, flat=True)
        .first()
    )


def _reach(instance: Any) -> list[str]:
    """The versions a write of `instance` moves: the calendar, space or person it changes the
    view of; the base version when that needs a read the row does not give (a deleted parent)."""
    if isinstance(instance, Calendar):
        # Made or removed, a calendar changes what its owner's or space's panels may show.
        holders = [queries.calendar_version_key(instance.pk)]
        if instance.owner_id is not None:
            holders.append(queries.person_version_key(instance.owner_id))
        if instance.space_id is not None:
            holders.append(queries.space_version_key(instance.space_id))
        return holders
    if isinstance(instance, Event):
        return [queries.calendar_version_key(instance.calendar_id)]
    if isinstance(instance, Occurrence):
        calendar_id = _of_parent(instance, "event", "calendar_id")
        if calendar_id is None:
            return [queries.KEPT_BASE]
        return [queries.calendar_version_key(calendar_id)]
    if isinstance(instance, Invitation):
        return [queries.person_version_key(instance.person_id)]
    if isinstance(instance, OccurrenceAnswer):
        person_id = _of_parent(instance, "invitation", "person_id")
        if person_id is None:
            return [queries.KEPT_BASE]
        return [queries.person_version_key(person_id)]
    if isinstance(instance, Membership):
        return [queries.person_version_key(instance.user_id)]
    if isinstance(instance, Space):
        return [queries.space_version_key(instance.pk)]
    return [queries.KEPT_BASE]  # pragma: no cover - every model listened to is above


def _written(instance: Any, **kwargs: Any) -> None:
    _changed(**kwargs)
    _moved(_reach(instance))


def _members_added(happening: spaces.MembersAdded) -> None:
    # Memberships written by `bulk_create` (the spaces' `add_members`: a directory's or a SCIM
    # group's batch) send no `post_save`.
    _changed()
    _moved([queries.person_version_key(user.pk) for user in happening.users])


def register() -> None:
    listen(people.DemoContentWanted, demo.seed_demo_agenda)
    listen(spaces.MembersAdded, _members_added)
    # A space's save: its kind (who reads its calendar) or its modules (the agenda off).
    for model in (Calendar, Event, Occurrence, Invitation, OccurrenceAnswer, Membership, Space):
        post_save.connect(_written, sender=model, dispatch_uid=f"agenda-version-save-{model}")
        post_delete.connect(_written, sender=model, dispatch_uid=f"agenda-version-del-{model}")
