"""Documents' searchable kind: files by name and by the text extracted from their current
version (`BlobText`, made by the task `analyse_blob`), found by whoever may read their library
(`queries.readable_libraries`), never in the trash. When a content's text arrives, every file
whose current version holds that content is reindexed (the `Watch` on `BlobText`)."""

from __future__ import annotations

from django.db.models import CharField, Exists, ExpressionWrapper, F, OuterRef, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import User
from cercle.documents.models import Blob, BlobText, Document, Folder
from cercle.documents.queries import readable_libraries
from cercle.search.registry import Entry, SearchKind, Watch
from cercle.search.registry import register as register_kind
from cercle.search.text import language_of


def _document(document: Document) -> Entry | None:
    if document.trashed_at is not None:
        return None
    author = document.created_by
    return Entry(
        title=document.name,
        body=_text_of(document),
        url=reverse("documents_file", args=[document.pk]),
        date=document.updated_at,
        language=language_of(author.language if author else ""),
        space_id=document.library.space_id,
        author_id=document.created_by_id,
    )


def _text_of(document: Document) -> str:
    version = document.current
    if version is None:
        return ""
    try:
        return version.blob.extracted.text
    except Blob.extracted.RelatedObjectDoesNotExist:
        return ""


def _holding(text: BlobText) -> list[int]:
    return list(Document.objects.filter(current__blob_id=text.blob_id).values_list("pk", flat=True))


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
            rows=lambda: Document.objects.select_related(
                "library", "created_by", "current__blob__extracted"
            ),
            order=60,
            suggest=True,
            watch=(Watch(model=BlobText, object_ids=_holding),),
        )
    )
