"""A document linked in a text (a post) shows as a card — its name, type, size and, when the
analysis made one, its picture — to whoever may read it (`queries.readable_documents`); for the
others the link stays a plain link (`cercle.core.link_cards`). Registered by
`DocumentsConfig.ready()`."""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from django.urls import reverse

from cercle.accounts.models import User
from cercle.core import link_cards
from cercle.documents.queries import readable_documents


@dataclass(frozen=True)
class FileCard:
    id: int
    name: str
    content_type: str
    size: int
    url: str
    thumbnail_url: str  # empty: no picture


def load(viewer: User, ids: list[int]) -> Mapping[int, Hashable]:
    """The cards of the documents among `ids` that `viewer` may read: one query."""
    cards: dict[int, Hashable] = {}
    rows = readable_documents(viewer).filter(pk__in=ids).select_related("current__blob")
    for document in rows:
        version = document.current
        blob = version.blob if version is not None else None
        cards[document.pk] = FileCard(
            id=document.pk,
            name=document.name,
            content_type=version.content_type if version is not None else "",
            size=version.size if version is not None else 0,
            url=reverse("documents_file", args=[document.pk]),
            thumbnail_url=reverse("documents_thumbnail", args=[document.pk])
            if blob is not None and blob.thumbnail_key
            else "",
        )
    return cards


def register() -> None:
    link_cards.register(
        link_cards.LinkCardKind(
            key="documents.file",
            pattern=re.compile(r"^/documents/files/(\d+)/?$"),
            load=load,
            template="documents/_link_card.html",
        )
    )
