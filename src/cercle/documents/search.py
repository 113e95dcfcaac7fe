"""Documents' searchable kind: files by name and by the text extracted from their current
version (`BlobText`, made by the task `analyse_blob`), found by whoever may read them
(`queries.readable_documents`: their library, or a share), never in the trash. When a content's
text arrives, every file whose current version holds that content is reindexed (the `Watch` on
`BlobText`), and by the text of their comments (the `Watch` on `Comment`)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cercle.accounts.models import User
from cercle.documents.models import Blob, BlobText, Comment, Document
from cercle.documents.queries import readable_documents
from cercle.search.registry import Entry, SearchKind, Watch
from cercle.search.registry import register as register_kind
from cercle.search.text import language_of


def _document(document: Document) -> Entry | None:
    if document.trashed_at is not None:
        return None
    author = document.created_by
    return Entry(
        title=document.name,
        body="\n\n".join(part for part in (_text_of(document), _comments_of(document)) if part),
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


def _comments_of(document: Document) -> str:
    """The text of its comments, oldest first (`rows` prefetches them)."""
    comments = sorted(document.comments.all(), key=lambda c: (c.created_at, c.pk))
    return "\n\n".join(comment.body for comment in comments)


def _commented(comment: Comment) -> list[int]:
    return [comment.document_id]


def _holding(text: BlobText) -> list[int]:
    return list(Document.objects.filter(current__blob_id=text.blob_id).values_list("pk", flat=True))


def visible_documents(user: User) -> QuerySet[Document]:
    """The module's rule, as one queryset: `queries.readable_documents` (libraries read, shares,
    nothing under a trashed folder)."""
    return readable_documents(user)


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
            ).prefetch_related("comments"),
            order=60,
            suggest=True,
            watch=(
                Watch(model=BlobText, object_ids=_holding),
                Watch(model=Comment, object_ids=_commented, fields=frozenset({"body"})),
            ),
        )
    )
