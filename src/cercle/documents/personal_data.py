"""The document base in the registry of personal data (`cercle.core.personal_data`): the files a
person uploaded (every version they sent), the shares they gave and received, the comments
they wrote on documents, their erasure, the retention of documents."""

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
from cercle.documents.models import Comment, Document, Library, Share, Version
from cercle.documents.storage import blob_storage
from cercle.spaces.models import Membership


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
    _export_comments(person, writer)


def _export_comments(person: User, writer: ExportWriter) -> None:
    """The comments they wrote on documents: one query, whatever their number."""
    comments = (
        Comment.objects.filter(author=person)
        .select_related("document__library__space")
        .order_by("created_at", "pk")
    )
    section = writer.section("document_comments", gettext_lazy("Comments on documents"))
    rows = []
    for comment in comments:
        library = comment.document.library
        place = library.space.name if library.space else gettext("My documents")
        rows.append(
            {
                "document": comment.document.name,
                "place": place,
                "body": comment.body,
                "created_at": comment.created_at,
                "edited_at": comment.edited_at,
            }
        )
        writer.add_row(
            section,
            IndexRow(
                text=f"{place} / {comment.document.name}: {comment.body[:200]}",
                when=comment.created_at,
            ),
        )
    writer.write_json("documents/comments.json", rows)


def _share_row(share: Share, direction: str) -> dict[str, object]:
    item = share.folder or share.document
    return {
        "direction": direction,
        "item": item.name if item is not None else "",
        "kind": "folder" if share.folder_id else "document",
        "owner": share.library.owner.get_full_name() if share.library.owner else "",
        "with_person": share.user.get_full_name() if share.user else None,
        "with_space": share.space.name if share.space else None,
        "access": share.access,
        "created_at": share.created_at,
    }


def _export_shares(person: User, writer: ExportWriter) -> None:
    """The shares of their files and folders they gave, and those they received (to them, or
    to a space they are a member of): one query each, whatever their number."""
    related = ("library__owner", "folder", "document", "user", "space")
    given = Share.objects.filter(library__owner=person).select_related(*related)
    spaces = Membership.objects.filter(user=person).values("space_id")
    received = (
        Share.objects.filter(Q(user=person) | Q(space_id__in=spaces))
        .exclude(library__owner=person)
        .select_related(*related)
    )
    rows = [_share_row(share, "given") for share in given.order_by("created_at", "pk")]
    rows += [_share_row(share, "received") for share in received.order_by("created_at", "pk")]
    section = writer.section("document_shares", gettext_lazy("Documents shared"))
    for row in rows:
        if row["direction"] == "given":
            text = gettext("I shared “%(item)s” with %(whom)s (%(access)s)") % {
                "item": row["item"],
                "whom": row["with_person"] or row["with_space"],
                "access": row["access"],
            }
        else:
            text = gettext("%(owner)s shared “%(item)s” with me (%(access)s)") % {
                "owner": row["owner"],
                "item": row["item"],
                "access": row["access"],
            }
        writer.add_row(section, IndexRow(text=text, when=row["created_at"]))  # type: ignore[arg-type]
    writer.write_json("documents/shares.json", rows)


def erase(person: User, rule: ErasureRule) -> None:
    # "My documents" is theirs alone: the library goes with its folders, documents, versions.
    Library.objects.filter(owner=person).delete()
    # What others shared with them by name: nothing left to read it.
    Share.objects.filter(user=person).delete()
    if rule.shared_content == "delete":
        Document.objects.filter(created_by=person).delete()
        # Their comments on others' files (those on their own library's went with it).
        Comment.objects.filter(author=person).delete()
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
