"""Documents' searchable kind: files by name (their text once the module extracts it), found by
whoever may read their library (`queries.readable_libraries`), never in the trash."""

from __future__ import annotations

from django.db.models import CharField, Exists, ExpressionWrapper, F, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import User
from cercle.documents.models import Document, Folder
from cercle.documents.queries import readable_libraries
from cercle.search.registry import Entry, SearchKind
from cercle.search.registry import register as register_kind
from cercle.search.text import language_of


def _document(document: Document) -> Entry | None:
    if document.trashed_at is not None:
        return None
    author = document.created_by
    return Entry(
        title=document.name,
        body="",
        url=reverse("documents_file", args=[document.pk]),
        date=document.updated_at,
        language=language_of(author.language if author else ""),
        space_id=document.library.space_id,
        author_id=document.created_by_id,
    )


def visible_documents(user: User) -> QuerySet[Document]:
    # A folder above it in the trash hides it too (`queries.is_alive`, as a subquery: a trashed
    # folder's path begins the path of every folder below it).
    trashed_above = (
        Folder.objects.filter(library_id=OuterRef("library_id"), trashed_at__isnull=False)
        .annotate(below=ExpressionWrapper(OuterRef("folder__path"), output_field=CharField()))
        .filter(below__startswith=F("path"))
    )
    return Document.objects.filter(
        library_id__in=readable_libraries(user).values("pk"), trashed_at__isnull=True
    ).filter(~Exists(trashed_above))


def register() -> None:
    register_kind(
        SearchKind(
            key="document",
            label=_("Files"),
            model=Document,
            entry=_document,
            visible=visible_documents,
            rows=lambda: Document.objects.select_related("library", "created_by"),
            order=60,
            suggest=True,
        )
    )
