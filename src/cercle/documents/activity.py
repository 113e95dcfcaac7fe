"""Files added to a space's library, told in the space's feed once, grouped: "Anne added 3
files to Atelier" (`spaces.registry.ActivityKind`, `spaces.hooks.SpaceActivity`; the feed keeps
one post per person and space for a short window, and shows it to whoever may read the space's
wall while its documents are on: the same people who may read its library). Registered by
`DocumentsConfig.ready()`; `actions.upload_file` calls `files_added`."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import ngettext

from cercle.accounts.models import User
from cercle.core.hooks import emit
from cercle.documents.models import Document
from cercle.documents.queries import readable_documents
from cercle.spaces.hooks import ActivityItem, SpaceActivity
from cercle.spaces.registry import ActivityKind, register_activity_kind

FILES_ADDED = "documents.files_added"


def files_added(*, actor: User, documents: list[Document]) -> None:
    """New files in a space's library (not "My documents", nothing for an empty file: a WebDAV
    client's placeholder), in the uploading action's transaction."""
    shown = [d for d in documents if d.library.space_id is not None]
    if not shown:
        return
    space = shown[0].library.space
    assert space is not None
    emit(
        SpaceActivity(
            actor=actor,
            space=space,
            kind=FILES_ADDED,
            items=tuple(
                ActivityItem(
                    id=document.pk,
                    title=document.name,
                    url=reverse("documents_file", args=[document.pk]),
                )
                for document in shown
            ),
        )
    )


def _describe(count: int) -> str:
    return ngettext("added %(count)d file to", "added %(count)d files to", count) % {"count": count}


def _visible(viewer: User, ids: list[int]) -> set[int]:
    """The files among `ids` that `viewer` may read now (not in the trash): one query."""
    return set(readable_documents(viewer).filter(pk__in=ids).values_list("pk", flat=True))


def register() -> None:
    register_activity_kind(
        ActivityKind(key=FILES_ADDED, module="documents", describe=_describe, visible=_visible)
    )
