"""What moves the spaces' cache keys: a membership written (created, its role changed, deleted,
through any path, the erasure of a person's data included) moves its person's roles version
(`queries.change_roles_version`), now and again on commit, so that roles read by another request
between the write and its commit are not kept under the version that follows it; and what this
connection reads of them before its commit is not kept at all (it may be rolled back). Registered by
`SpacesConfig.ready()`. A cache key only: no workflow here (DESIGN: writes are actions)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from cercle.spaces import queries
from cercle.spaces.models import Membership


def _membership_written(instance: Membership, **_kwargs: Any) -> None:
    memberships_written([instance.user_id])


def memberships_written(user_ids: Iterable[int]) -> None:
    """What a membership's signal does, for memberships written by `bulk_create` (no signal)."""
    for user_id in user_ids:
        queries.mark_roles_written(user_id)
        queries.change_roles_version(user_id)
        transaction.on_commit(partial(queries.change_roles_version, user_id))


def register() -> None:
    post_save.connect(_membership_written, sender=Membership, dispatch_uid="spaces-roles-save")
    post_delete.connect(_membership_written, sender=Membership, dispatch_uid="spaces-roles-del")
