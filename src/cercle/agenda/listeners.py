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


def _members_added(_happening: spaces.MembersAdded) -> None:
    # Memberships written by `bulk_create` (the spaces' `add_members`: a directory's or a SCIM
    # group's batch) send no `post_save`.
    _changed()


def register() -> None:
    listen(people.DemoContentWanted, demo.seed_demo_agenda)
    listen(spaces.MembersAdded, _members_added)
    # A space's save: its kind (who reads its calendar) or its modules (the agenda off).
    for model in (Calendar, Event, Occurrence, Invitation, OccurrenceAnswer, Membership, Space):
        post_save.connect(_changed, sender=model, dispatch_uid=f"agenda-version-save-{model}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"agenda-version-del-{model}")
