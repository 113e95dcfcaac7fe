"""Reads of the document base, with its rules: who may do what in a library, in one place.

The rules (`library_rights`, then `can` for one action on one folder or document):
- A person's library ("My documents") is theirs alone: its owner, while active, does everything;
  nobody else sees it (organisation admins included), except what its owner shared:
  - a share (`Share`) of a folder or a document, with a person or a space (its members at each
    moment: leaving the space loses it), `read` or `write`; a folder's share covers what it holds,
    now and later; it counts while the owner and the grantee are active, and the item is alive;
  - a grantee lists and reads what a share covers; with `write` they also upload and make folders
    in a shared folder, add versions (and lock), rename what is inside a shared folder and delete
    what they made there; never the shared item itself (rename, move, delete), never a move, the
    trash or a new share (`item_rights`, `can`);
  - only the owner shares (`can_share`); the owner or an organisation admin revokes
    (`can_revoke`); revoking deletes
    the share, so access ends at once everywhere (pages, downloads, previews, WebDAV, search,
    API).
- A space's library exists while the space has documents on; with them off nobody sees it (the
  files stay, and come back when the module is switched on again).
  - list and read: whoever may read the space's content (`spaces.queries.can_read_wall`: its
    members, every active non-guest for open spaces and the organisation space, organisation
    admins);
  - upload and version (a new version, or an old one restored): its members, of any role (guests
    who are members included); in the organisation space, its admins and the organisation's staff;
  - rename, move, delete: the author of the folder or document among those who may upload, and the
    space's moderators, admins and owners, and organisation admins, for anyone's;
  - restore from the trash: the same, and whoever put it in the trash;
  - an archived space's library is read-only for everyone.
- Comments on a document: whoever may read it writes them (not in an archived space, which is
  read-only); their author edits and deletes them, and those who manage the library (the
  space's moderators, admins and owners, organisation admins; the owner of "My documents")
  delete anyone's (`can_comment`, `can_edit_comment`, `can_delete_comment`).
- Deactivated people may do nothing. The root folder of a library is never renamed, moved or
  deleted.
- Missing and not allowed are one `NotFound`, so that nothing leaks.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Lower
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.accounts.queries import may_manage_settings
from cercle.core.uploads import UploadCap
from cercle.documents import listing_cache
from cercle.documents.models import (
    Blob,
    Comment,
    Document,
    Folder,
    Library,
    Lock,
    QuotaSettings,
    Reservation,
    Share,
    ShareAccess,
    UploadSession,
    Version,
)
from cercle.search import queries as search_queries
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Membership, Space, SpaceRole

Action = Literal["list", "read", "upload", "version", "rename", "move", "delete", "restore"]
ACTIONS: tuple[Action, ...] = (
    "list",
    "read",
    "upload",
    "version",
    "rename",
    "move",
    "delete",
    "restore",
)


class NotFound(Http404):
    """Missing or not visible: one error for both, so nothing leaks."""


def has_documents(space: Space) -> bool:
    """Whether `space` has its documents module on (`tabs.register` registers the switch)."""
    return space_queries.has_module(space, "documents")


# --- Rights ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rights:
    """What a person may do in one library: `read` (list, read), `write` (upload, new versions,
    and renaming, moving, deleting their own), `manage` (renaming, moving, deleting anyone's).

    Rights that come from shares (`shared`) hold for one item only (`item_rights`): `roots` are
    the shared items that cover it (`("folder", id)` or `("document", id)`), which a grantee
    never renames nor deletes."""

    read: bool = False
    write: bool = False
    manage: bool = False
    shared: bool = False
    roots: frozenset[tuple[str, int]] = frozenset()


NO_RIGHTS = Rights()


def space_rights(user: User, space: Space, roles: dict[int, str] | None = None) -> Rights:
    if not user.is_authenticated or not user.is_active or not has_documents(space):
        return NO_RIGHTS
    if roles is None:
        roles = space_queries.roles_in(user, space)  # read once for the three rules below
    read = space_queries.can_read_wall(user, space, roles)
    if not read:
        return NO_RIGHTS
    if space.is_archived:
        return Rights(read=True)
    role = space_queries.effective_role(user, space, roles)
    if space.is_organisation:
        write = user.is_org_staff or space_queries.role_at_least(role, SpaceRole.ADMIN)
    else:
        write = role is not None
    manage = space_queries.can_moderate(user, space, roles)
    return Rights(read=True, write=write, manage=manage)


def library_rights(user: User, library: Library, roles: dict[int, str] | None = None) -> Rights:
    if not user.is_authenticated or not user.is_active:
        return NO_RIGHTS
    if library.owner_id is not None:
        if library.owner_id == user.pk:
            return Rights(read=True, write=True, manage=True)
        return NO_RIGHTS
    assert library.space is not None
    return space_rights(user, library.space, roles)


def _key(item: Folder | Document) -> tuple[str, int]:
    return ("folder" if isinstance(item, Folder) else "document", item.pk)


def grantee_filter(user: User, prefix: str = "") -> Q:
    """The shares given to `user`: to them, or to a space they are a member of now."""
    spaces = Membership.objects.filter(user_id=user.pk).values("space_id")
    return Q(**{f"{prefix}user_id": user.pk}) | Q(**{f"{prefix}space_id__in": spaces})


def covering_filter(item: Folder | Document) -> Q:
    """The shares that cover `item`: its own and those of the folders above it."""
    folder = item if isinstance(item, Folder) else item.folder
    covering = Q(folder_id__in=folder.ancestor_ids())
    if isinstance(item, Document):
        covering |= Q(document_id=item.pk)
    return covering


def shared_rights(user: User, item: Folder | Document) -> Rights:
    """What the shares of `item` (and of the folders above it) give `user`: one query."""
    library = item.library
    if (
        not user.is_authenticated
        or not user.is_active
        or library.owner_id is None
        or library.owner_id == user.pk
    ):
        return NO_RIGHTS
    owner = library.owner
    if owner is None or not owner.is_active:
        return NO_RIGHTS
    rows = list(
        Share.objects.filter(covering_filter(item), grantee_filter(user), library_id=library.pk)
        .values_list("folder_id", "document_id", "access")
        .distinct()
    )
    if not rows:
        return NO_RIGHTS
    return Rights(
        read=True,
        write=any(access == ShareAccess.WRITE for _f, _d, access in rows),
        shared=True,
        roots=frozenset(("folder", f) if f else ("document", d) for f, d, _a in rows),
    )


ShareRow = tuple[int | None, int | None, str]  # a share's folder id, document id, access


@dataclass
class ReceivedShares:
    """The shares given to someone in some libraries (`received_shares`), by their folder and
    their document: what `shared_rights` reads, for many items without a query each."""

    by_folder: dict[int, list[ShareRow]]
    by_document: dict[int, list[ShareRow]]

    def rights(self, ancestors: list[int], document_id: int | None = None) -> Rights:
        """`shared_rights` of an item: a folder whose `ancestor_ids` are `ancestors`, or the
        document `document_id` in such a folder."""
        covering = [row for pk in ancestors for row in self.by_folder.get(pk, ())]
        if document_id is not None:
            covering += self.by_document.get(document_id, ())
        if not covering:
            return NO_RIGHTS
        return Rights(
            read=True,
            write=any(access == ShareAccess.WRITE for _f, _d, access in covering),
            shared=True,
            roots=frozenset(("folder", f) if f else ("document", d or 0) for f, d, _a in covering),
        )

    def writable(self) -> set[tuple[str, int]]:
        """The folders and documents a write share reaches (by `_key`)."""
        return {
            ("folder", f) if f else ("document", d or 0)
            for rows in (*self.by_folder.values(), *self.by_document.values())
            for f, d, access in rows
            if access == ShareAccess.WRITE
        }


def received_shares(user: User, library_ids: list[int]) -> ReceivedShares:
    """The shares given to `user` (directly or through a space) in the libraries
    `library_ids`: one query."""
    rows = (
        Share.objects.filter(grantee_filter(user), library_id__in=library_ids)
        .values_list("folder_id", "document_id", "access")
        .distinct()
    )
    received = ReceivedShares(by_folder={}, by_document={})
    for row in rows:
        if row[0] is not None:
            received.by_folder.setdefault(row[0], []).append(row)
        elif row[1] is not None:
            received.by_document.setdefault(row[1], []).append(row)
    return received


def shared_rights_of(user: User, items: list[Folder | Document]) -> dict[tuple[str, int], Rights]:
    """`item_rights` of items of personal libraries that are not `user`'s (what "Shared with
    me" lists: their library, its owner, and a document's folder read with them), by `_key`,
    in one query whatever their number."""
    if not items:
        return {}
    received = received_shares(user, sorted({item.library_id for item in items}))
    found: dict[tuple[str, int], Rights] = {}
    for item in items:
        library = item.library
        owner = library.owner
        if (
            not user.is_authenticated
            or not user.is_active
            or library.owner_id is None
            or library.owner_id == user.pk
            or owner is None
            or not owner.is_active
        ):
            found[_key(item)] = NO_RIGHTS
        elif isinstance(item, Folder):
            found[_key(item)] = received.rights(item.ancestor_ids())
        else:
            found[_key(item)] = received.rights(item.folder.ancestor_ids(), item.pk)
    return found


def item_rights(user: User, item: Folder | Document) -> Rights:
    """What `user` may do with `item`: their rights in its library, else what shares give."""
    rights = library_rights(user, item.library)
    if rights.read:
        return rights
    return shared_rights(user, item)


def can_share(user: User, item: Folder | Document) -> bool:
    """Only the owner of a personal library shares its folders (not its root) and documents."""
    library = item.library
    return (
        user.is_authenticated
        and user.is_active
        and library.owner_id is not None
        and library.owner_id == user.pk
        and not (isinstance(item, Folder) and item.is_root)
    )


def can_revoke(user: User, share: Share) -> bool:
    """The owner of the shared item, or an organisation admin."""
    if not user.is_authenticated or not user.is_active:
        return False
    return share.library.owner_id == user.pk or user.is_admin


def _can_shared(user: User, action: Action, item: Folder | Document, rights: Rights) -> bool:
    if action in ("list", "read"):
        return True
    if not rights.write:
        return False
    if action == "upload":
        return isinstance(item, Folder)
    if action == "version":
        return isinstance(item, Document)
    if _key(item) in rights.roots:
        return False
    if action == "rename":
        return True
    if action == "delete":
        return item.created_by_id == user.pk
    return False  # move, restore: the owner's


def can(user: User, action: Action, item: Folder | Document, rights: Rights | None = None) -> bool:
    """May `user` do `action` on `item` (a living folder or document)? The one rule book."""
    if rights is None:
        rights = item_rights(user, item)
    if rights.shared:
        return _can_shared(user, action, item, rights)
    if action in ("list", "read"):
        return rights.read
    if action == "upload":
        return isinstance(item, Folder) and rights.write
    if action == "version":
        return isinstance(item, Document) and rights.write
    if isinstance(item, Folder) and item.is_root:
        return False
    own = item.created_by_id == user.pk
    if action in ("rename", "move", "delete"):
        return rights.manage or (rights.write and own)
    if action == "restore":
        return rights.manage or (rights.write and (own or item.trashed_by_id == user.pk))
    return False


def check(
    user: User, action: Action, item: Folder | Document, rights: Rights | None = None
) -> None:
    """`can`, or PermissionDenied with a reason."""
    if not can(user, action, item, rights):
        raise PermissionDenied(_("You are not allowed to do this here."))


# --- Libraries ---------------------------------------------------------------------------------


def readable_libraries(user: User) -> QuerySet[Library]:
    """The libraries `user` may read: their own and those of the spaces whose content they may
    read, with documents on (not ordered)."""
    libraries = Library.objects.select_related("space", "owner")
    if not user.is_authenticated or not user.is_active:
        return libraries.none()
    with_documents = Q(
        space_id__in=Space.objects.filter(space_queries.spaces_with_module("documents")).values(
            "pk"
        )
    )
    if user.is_admin:
        spaces = Q(space__isnull=False) & with_documents
    else:
        spaces = Q(space_id__in=space_queries.readable_space_ids(user)) & with_documents
    return libraries.filter(Q(owner_id=user.pk) | spaces)


def library_name(library: Library, viewer: User | None = None) -> str:
    if library.space is not None:
        return space_queries.display_name(library.space)
    if viewer is not None and library.owner_id == viewer.pk:
        return _("My documents")
    assert library.owner is not None
    return _("Documents of %(name)s") % {"name": library.owner.display_name}


def access_library(user: User, library_id: int) -> Library:
    library = readable_libraries(user).filter(pk=library_id).first()
    if library is None or not library_rights(user, library).read:
        raise NotFound(_("No such library."))
    return library


def writable_folders(user: User, *, limit: int = 500) -> list[Folder]:
    """The living folders `user` may upload into, for a "move to" or "copy to" choice: their own
    library's and those of the spaces they may write in."""
    folders = []
    libraries = list(readable_libraries(user))
    writable = [lib.pk for lib in libraries if library_rights(user, lib).write]
    candidates = (
        Folder.objects.filter(library_id__in=writable, trashed_at__isnull=True)
        .select_related("library", "library__space", "library__owner")
        .order_by("library_id", "path")[: limit * 2]
    )
    by_id = {f.pk: f for f in candidates}
    for folder in candidates:
        if all(by_id.get(i) is not None for i in folder.ancestor_ids()):
            folders.append(folder)
    return folders[:limit]


# --- Folders and documents ---------------------------------------------------------------------


def _clean_id(value: int | str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError) as error:
        raise NotFound(_("Not found.")) from error
    if number < 1 or number > 2**63 - 1:
        raise NotFound(_("Not found."))
    return number


def is_alive(folder: Folder) -> bool:
    """Neither the folder nor any folder above it is in the trash."""
    ids = folder.ancestor_ids()
    return not Folder.objects.filter(pk__in=ids, trashed_at__isnull=False).exists()


def access_folder(user: User, folder_id: int | str, action: Action = "list") -> Folder:
    """A living folder `user` may `action`; NotFound when missing, trashed or not readable,
    PermissionDenied when readable but `action` is not allowed."""
    folder = (
        Folder.objects.select_related("library", "library__space", "library__owner", "parent")
        .filter(pk=_clean_id(folder_id), trashed_at__isnull=True)
        .first()
    )
    if folder is None:
        raise NotFound(_("No such folder."))
    rights = item_rights(user, folder)
    if not rights.read or not is_alive(folder):
        raise NotFound(_("No such folder."))
    check(user, action, folder, rights)
    return folder


def access_document(user: User, document_id: int | str, action: Action = "read") -> Document:
    document = (
        Document.objects.select_related(
            "library", "library__space", "library__owner", "folder", "current", "current__blob"
        )
        .filter(pk=_clean_id(document_id), trashed_at__isnull=True)
        .first()
    )
    if document is None:
        raise NotFound(_("No such document."))
    rights = item_rights(user, document)
    if not rights.read or not is_alive(document.folder):
        raise NotFound(_("No such document."))
    check(user, action, document, rights)
    return document


def access_version(user: User, version_id: int | str) -> Version:
    version = (
        Version.objects.select_related("blob", "document").filter(pk=_clean_id(version_id)).first()
    )
    if version is None:
        raise NotFound(_("No such version."))
    access_document(user, version.document_id)
    return version


# --- Comments ----------------------------------------------------------------------------------

MAX_COMMENTS = 500  # the comments of a document shown (and listed by the API), oldest first


def can_comment(user: User, document: Document, rights: Rights | None = None) -> bool:
    """Whoever may read the document, unless its space is archived (read-only)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if rights is None:
        rights = item_rights(user, document)
    if not can(user, "read", document, rights):
        return False
    space = document.library.space
    return space is None or not space.is_archived


def can_edit_comment(user: User, comment: Comment, rights: Rights | None = None) -> bool:
    """Its author, while they may still comment on the document."""
    return comment.author_id == user.pk and can_comment(user, comment.document, rights)


def can_delete_comment(user: User, comment: Comment, rights: Rights | None = None) -> bool:
    """Its author (as `can_edit_comment`), or whoever manages the document's library."""
    if not user.is_authenticated or not user.is_active:
        return False
    if rights is None:
        rights = item_rights(user, comment.document)
    if can_edit_comment(user, comment, rights):
        return True
    return rights.manage and not rights.shared


def comments_of(document: Document, *, limit: int = MAX_COMMENTS) -> list[Comment]:
    """The document's comments, oldest first, with their authors (one query)."""
    rows = (
        Comment.objects.filter(document_id=document.pk)
        .select_related("author", "author__profile")
        .order_by("created_at", "id")[:limit]
    )
    comments = list(rows)
    for comment in comments:
        comment.document = document
    return comments


@dataclass(frozen=True)
class CommentRow:
    comment: Comment
    can_edit: bool
    can_delete: bool


def comment_rows(user: User, document: Document, rights: Rights) -> list[CommentRow]:
    """The document's comments (`comments_of`) with what `user` may do with each: no query
    beyond the list's (`rights` are the viewer's on the document)."""
    commenting = can_comment(user, document, rights)
    managing = rights.manage and not rights.shared and user.is_active
    rows = []
    for comment in comments_of(document):
        own = commenting and comment.author_id == user.pk
        rows.append(CommentRow(comment=comment, can_edit=own, can_delete=own or managing))
    return rows


def access_comment(user: User, document: Document, comment_id: int | str) -> Comment:
    """A comment on `document` (which `user` may read: `access_document`); NotFound otherwise."""
    comment = (
        Comment.objects.select_related("author")
        .filter(pk=_clean_id(comment_id), document_id=document.pk)
        .first()
    )
    if comment is None:
        raise NotFound(_("No such comment."))
    comment.document = document
    return comment


def breadcrumbs(folder: Folder) -> list[Folder]:
    """The folders from the root down to `folder` (one query)."""
    ids = folder.ancestor_ids()
    by_id = {f.pk: f for f in Folder.objects.filter(pk__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


SORTS = {
    "name": ("name",),
    "type": ("current__content_type", "name"),
    "date": ("updated_at", "name"),
    "author": ("created_by__last_name", "created_by__first_name", "name"),
    "size": ("current__size", "name"),
}


def subfolders(folder: Folder, *, sort: str = "name", descending: bool = False) -> list[Folder]:
    order = ["updated_at", "name"] if sort == "date" else ["name"]
    if sort == "author":
        order = ["created_by__last_name", "created_by__first_name", "name"]
    rows = list(
        Folder.objects.filter(parent=folder, trashed_at__isnull=True)
        .select_related("created_by")
        .order_by(*order)
    )
    return rows[::-1] if descending else rows


def documents_in(
    folder: Folder, *, sort: str = "name", descending: bool = False
) -> QuerySet[Document]:
    fields = SORTS.get(sort, SORTS["name"])
    order = [f"-{f}" if descending else f for f in fields]
    return (
        Document.objects.filter(folder=folder, trashed_at__isnull=True)
        .select_related("current", "current__blob", "created_by")
        .order_by(*order, "pk")
    )


PAGE_SIZE = 200  # the documents of a folder's page at a time
# What a folder's page shows of a document (`views.file_rows`), and its place in the library
# (the rules): the rest (a person's every column) is not read, nor made into values (two
# thirds of the time of a page of 200 files were its rows' instances).
PAGE_COLUMNS = (
    "name",
    "library_id",
    "folder_id",
    "created_at",
    "updated_at",
    "current__size",
    "current__content_type",
    "current__number",
    "current__blob__thumbnail_key",
    "created_by__username",
    "created_by__first_name",
    "created_by__last_name",
)


def documents_page(
    folder: Folder,
    *,
    sort: str = "name",
    descending: bool = False,
    after: tuple[str, int] | int | None = None,
    size: int | None = None,
) -> tuple[list[Document], tuple[str, int] | int | None]:
    """One page of the documents of `folder` for the folder's page, and where the next begins
    (None on the last). By name (the default) the position is the last name (ignoring case) and
    id: the index on the folder's names is read from there, however deep the page; by another
    sort, it is a count of rows to skip (those sorts read the folder's rows anyway)."""
    size = size or PAGE_SIZE
    found: list[Document]
    if sort == "name":
        rows: QuerySet[Any] = (
            Document.objects.filter(folder=folder, trashed_at__isnull=True)
            .select_related("current", "current__blob", "created_by")
            .only(*PAGE_COLUMNS)
            .annotate(name_key=Lower("name"))
        )
        if descending:
            rows = rows.order_by("-name_key", "-pk")
            if isinstance(after, tuple):
                name, pk = after
                rows = rows.filter(Q(name_key__lt=name) | Q(name_key=name, pk__lt=pk))
        else:
            rows = rows.order_by("name_key", "pk")
            if isinstance(after, tuple):
                name, pk = after
                rows = rows.filter(Q(name_key__gt=name) | Q(name_key=name, pk__gt=pk))
        found = list(rows[: size + 1])
        if len(found) <= size:
            return found, None
        last = found[size - 1]
        return found[:size], (getattr(last, "name_key", ""), last.pk)
    skip = after if isinstance(after, int) else 0
    ordered = documents_in(folder, sort=sort, descending=descending).only(*PAGE_COLUMNS)
    found = list(ordered[skip : skip + size + 1])
    if len(found) <= size:
        return found, None
    return found[:size], skip + size


def _after_name(rows: QuerySet[Any], after: tuple[str, int] | None) -> QuerySet[Any]:
    rows = rows.annotate(name_key=Lower("name")).order_by("name_key", "pk")
    if after is None:
        return rows
    name, pk = after
    return rows.filter(Q(name_key__gt=name) | Q(name_key=name, pk__gt=pk))


def listed_folders(folder: Folder, *, after: tuple[str, int] | None = None) -> QuerySet[Folder]:
    """The living folders in `folder` by name (ignoring case), after a cursor's position; each
    with its `name_key`."""
    rows = Folder.objects.filter(parent=folder, trashed_at__isnull=True).select_related(
        "created_by"
    )
    return _after_name(rows, after)


def listed_documents(folder: Folder, *, after: tuple[str, int] | None = None) -> QuerySet[Document]:
    rows = Document.objects.filter(folder=folder, trashed_at__isnull=True).select_related(
        "current", "created_by"
    )
    return _after_name(rows, after)


def versions_of(document: Document) -> QuerySet[Version]:
    return document.versions.select_related("blob", "created_by").order_by("-number")


def name_taken(folder: Folder, name: str, *, exclude: Folder | Document | None = None) -> bool:
    """Whether a living folder or document of `folder` is named `name` (ignoring case)."""
    folders = Folder.objects.filter(parent=folder, name__iexact=name, trashed_at__isnull=True)
    documents = Document.objects.filter(folder=folder, name__iexact=name, trashed_at__isnull=True)
    if isinstance(exclude, Folder):
        folders = folders.exclude(pk=exclude.pk)
    elif isinstance(exclude, Document):
        documents = documents.exclude(pk=exclude.pk)
    return folders.exists() or documents.exists()


def living_document_named(folder: Folder, name: str) -> Document | None:
    return (
        Document.objects.filter(folder=folder, name__iexact=name, trashed_at__isnull=True)
        .select_related("current", "library")
        .first()
    )


def living_subfolder_named(folder: Folder, name: str) -> Folder | None:
    return (
        Folder.objects.filter(parent=folder, name__iexact=name, trashed_at__isnull=True)
        .select_related("library", "library__space", "library__owner", "parent")
        .first()
    )


def access_upload(user: User, upload_id: str | uuid.UUID) -> UploadSession:
    """One of `user`'s upload sessions still open (`upload_sessions`); NotFound for anyone
    else's, an unknown or malformed id, or one past its expiry or being finished."""
    try:
        key = upload_id if isinstance(upload_id, uuid.UUID) else uuid.UUID(str(upload_id))
    except ValueError:
        raise NotFound(_("No such upload.")) from None
    session = (
        UploadSession.objects.select_related("library", "folder", "document")
        .filter(pk=key, created_by=user, finishing=False, expires_at__gt=timezone.now())
        .first()
    )
    if session is None:
        raise NotFound(_("No such upload."))
    return session


# --- Trash -------------------------------------------------------------------------------------


def trash_days() -> int:
    return int(getattr(settings, "DOCUMENTS_TRASH_DAYS", 30))


def trash_cutoff() -> datetime:
    return timezone.now() - timedelta(days=trash_days())


@dataclass
class TrashItem:
    item: Folder | Document
    is_folder: bool
    purge_on: datetime


def _purge_on(item: Folder | Document, days: timedelta) -> datetime:
    assert item.trashed_at is not None
    return item.trashed_at + days


def trash_of(library: Library) -> list[TrashItem]:
    """What the library's trash holds, the latest first."""
    days = timedelta(days=trash_days())
    folders = Folder.objects.filter(library=library, trashed_at__isnull=False).select_related(
        "trashed_by"
    )
    documents = Document.objects.filter(library=library, trashed_at__isnull=False).select_related(
        "trashed_by", "current"
    )
    items = [TrashItem(item=f, is_folder=True, purge_on=_purge_on(f, days)) for f in folders]
    items += [TrashItem(item=d, is_folder=False, purge_on=_purge_on(d, days)) for d in documents]
    items.sort(key=lambda t: t.purge_on, reverse=True)
    return items


def trashed_folder(user: User, folder_id: int | str) -> Folder:
    folder = (
        Folder.objects.select_related("library", "library__space", "library__owner")
        .filter(pk=_clean_id(folder_id), trashed_at__isnull=False)
        .first()
    )
    if folder is None or not library_rights(user, folder.library).read:
        raise NotFound(_("No such folder in the trash."))
    return folder


def trashed_document(user: User, document_id: int | str) -> Document:
    document = (
        Document.objects.select_related("library", "library__space", "library__owner", "folder")
        .filter(pk=_clean_id(document_id), trashed_at__isnull=False)
        .first()
    )
    if document is None or not library_rights(user, document.library).read:
        raise NotFound(_("No such document in the trash."))
    return document


# --- Locks -------------------------------------------------------------------------------------

# The WebDAV name of every person's own library (a space's is its address, which never holds a
# space): fixed, since lock and property paths are stored.
PERSONAL_DAV_NAME = "My documents"
# Where what others shared with the person is listed, read only (`dav.SharedCollection`).
SHARED_DAV_NAME = "Shared with me"


def active_locks() -> QuerySet[Lock]:
    return Lock.objects.filter(expires_at__gt=timezone.now()).select_related("owner")


def locks_on(item: Folder | Document) -> list[Lock]:
    """The living locks that cover `item`: its own, and the depth-infinity locks of the folders
    above it (one query)."""
    folder = item if isinstance(item, Folder) else item.folder
    above = Q(folder_id__in=folder.ancestor_ids(), depth="infinity")
    own = Q(document_id=item.pk) if isinstance(item, Document) else Q(folder_id=item.pk)
    return list(active_locks().filter(own | above).order_by("created_at", "pk"))


def blocking_lock(user: User, item: Folder | Document) -> Lock | None:
    """The lock of someone else that keeps `user` from changing `item`, if any: none when
    `user` holds one of the locks covering it."""
    locks = locks_on(item)
    if any(lock.owner_id == user.pk for lock in locks):
        return None
    return locks[0] if locks else None


def can_break_lock(user: User, lock: Lock, rights: Rights | None = None) -> bool:
    """Its owner releases it; the space's admins (moderators and up), organisation admins and
    the library's owner break it."""
    if lock.owner_id == user.pk and user.is_active:
        return True
    item: Folder | Document | None = lock.document or lock.folder
    if item is None:
        return False
    if rights is None:
        rights = item_rights(user, item)
    return rights.manage


def access_lock(user: User, lock_id: int | str) -> Lock:
    lock = (
        active_locks()
        .select_related("document__library__space", "document__library__owner", "document__folder")
        .filter(pk=_clean_id(lock_id))
        .first()
    )
    item = None if lock is None else lock.document or lock.folder
    if lock is None or item is None or not item_rights(user, item).read:
        raise NotFound(_("No such lock."))
    return lock


def dav_library_name(library: Library) -> str:
    """A library's name at the top of the WebDAV tree."""
    if library.space is not None:
        return library.space.slug
    return PERSONAL_DAV_NAME


def dav_path(item: Folder | Document) -> str:
    """The WebDAV path of a living folder or document, without the `/dav` prefix (one query)."""
    folder = item if isinstance(item, Folder) else item.folder
    names = [f.name for f in breadcrumbs(folder) if not f.is_root]
    if isinstance(item, Document):
        names.append(item.name)
    return "/" + "/".join([dav_library_name(item.library), *names])


# --- Quotas ------------------------------------------------------------------------------------
#
# A library's usage is the bytes of the distinct contents (blobs) that its living documents'
# versions hold, current and older versions alike: a content is counted once per library however
# many versions, copies or folders of it hold it, and again in each other library that holds it
# (each library pays for what it keeps, although the storage keeps it once). What is in the trash
# (a document, or anything inside a trashed folder) does not count: restoring it counts again.

MB = 1024 * 1024


def quota_settings() -> QuotaSettings:
    """The organisation's quota settings (an unsaved row of defaults when none was ever set)."""
    return QuotaSettings.objects.filter(pk=1).first() or QuotaSettings(pk=1)


def setting_quota_mb(kind: Literal["space", "person"]) -> int:
    """The server's default quota (MB, 0: no limit): `CERCLE_DOCUMENTS_SPACE_QUOTA_MB` or
    `CERCLE_DOCUMENTS_PERSON_QUOTA_MB`."""
    name = "DOCUMENTS_SPACE_QUOTA_MB" if kind == "space" else "DOCUMENTS_PERSON_QUOTA_MB"
    return max(int(getattr(settings, name, 0) or 0), 0)


def default_quota_mb(kind: Literal["space", "person"], row: QuotaSettings | None = None) -> int:
    """The quota (MB, 0: no limit) of a library that has none of its own."""
    row = row or quota_settings()
    value = row.space_quota_mb if kind == "space" else row.person_quota_mb
    if value is not None:
        return value
    return setting_quota_mb(kind)


def max_upload_setting_mb() -> int:
    return max(int(getattr(settings, "DOCUMENTS_MAX_UPLOAD_MB", 2048)), 1)


def max_file_mb(row: QuotaSettings | None = None) -> int:
    """The largest file (MB): the administrators' figure, never above the setting's."""
    ceiling = max_upload_setting_mb()
    row = row or quota_settings()
    if row.max_file_mb:
        return min(row.max_file_mb, ceiling)
    return ceiling


def limit_mb(library: Library, row: QuotaSettings | None = None) -> int:
    """The library's quota in MB (0: no limit): its own, or its kind's default."""
    if library.quota_mb is not None:
        return library.quota_mb
    return default_quota_mb("space" if library.space_id is not None else "person", row)


def _trashed_above() -> Exists:
    """A folder in the trash above (or being) the outer document's folder."""
    return Exists(
        Folder.objects.filter(library_id=OuterRef("library_id"), trashed_at__isnull=False)
        .annotate(below=ExpressionWrapper(OuterRef("folder__path"), output_field=CharField()))
        .filter(below__startswith=F("path"))
    )


def living_documents(library_ids: Any) -> QuerySet[Document]:
    """The documents of these libraries neither in the trash nor inside a trashed folder. The
    check of the folders above each document is left out when these libraries have no folder
    in the trash (most of the time; one query): it read a subquery per document, 40 % of a
    10,000-file library's usage."""
    documents = Document.objects.filter(library_id__in=library_ids, trashed_at__isnull=True)
    if Folder.objects.filter(library_id__in=library_ids, trashed_at__isnull=False).exists():
        documents = documents.filter(~_trashed_above())
    return documents


def _blobs_of(library: Library) -> QuerySet[Version, Any]:
    return Version.objects.filter(document__in=living_documents([library.pk])).values("blob_id")


def usage(library: Library) -> int:
    """The bytes the library uses (one query): each content its living documents' versions hold,
    once."""
    total = Blob.objects.filter(pk__in=_blobs_of(library)).aggregate(total=Sum("size"))["total"]
    return int(total or 0)


def usages(library_ids: list[int]) -> dict[int, int]:
    """The usage of several libraries (one query)."""
    rows = (
        Version.objects.filter(document__in=living_documents(library_ids))
        .order_by()
        .values("document__library_id", "blob_id", "blob__size")
        .distinct()
    )
    found: dict[int, int] = dict.fromkeys(library_ids, 0)
    for row in rows:
        library_id = row["document__library_id"]
        found[library_id] = found.get(library_id, 0) + int(row["blob__size"])
    return found


def bytes_added(library: Library, blob_ids: Any) -> int:
    """What these contents would add to the library's usage: those it does not hold yet."""
    total = (
        Blob.objects.filter(pk__in=blob_ids)
        .exclude(pk__in=_blobs_of(library))
        .aggregate(total=Sum("size"))["total"]
    )
    return int(total or 0)


@dataclass(frozen=True)
class Quota:
    """A library's usage against its quota (bytes; `limit` None: no limit)."""

    used: int
    limit: int | None
    own: bool  # set for this library, rather than its kind's default

    @property
    def available(self) -> int | None:
        return None if self.limit is None else max(self.limit - self.used, 0)

    @property
    def percent(self) -> int:
        if not self.limit:
            return 0
        return min(100, round(100 * self.used / self.limit))

    @property
    def nearly_full(self) -> bool:
        return self.limit is not None and self.used >= 0.9 * self.limit

    def fits(self, adding: int) -> bool:
        return self.limit is None or self.used + adding <= self.limit


def kept_usage(library: Library) -> int:
    """`usage`, kept until a folder, document or version is written anywhere
    (`listing_cache.kept_value`; a content's size never changes): what a folder's page shows,
    not what an upload is checked against (`actions._refuse_if_no_room` reads it anew)."""
    return int(listing_cache.kept_value(f"usage:{library.pk}", lambda: usage(library)))


def quota_of(library: Library, row: QuotaSettings | None = None, *, kept: bool = False) -> Quota:
    """The library's quota and usage (two queries at most: the settings, the usage; `kept`:
    the usage as `kept_usage` keeps it)."""
    mb = limit_mb(library, row)
    used = kept_usage(library) if kept else usage(library)
    return Quota(used=used, limit=mb * MB if mb else None, own=library.quota_mb is not None)


def may_see_quota(user: User, library: Library, rights: Rights | None = None) -> bool:
    """The usage is shown to whoever may add files to the library, its managers (the space's
    moderators and admins) and the organisation's administrators."""
    rights = rights or library_rights(user, library)
    return rights.write or rights.manage or may_manage_settings(user)


def may_set_quotas(user: User) -> bool:
    """Quotas and the largest file are the IT department's: administrators only."""
    return may_manage_settings(user)


def quota_refused(quota: Quota) -> str:
    return _(
        "Not enough room in this library: %(used)s of %(limit)s used, %(available)s left. "
        "Delete files or ask an administrator for more room."
    ) % {
        "used": filesizeformat(quota.used),
        "limit": filesizeformat(quota.limit or 0),
        "available": filesizeformat(quota.available or 0),
    }


def file_too_large(limit: int) -> str:
    return _("This file is too large: at most %(max)s MB per file.") % {"max": f"{limit / MB:g}"}


def reserved(library_id: int, *, exclude: int | None = None) -> int:
    """The bytes the uploads under way hold in the library (`Reservation`, those not expired;
    one query), but for the reservation `exclude`."""
    rows = Reservation.objects.filter(library_id=library_id, expires_at__gt=timezone.now())
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return int(rows.aggregate(total=Sum("size"))["total"] or 0)


def upload_cap(
    library: Library, *, row: QuotaSettings | None = None, quota: Quota | None = None
) -> UploadCap:
    """What one request may bring into `library`: the largest file, and the room left (less
    what the uploads under way hold)."""
    row = row or quota_settings()
    quota = quota or quota_of(library, row)
    largest = max_file_mb(row) * MB
    available = quota.available
    if available is not None:
        available = max(available - reserved(library.pk), 0)
    return UploadCap(
        file_bytes=largest,
        total_bytes=available,
        file_message=file_too_large(largest),
        total_message=quota_refused(quota),
    )


@dataclass(frozen=True)
class LibraryQuotaRow:
    library: Library
    name: str
    quota: Quota


def libraries_with_own_quota(*, limit: int = 200) -> list[LibraryQuotaRow]:
    """The libraries an administrator gave a quota of their own, with their usage (two
    queries)."""
    row = quota_settings()
    libraries = list(
        Library.objects.filter(quota_mb__isnull=False)
        .select_related("space", "owner")
        .order_by("space__name", "owner__last_name", "owner__first_name", "pk")[:limit]
    )
    used = usages([library.pk for library in libraries])
    rows = []
    for library in libraries:
        mb = limit_mb(library, row)
        quota = Quota(used=used.get(library.pk, 0), limit=mb * MB if mb else None, own=True)
        rows.append(LibraryQuotaRow(library=library, name=library_name(library), quota=quota))
    return rows


def documents_within(folder: Folder) -> QuerySet[Document]:
    """The documents in `folder` and below it that are not in the trash themselves nor inside a
    trashed folder below it (whatever the state of `folder` and of the folders above it: what a
    restore brings back, what a copy copies)."""
    trashed_between = Exists(
        Folder.objects.filter(
            library_id=OuterRef("library_id"),
            trashed_at__isnull=False,
            path__startswith=folder.path,
        )
        .exclude(pk=folder.pk)
        .annotate(below=ExpressionWrapper(OuterRef("folder__path"), output_field=CharField()))
        .filter(below__startswith=F("path"))
    )
    return Document.objects.filter(
        library_id=folder.library_id, folder__path__startswith=folder.path, trashed_at__isnull=True
    ).filter(~trashed_between)


# --- A library's own search ---------------------------------------------------------------------

LIBRARY_SEARCH_CHARS = 200
LIBRARY_SEARCH_LIMIT = 50


@dataclass(frozen=True)
class LibraryHit:
    """A file found in a library: where it is (`path`: its folders from the library's root),
    its name and an excerpt of its text, escaped with the matched words in `<mark>`."""

    document: Document
    path: str
    title: SafeString
    excerpt: SafeString


@dataclass
class LibraryResults:
    hits: list[LibraryHit]
    more: bool  # more matches than shown: narrow the search


def _folder_paths(folders: list[Folder]) -> dict[int, str]:
    """Each folder's path from its library's root, "Rapports / 2026" (one query)."""
    ids = {i for folder in folders for i in folder.ancestor_ids()}
    names = dict(Folder.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {
        folder.pk: " / ".join(names.get(i, "") for i in folder.ancestor_ids() if names.get(i))
        for folder in folders
    }


def search_library(
    user: User, folder: Folder, text: str, *, subfolders: bool = True
) -> LibraryResults:
    """The files of `folder` (and of the folders below it, with `subfolders`) whose name holds
    every word typed (case ignored), or whose name or extracted text the organisation's search
    finds (`cercle.search`: accents and case ignored, its own visibility rule). Never what is in
    the trash or inside a trashed folder, never outside the folder. At most
    `LIBRARY_SEARCH_LIMIT` files, in a fixed number of queries: the content's matches come from
    the search's best `LIBRARY_SEARCH_LIMIT` files of the space (of every library the person
    reads, for "My documents"), kept when they are in scope."""
    text = "".join(c if c.isprintable() else " " for c in text)
    text = " ".join(text.split())[:LIBRARY_SEARCH_CHARS]
    if not text or not library_rights(user, folder.library).read:
        return LibraryResults(hits=[], more=False)
    scope = living_documents([folder.library_id]).select_related("folder", "current", "created_by")
    scope = (
        scope.filter(folder__path__startswith=folder.path)
        if subfolders
        else scope.filter(folder=folder)
    )
    found = search_queries.search(
        user,
        text,
        kinds=["document"],
        space_id=folder.library.space_id,
        limit=LIBRARY_SEARCH_LIMIT,
    )
    excerpts = {hit.document.object_id: hit.excerpt for hit in found.hits}
    order = list(excerpts)
    by_content = {d.pk: d for d in scope.filter(pk__in=order)}
    words = [w.strip("\"'*-+()") for w in text.split()]
    named = scope
    for word in [w for w in words if w]:
        named = named.filter(name__icontains=word)
    by_name = list(named.order_by(Lower("name"), "pk")[: LIBRARY_SEARCH_LIMIT + 1])
    documents = [by_content[pk] for pk in order if pk in by_content]
    seen = {d.pk for d in documents}
    documents += [d for d in by_name if d.pk not in seen]
    more = len(documents) > LIBRARY_SEARCH_LIMIT or found.next_offset is not None
    documents = documents[:LIBRARY_SEARCH_LIMIT]
    paths = _folder_paths([d.folder for d in documents])
    marked = found.query.highlight_words() or [w.lower() for w in words if w]
    hits = [
        LibraryHit(
            document=d,
            path=paths.get(d.folder_id, ""),
            title=search_queries.highlight(d.name, marked, whole=True),
            excerpt=excerpts.get(d.pk) or SafeString(""),
        )
        for d in documents
    ]
    return LibraryResults(hits=hits, more=more)


# --- Readable documents and shares -------------------------------------------------------------


def readable_documents(user: User) -> QuerySet[Document]:
    """The living documents `user` may read, as one query: those of the libraries they may read,
    and those a share covers (`grantee_filter`, `covering_filter`'s rule as a subquery), none
    under a trashed folder. The global search and the notifications go through it."""
    if not user.is_authenticated or not user.is_active:
        return Document.objects.none()
    # A folder above it in the trash hides it too (`is_alive`, as a subquery: a trashed folder's
    # path begins the path of every folder below it).
    trashed_above = (
        Folder.objects.filter(library_id=OuterRef("library_id"), trashed_at__isnull=False)
        .annotate(below=ExpressionWrapper(OuterRef("folder__path"), output_field=CharField()))
        .filter(below__startswith=F("path"))
    )
    shared = (
        Share.objects.filter(grantee_filter(user), library_id=OuterRef("library_id"))
        .filter(library__owner__is_active=True)
        .annotate(below=ExpressionWrapper(OuterRef("folder__path"), output_field=CharField()))
        .filter(Q(document_id=OuterRef("pk")) | Q(below__startswith=F("folder__path")))
    )
    return Document.objects.filter(
        Q(library_id__in=readable_libraries(user).values("pk")) | Exists(shared),
        trashed_at__isnull=True,
    ).filter(~Exists(trashed_above))


def readable_folders(user: User) -> QuerySet[Folder]:
    """The living folders `user` may list, as one query (`readable_documents`' rule for
    folders): for the notifications about a shared folder."""
    if not user.is_authenticated or not user.is_active:
        return Folder.objects.none()
    trashed_above = (
        Folder.objects.filter(library_id=OuterRef("library_id"), trashed_at__isnull=False)
        .annotate(below=ExpressionWrapper(OuterRef("path"), output_field=CharField()))
        .filter(below__startswith=F("path"))
    )
    shared = (
        Share.objects.filter(
            grantee_filter(user), library_id=OuterRef("library_id"), folder__isnull=False
        )
        .filter(library__owner__is_active=True)
        .annotate(below=ExpressionWrapper(OuterRef("path"), output_field=CharField()))
        .filter(below__startswith=F("folder__path"))
    )
    return Folder.objects.filter(
        Q(library_id__in=readable_libraries(user).values("pk")) | Exists(shared)
    ).filter(~Exists(trashed_above))


def shares_of(item: Folder | Document) -> list[Share]:
    """The shares of one item, for its owner's "Share" page: people by name, then spaces."""
    rows = Share.objects.filter(**{"folder" if isinstance(item, Folder) else "document": item})
    return list(
        rows.select_related("user", "space").order_by(
            "space__name", "user__last_name", "user__first_name", "pk"
        )
    )


@dataclass
class SharedItem:
    """One item in someone's "Shared with me": the best access any of its shares gives."""

    item: Folder | Document
    is_folder: bool
    owner: User
    access: str
    shared_at: datetime
    through: list[str]  # the spaces it reached them through (empty: shared with them directly)


def shared_with(user: User, *, limit: int = 500) -> list[SharedItem]:
    """What was shared with `user` (directly or through a space they are a member of), living,
    from active owners, the latest first: a fixed number of queries (the shares with their
    items, the trashed folders above them)."""
    if not user.is_authenticated or not user.is_active:
        return []
    shares = list(
        Share.objects.filter(grantee_filter(user), library__owner__is_active=True)
        .exclude(library__owner_id=user.pk)
        .filter(
            Q(folder__isnull=False, folder__trashed_at__isnull=True)
            | Q(document__isnull=False, document__trashed_at__isnull=True)
        )
        .select_related(
            "library__owner",
            "space",
            "folder",
            "document__folder",
            "document__current__blob",
        )
        .order_by("-created_at", "-pk")[: limit * 2]
    )
    # Hidden when a folder above it is in the trash (one query for all).
    above: set[int] = set()
    for share in shares:
        folder = share.folder or (share.document.folder if share.document else None)
        if folder is not None:
            above.update(folder.ancestor_ids())
    trashed = set(
        Folder.objects.filter(pk__in=above, trashed_at__isnull=False).values_list("pk", flat=True)
    )
    found: dict[tuple[str, int], SharedItem] = {}
    for share in shares:
        item = share.item
        folder = item if isinstance(item, Folder) else item.folder
        if trashed.intersection(folder.ancestor_ids()):
            continue
        item.library = share.library
        assert share.library.owner is not None
        key = _key(item)
        entry = found.get(key)
        if entry is None:
            entry = found[key] = SharedItem(
                item=item,
                is_folder=isinstance(item, Folder),
                owner=share.library.owner,
                access=share.access,
                shared_at=share.created_at,
                through=[],
            )
        elif share.access == ShareAccess.WRITE:
            entry.access = ShareAccess.WRITE
        if share.space is not None:
            entry.through.append(space_queries.display_name(share.space))
    return list(found.values())[:limit]


def access_share(user: User, share_id: int | str) -> Share:
    """A share `user` may revoke (its item's owner, an organisation admin); NotFound otherwise."""
    share = (
        Share.objects.select_related(
            "library__owner", "folder__library", "document__library", "user", "space"
        )
        .filter(pk=_clean_id(share_id))
        .first()
    )
    if share is None or not can_revoke(user, share):
        raise NotFound(_("No such share."))
    return share


def shared_crumbs(folder: Folder, rights: Rights) -> list[Folder]:
    """The breadcrumbs a grantee sees: the library's root (shown as "Shared with me"), then the
    folders from the highest shared folder down to `folder`, never those above it (one query)."""
    crumbs = breadcrumbs(folder)
    shared_ids = {pk for kind, pk in rights.roots if kind == "folder"}
    for index, crumb in enumerate(crumbs):
        if crumb.pk in shared_ids:
            return [crumbs[0], *crumbs[index:]]
    return crumbs[:1]


def share_spaces(user: User) -> QuerySet[Space]:
    """The spaces `user` may share with: those they are a member of, by name (not the
    organisation space: everyone is in it)."""
    return Space.objects.filter(
        pk__in=space_queries.member_space_ids(user), is_organisation=False
    ).order_by("name", "pk")
