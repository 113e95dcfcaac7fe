"""The document base in the registry of personal data (`cercle.core.personal_data`): the files a
person uploaded (every version they sent), their erasure, the retention of documents."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy

from cercle.accounts.models import User
from cercle.core import personal_data
from cercle.core.personal_data import (
    ErasureRule,
    ExportWriter,
    IndexRow,
    RetentionScope,
    RetentionTarget,
    without_holds,
)
from cercle.documents.actions import collect_blobs
from cercle.documents.models import Document, Library, Version
from cercle.documents.storage import blob_storage


def export(person: User, writer: ExportWriter) -> None:
    versions = list(
        Version.objects.filter(created_by=person)
        .select_related("document__library__space", "blob")
        .order_by("document_id", "number")
    )
    section = writer.section("documents", gettext_lazy("Documents I uploaded"))
    rows = []
    storage = blob_storage()
    for version in versions:
        library = version.document.library
        place = library.space.name if library.space else gettext("My documents")
        path = writer.write_file(
            f"documents/{place}/v{version.number}-{version.document.name}",
            storage,
            version.blob.key,
        )
        rows.append(
            {
                "document": version.document.name,
                "place": place,
                "version": version.number,
                "size": version.size,
                "created_at": version.created_at,
                "file": path,
            }
        )
        writer.add_row(
            section,
            IndexRow(
                text=f"{place} / {version.document.name} (v{version.number})",
                link=path or "",
                when=version.created_at,
            ),
        )
    writer.write_json("documents/documents.json", rows)


def erase(person: User, rule: ErasureRule) -> None:
    # "My documents" is theirs alone: the library goes with its folders, documents, versions.
    Library.objects.filter(owner=person).delete()
    if rule.shared_content == "delete":
        Document.objects.filter(created_by=person).delete()
    # The contents no version points to any more go, their files after the commit.
    transaction.on_commit(collect_blobs)


def _document_candidates(scope: RetentionScope) -> QuerySet[Document]:
    documents = without_holds(
        Document.objects.filter(updated_at__lt=scope.before),
        scope,
        space="library__space_id",
        people=("created_by_id", "library__owner_id", "versions__created_by_id"),
    )
    return documents.select_related("library__space").order_by("updated_at", "id")


def _describe_document(document: Document) -> str:
    place = document.library.space.name if document.library.space else gettext("My documents")
    return f"{place} · {document.name}"


def _delete_document_ids(ids: Sequence[int]) -> int:
    documents = Document.objects.filter(pk__in=list(ids))
    count = documents.count()
    documents.delete()
    transaction.on_commit(collect_blobs)
    return count


def register() -> None:
    personal_data.register(
        personal_data.PersonalData(
            key="documents",
            label=gettext_lazy("Documents"),
            export=export,
            erase=erase,
            retention=(
                RetentionTarget(
                    key="documents.documents",
                    label=gettext_lazy("Documents (every version), by last change"),
                    candidates=_document_candidates,
                    describe=_describe_document,
                    delete=_delete_document_ids,
                    date_field="updated_at",
                ),
            ),
        )
    )
