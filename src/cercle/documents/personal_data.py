"""The document base in the registry of personal data (`cercle.core.personal_data`): the files a
person uploaded (every version they sent) and the shares they made or received, their erasure,
the retention of documents."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q, QuerySet
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
from cercle.documents.models import Document, Folder, Library, Share, Version
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
    _export_shares(person, writer)


def _shared_items(shares: list[Share]) -> dict[int, str]:
    """Each share's item as "Folder / Subfolder / name" from its library's root (one query)."""
    folders = [s.document.folder if s.document is not None else s.folder for s in shares]
    ids = {i for folder in folders if folder is not None for i in folder.ancestor_ids()}
    names = dict(Folder.objects.filter(pk__in=ids).values_list("pk", "name"))
    items = {}
    for share, folder in zip(shares, folders, strict=True):
        assert folder is not None
        parts = [names[i] for i in folder.ancestor_ids() if names.get(i)]
        if share.document is not None:
            parts.append(share.document.name)
        items[share.pk] = " / ".join(parts)
    return items


def _export_shares(person: User, writer: ExportWriter) -> None:
    """What the person shares from "My documents" (with whom, how), and what others share
    with them by name."""
    shares = list(
        Share.objects.filter(Q(library__owner=person) | Q(user=person))
        .select_related("library__owner", "folder", "document__folder", "user", "space")
        .order_by("created_at", "pk")
    )
    section = writer.section("document-shares", gettext_lazy("Document shares"))
    mine, with_me = [], []
    items = _shared_items(shares)
    for share in shares:
        item = items[share.pk]
        if share.library.owner_id == person.pk:
            target = share.user.display_name if share.user is not None else ""
            space = share.space.name if share.space is not None else ""
            mine.append(
                {
                    "item": item,
                    "with_person": target,
                    "with_space": space,
                    "access": share.access,
                    "created_at": share.created_at,
                }
            )
            text = gettext("I share %(item)s with %(whom)s") % {
                "item": item,
                "whom": target or space,
            }
        else:
            owner = share.library.owner
            by = owner.display_name if owner is not None else ""
            with_me.append(
                {"item": item, "by": by, "access": share.access, "created_at": share.created_at}
            )
            text = gettext("%(whom)s shares %(item)s with me") % {"item": item, "whom": by}
        writer.add_row(section, IndexRow(text=text, link="", when=share.created_at))
    writer.write_json("documents/shares.json", {"i_share": mine, "shared_with_me": with_me})


def erase(person: User, rule: ErasureRule) -> None:
    # "My documents" is theirs alone: the library goes with its folders, documents, versions.
    Library.objects.filter(owner=person).delete()
    # What others shared with them by name: nothing left to read it.
    Share.objects.filter(user=person).delete()
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
