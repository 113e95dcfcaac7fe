"""The document base's pages: a library's folders (a space's Documents tab, "My documents"), a
document with its versions, the trash; uploads with or without JavaScript; downloads streamed
with ranges. Every rule is in `queries`, every write in `actions`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from cercle.accounts.queries import pickable_person
from cercle.core import uploads
from cercle.core.dates import ShownDates
from cercle.core.pagination import InvalidCursor, decode_cursor, encode_cursor
from cercle.core.typing import AuthenticatedRequest
from cercle.documents import actions, downloads, previews, queries, staging, upload_sessions
from cercle.documents.models import COMMENT_LENGTH, Document, Folder, Library
from cercle.documents.storage import blob_storage
from cercle.spaces import queries as space_queries

SORT_LABELS = ("name", "type", "date", "author", "size")


def _errors(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You are not allowed to do this here.")


def _root_url(library: Library) -> str:
    if library.space is not None:
        return reverse("documents_space", args=[library.space.slug])
    return reverse("documents_mine")


def folder_url(folder: Folder) -> str:
    if folder.is_root:
        return _root_url(folder.library)
    return reverse("documents_folder", args=[folder.pk])


def _space_context(request: AuthenticatedRequest, library: Library) -> dict[str, Any]:
    if library.space is None:
        return {}
    space = library.space
    return {
        "space": space,
        "view": space_queries.space_view(request.user, space),
        "member_count": space_queries.member_count(space),
    }


@dataclass(frozen=True)
class FileRow:
    """A file of a folder's page as its table shows it (`documents/folder.html`)."""

    href: str
    thumbnail: str  # its address, "" without one
    name: str
    content_type: str
    iso: str
    shown: str
    author: str
    size: str


def _numbered(name: str) -> tuple[str, str]:
    """The address `name` reverses to, cut where its document's number goes."""
    before, _number, after = reverse(name, args=[987654321]).partition("987654321")
    return before, after


def file_rows(documents: list[Document]) -> list[FileRow]:
    """The rows of a folder's page, each value made once here rather than through the
    template's lookups and filters: two addresses reversed for the whole page, the dates shown
    through one formatter per minute (`ShownDates`). A page of 200 files took 27 ms to draw
    through the template; these rows are what its filters gave, character for character."""
    file_before, file_after = _numbered("documents_file")
    thumb_before, thumb_after = _numbered("documents_thumbnail")
    dates = ShownDates("SHORT_DATETIME_FORMAT")
    rows = []
    for document in documents:
        current = document.current
        blob = current.blob if current is not None else None
        number = str(document.pk)
        author = document.created_by
        rows.append(
            FileRow(
                href=file_before + number + file_after,
                thumbnail=thumb_before + number + thumb_after
                if blob is not None and blob.thumbnail_key
                else "",
                name=document.name,
                content_type=(current.content_type if current is not None else "") or "",
                iso=dates.iso(document.updated_at),
                shown=dates.text(document.updated_at),
                author=author.display_name if author is not None else "",
                size=filesizeformat(current.size if current is not None else ""),
            )
        )
    return rows


def _folder_page(request: AuthenticatedRequest, folder: Folder, status: int = 200) -> HttpResponse:
    library = folder.library
    rights = queries.item_rights(request.user, folder)
    sort = request.GET.get("sort", "name")
    if sort not in SORT_LABELS:
        sort = "name"
    descending = request.GET.get("order") == "desc"
    try:
        after = _page_position(request.GET.get("after", ""), sort)
    except InvalidCursor:
        return HttpResponseBadRequest(_("This page's address is not valid."))
    documents, following = queries.documents_page(
        folder, sort=sort, descending=descending, after=after
    )
    next_query = ""
    if following is not None:
        position = list(following) if isinstance(following, tuple) else [following]
        next_query = urlencode(
            {
                "sort": sort,
                "order": "desc" if descending else "asc",
                "after": encode_cursor(position),
            }
        )
    context = {
        "library": library,
        "folder": folder,
        **_crumbs_context(request, folder, rights),
        # Folders on the first page only; the documents a page at a time (`PAGE_SIZE`).
        "folders": queries.subfolders(folder, sort=sort, descending=descending)
        if after is None
        else [],
        "documents": file_rows(documents),
        "next_query": next_query,
        "later_page": after is not None,
        "sort": sort,
        "descending": descending,
        "sorts": [(key, _sort_label(key)) for key in SORT_LABELS],
        "can_upload": queries.can(request.user, "upload", folder, rights),
        "can_rename": queries.can(request.user, "rename", folder, rights),
        "can_move": queries.can(request.user, "move", folder, rights),
        "can_delete": queries.can(request.user, "delete", folder, rights),
        "can_share": queries.can_share(request.user, folder),
        "shared": rights.shared,
        **_space_context(request, library),
    }
    row = queries.quota_settings()
    context["max_mb"] = queries.max_file_mb(row)
    context["chunk_bytes"] = upload_sessions.PAGE_CHUNK_BYTES
    quota = queries.quota_of(library, row, kept=True)
    context["quota"] = quota if queries.may_see_quota(request.user, library, rights) else None
    if context["can_upload"]:
        context["upload_cap"] = queries.upload_cap(library, row=row, quota=quota)
    return render(request, "documents/folder.html", context, status=status)


def _page_position(cursor: str, sort: str) -> tuple[str, int] | int | None:
    """Where a folder's page begins (its `after` parameter, made by `_folder_page`)."""
    if not cursor:
        return None
    if sort == "name":
        name, pk = decode_cursor(cursor, length=2)
        if not isinstance(name, str) or not isinstance(pk, int):
            raise InvalidCursor("invalid cursor")
        return (name, pk)
    (skip,) = decode_cursor(cursor, length=1)
    if not isinstance(skip, int) or skip < 0:
        raise InvalidCursor("invalid cursor")
    return skip


def _crumbs_context(
    request: AuthenticatedRequest, folder: Folder, rights: queries.Rights
) -> dict[str, Any]:
    """The breadcrumbs: the library's folders; for what was shared with the person, "Shared with
    me" then the folders from the shared one down (never those above it)."""
    if rights.shared:
        return {
            "library_name": _("Shared with me"),
            "root_url": reverse("documents_shared"),
            "crumbs": queries.shared_crumbs(folder, rights),
        }
    return {
        "library_name": queries.library_name(folder.library, request.user),
        "root_url": _root_url(folder.library),
        "crumbs": queries.breadcrumbs(folder),
    }


def _sort_label(key: str) -> str:
    return {
        "name": _("Name"),
        "type": _("Type"),
        "date": _("Modified"),
        "author": _("Author"),
        "size": _("Size"),
    }[key]


@login_required
@require_GET
def space_documents(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """A space's Documents tab: its library's root (the library made the first time)."""
    space = space_queries.access_space(request.user, slug)
    if not queries.space_rights(request.user, space).read:
        raise queries.NotFound(_("No such library."))
    root = actions.root_of(actions.space_library(space=space))
    return _folder_page(request, root)


@login_required
@require_GET
def my_documents(request: AuthenticatedRequest) -> HttpResponse:
    root = actions.root_of(actions.personal_library(user=request.user))
    return _folder_page(request, root)


@login_required
@require_GET
def folder(request: AuthenticatedRequest, folder_id: int) -> HttpResponse:
    found = queries.access_folder(request.user, folder_id)
    if found.is_root:
        return redirect(folder_url(found))
    return _folder_page(request, found)


def _wants_json(request: AuthenticatedRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _refused_upload(
    request: AuthenticatedRequest, back: str, refused: uploads.UploadRefusal
) -> HttpResponseBase:
    """The files of a request stopped while they arrived (the largest file, or the quota)."""
    status = 413 if refused.code == "too_large" else 507
    if _wants_json(request):
        return JsonResponse({"detail": refused.message}, status=status)
    messages.error(request, refused.message)
    return redirect(back)


@csrf_exempt  # checked by `_upload` once the upload's cap is in place (csrf_protect)
@login_required
@require_POST
def upload(request: AuthenticatedRequest, folder_id: int) -> HttpResponseBase:
    """One or many files into a folder: the page's form without JavaScript (back to the folder
    with a message per file), or one file per request from the page's script (JSON). The files
    are counted while they arrive, against the largest file and the library's room left
    (`core.uploads.CappedUploadHandler`): past either, the request stops and nothing is kept."""
    target = queries.access_folder(request.user, folder_id, "upload")
    uploads.cap_upload(request, partial(queries.upload_cap, target.library))
    with staging.staged_uploads(request):
        staging.stage_uploads(request, target.library_id)
        return _upload(request, target)


@csrf_protect
def _upload(request: AuthenticatedRequest, target: Folder) -> HttpResponseBase:
    files = request.FILES.getlist("files")
    refused = uploads.refusal(request)
    if refused is not None:
        return _refused_upload(request, folder_url(target), refused)
    if not files:
        if _wants_json(request):
            return JsonResponse({"detail": _("Choose at least one file.")}, status=400)
        messages.error(request, _("Choose at least one file."))
        return redirect(folder_url(target))
    added: list[str] = []
    versioned: list[str] = []
    failures: list[str] = []
    for sent in files:
        try:
            result = actions.upload_file(
                actor=request.user, folder=target, upload=sent, name=sent.name or ""
            )
        except (ValidationError, PermissionDenied) as error:
            failures.append(_errors(error))
            continue
        (added if result.is_new_document else versioned).append(result.document.name)
    if _wants_json(request):
        if failures:
            return JsonResponse({"detail": " ".join(failures)}, status=400)
        return JsonResponse({"added": added, "versioned": versioned})
    if added:
        messages.success(
            request,
            ngettext("%(count)d file added.", "%(count)d files added.", len(added))
            % {"count": len(added)},
        )
    for name in versioned:
        messages.success(request, _("New version of %(name)s.") % {"name": name})
    for failure in failures:
        messages.error(request, failure)
    return redirect(folder_url(target))


@login_required
@require_POST
def new_folder(request: AuthenticatedRequest, folder_id: int) -> HttpResponseBase:
    parent = queries.access_folder(request.user, folder_id, "upload")
    try:
        made = actions.create_folder(
            actor=request.user, parent=parent, name=request.POST.get("name", "")
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _errors(error))
        return redirect(folder_url(parent))
    messages.success(request, _("Folder %(name)s created.") % {"name": made.name})
    return redirect(folder_url(parent))


def _item(
    request: AuthenticatedRequest, kind: str, item_id: int, action: queries.Action = "read"
) -> Folder | Document:
    if kind == "folder":
        return queries.access_folder(request.user, item_id, "list" if action == "read" else action)
    if kind == "file":
        return queries.access_document(request.user, item_id, action)
    raise queries.NotFound(_("Not found."))


def _item_url(item: Folder | Document) -> str:
    if isinstance(item, Folder):
        return folder_url(item)
    return reverse("documents_file", args=[item.pk])


@login_required
@require_POST
def rename(request: AuthenticatedRequest, kind: str, item_id: int) -> HttpResponseBase:
    item = _item(request, kind, item_id, "rename")
    try:
        actions.rename(actor=request.user, item=item, name=request.POST.get("name", ""))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("Renamed."))
    return redirect(_item_url(item))


@login_required
@require_POST
def delete(request: AuthenticatedRequest, kind: str, item_id: int) -> HttpResponseBase:
    item = _item(request, kind, item_id, "delete")
    parent = item.parent if isinstance(item, Folder) else item.folder
    assert parent is not None
    try:
        actions.trash(actor=request.user, item=item)
    except PermissionDenied as error:
        messages.error(request, _errors(error))
        return redirect(_item_url(item))
    messages.success(
        request,
        _("%(name)s is in the trash, where it stays %(days)d days.")
        % {"name": item.name, "days": queries.trash_days()},
    )
    return redirect(folder_url(Folder.objects.select_related("library__space").get(pk=parent.pk)))


@login_required
def move(request: AuthenticatedRequest, kind: str, item_id: int) -> HttpResponseBase:
    """Choose a folder (of any library the person may write to) to move or copy an item into."""
    item = _item(request, kind, item_id)
    error = ""
    if request.method == "POST":
        operation = request.POST.get("operation", "move")
        try:
            target = queries.access_folder(request.user, request.POST.get("target", ""), "upload")
            if operation == "copy":
                done = actions.copy(actor=request.user, item=item, target=target)
                messages.success(request, _("Copied."))
            else:
                done = actions.move(actor=request.user, item=item, target=target)
                messages.success(request, _("Moved."))
            return redirect(_item_url(done) if isinstance(done, Document) else folder_url(target))
        except queries.NotFound:
            error = _("Choose a folder you may add files to.")
        except (ValidationError, PermissionDenied) as failure:
            error = _errors(failure)
    folders = [
        (f, " / ".join([queries.library_name(f.library, request.user), *_names(f, request)]))
        for f in queries.writable_folders(request.user)
        if not (isinstance(item, Folder) and f.path.startswith(item.path))
    ]
    return render(
        request,
        "documents/move.html",
        {
            "item": item,
            "is_folder": isinstance(item, Folder),
            "folders": folders,
            "error": error,
            "can_move": queries.can(request.user, "move", item),
            "back": _item_url(item),
        },
        status=400 if error else 200,
    )


def _names(folder: Folder, request: AuthenticatedRequest) -> list[str]:
    cache: dict[int, str] = request.__dict__.setdefault("_folder_names", {})
    missing = [i for i in folder.ancestor_ids() if i not in cache]
    if missing:
        cache.update(Folder.objects.filter(pk__in=missing).values_list("pk", "name"))
    return [cache[i] for i in folder.ancestor_ids()[1:] if i in cache]


@login_required
@require_GET
def document(request: AuthenticatedRequest, document_id: int) -> HttpResponse:
    found = queries.access_document(request.user, document_id)
    rights = queries.item_rights(request.user, found)
    found.folder.library = found.library
    locks = queries.locks_on(found)
    lock = locks[0] if locks else None
    crumbs = _crumbs_context(request, found.folder, rights)
    return render(
        request,
        "documents/document.html",
        {
            "document": found,
            **crumbs,
            "folder_url": folder_url(found.folder),
            "versions": list(queries.versions_of(found)),
            "can_version": queries.can(request.user, "version", found, rights),
            "can_rename": queries.can(request.user, "rename", found, rights),
            "can_move": queries.can(request.user, "move", found, rights),
            "can_delete": queries.can(request.user, "delete", found, rights),
            "can_share": queries.can_share(request.user, found),
            "shared": rights.shared,
            "lock": lock,
            "lock_is_mine": lock is not None and lock.owner_id == request.user.pk,
            "can_unlock": lock is not None and queries.can_break_lock(request.user, lock, rights),
            "can_lock": lock is None and queries.can(request.user, "version", found, rights),
            "comments": queries.comment_rows(request.user, found, rights),
            "can_comment": queries.can_comment(request.user, found, rights),
            "comment_length": COMMENT_LENGTH,
            "preview": previews.preview_of(found),
            "text_state": previews.text_state_label(found.current.blob) if found.current else "",
            **_space_context(request, found.library),
        },
    )


def _comments_url(document: Document) -> str:
    return reverse("documents_file", args=[document.pk]) + "#comments"


@login_required
@require_POST
def comment(request: AuthenticatedRequest, document_id: int) -> HttpResponseBase:
    found = queries.access_document(request.user, document_id)
    try:
        actions.add_comment(actor=request.user, document=found, body=request.POST.get("body", ""))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _errors(error))
    return redirect(_comments_url(found))


@login_required
@require_POST
def edit_comment(
    request: AuthenticatedRequest, document_id: int, comment_id: int
) -> HttpResponseBase:
    found = queries.access_document(request.user, document_id)
    comment = queries.access_comment(request.user, found, comment_id)
    try:
        actions.edit_comment(actor=request.user, comment=comment, body=request.POST.get("body", ""))
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _errors(error))
    return redirect(_comments_url(found))


@login_required
@require_POST
def delete_comment(
    request: AuthenticatedRequest, document_id: int, comment_id: int
) -> HttpResponseBase:
    found = queries.access_document(request.user, document_id)
    comment = queries.access_comment(request.user, found, comment_id)
    try:
        actions.delete_comment(actor=request.user, comment=comment)
    except PermissionDenied as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("Comment deleted."))
    return redirect(_comments_url(found))


@login_required
@require_POST
def lock(request: AuthenticatedRequest, document_id: int) -> HttpResponseBase:
    """ "I am editing this": others still read, their changes wait until it is unlocked."""
    found = queries.access_document(request.user, document_id)
    try:
        actions.lock(actor=request.user, item=found)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _errors(error))
    else:
        messages.success(
            request, _("Locked: others can read it, not change it, until you unlock it.")
        )
    return redirect("documents_file", document_id=found.pk)


@login_required
@require_POST
def unlock(request: AuthenticatedRequest, document_id: int) -> HttpResponseBase:
    """Its owner releases the lock; the space's admins and the library's owner break it."""
    found = queries.access_document(request.user, document_id)
    for held in queries.locks_on(found):
        try:
            actions.unlock(actor=request.user, lock=held)
        except PermissionDenied as error:
            messages.error(request, _errors(error))
            break
    else:
        messages.success(request, _("Unlocked."))
    return redirect("documents_file", document_id=found.pk)


@csrf_exempt  # checked by `_new_version` once the upload's cap is in place
@login_required
@require_POST
def new_version(request: AuthenticatedRequest, document_id: int) -> HttpResponseBase:
    found = queries.access_document(request.user, document_id)
    uploads.cap_upload(request, partial(queries.upload_cap, found.library))
    with staging.staged_uploads(request):
        staging.stage_uploads(request, found.library_id)
        return _new_version(request, found)


@csrf_protect
def _new_version(request: AuthenticatedRequest, found: Document) -> HttpResponseBase:
    sent = request.FILES.get("file")
    refused = uploads.refusal(request)
    if refused is not None:
        return _refused_upload(request, reverse("documents_file", args=[found.pk]), refused)
    if sent is None:
        messages.error(request, _("Choose a file."))
    else:
        try:
            version = actions.add_version(
                actor=request.user, document=found, upload=sent, name=sent.name or ""
            )
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _errors(error))
        else:
            messages.success(request, _("Version %(number)d added.") % {"number": version.number})
    return redirect("documents_file", document_id=found.pk)


@login_required
@require_POST
def restore_version(
    request: AuthenticatedRequest, document_id: int, number: int
) -> HttpResponseBase:
    found = queries.access_document(request.user, document_id)
    try:
        version = actions.restore_version(actor=request.user, document=found, number=number)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _errors(error))
    else:
        messages.success(
            request,
            _("Version %(old)d is the current one again (as version %(new)d).")
            % {"old": number, "new": version.number},
        )
    return redirect("documents_file", document_id=found.pk)


@uploads.download_view
def download(request: AuthenticatedRequest, document_id: int) -> HttpResponseBase:
    found = queries.access_document(request.user, document_id)
    if found.current is None:
        raise queries.NotFound(_("No such document."))
    return downloads.serve_version(request, found.current, name=found.name)


@uploads.download_view
@xframe_options_sameorigin
def view(request: AuthenticatedRequest, document_id: int) -> HttpResponseBase:
    """The current version shown in the browser: an image inline, a PDF in the browser's viewer
    (framed by the file's page only); anything else is a download, as `download` serves it."""
    found = queries.access_document(request.user, document_id)
    if found.current is None:
        raise queries.NotFound(_("No such document."))
    blob = found.current.blob
    shown_as = previews.image_type(blob) or (
        uploads.PDF.content_type if blob.kind == "pdf" else None
    )
    return downloads.serve_version(request, found.current, name=found.name, shown_as=shown_as)


@uploads.download_view
def thumbnail(request: AuthenticatedRequest, document_id: int) -> HttpResponseBase:
    """The picture of the current version (an image made small, a PDF's first page): a JPEG
    made by the analysis, once per content."""
    found = queries.access_document(request.user, document_id)
    if found.current is None or not found.current.blob.thumbnail_key:
        raise queries.NotFound(_("No picture of this file."))
    blob = found.current.blob
    etag = f'"thumb-{blob.sha256}"'
    if request.headers.get("If-None-Match", "").strip() == etag:
        not_modified = HttpResponse(status=304)
        not_modified["ETag"] = etag
        return not_modified
    response = uploads.serve(
        cast(Any, blob_storage().open(blob.thumbnail_key, "rb")),
        name=f"{found.name}.jpg",
        content_type=uploads.JPEG.content_type,
    )
    response["ETag"] = etag
    return response


@uploads.download_view
def download_version(request: AuthenticatedRequest, version_id: int) -> HttpResponseBase:
    version = queries.access_version(request.user, version_id)
    return downloads.serve_version(request, version, name=version.document.name)


@login_required
@require_GET
def trash(request: AuthenticatedRequest, library_id: int) -> HttpResponse:
    library = queries.access_library(request.user, library_id)
    rights = queries.library_rights(request.user, library)
    items = [
        (entry, queries.can(request.user, "restore", entry.item, rights))
        for entry in queries.trash_of(library)
    ]
    return render(
        request,
        "documents/trash.html",
        {
            "library": library,
            "library_name": queries.library_name(library, request.user),
            "root_url": _root_url(library),
            "items": items,
            "days": queries.trash_days(),
            **_space_context(request, library),
        },
    )


@login_required
@require_POST
def restore(request: AuthenticatedRequest, kind: str, item_id: int) -> HttpResponseBase:
    if kind not in ("folder", "file"):
        raise queries.NotFound(_("Not found."))
    item: Folder | Document = (
        queries.trashed_folder(request.user, item_id)
        if kind == "folder"
        else queries.trashed_document(request.user, item_id)
    )
    try:
        restored = actions.restore(actor=request.user, item=item)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, _errors(error))
        return redirect("documents_trash", library_id=item.library_id)
    if restored.to_root:
        messages.warning(
            request,
            _("Its folder is gone: %(name)s is back at the library's root.")
            % {"name": restored.item.name},
        )
    else:
        messages.success(request, _("%(name)s is back.") % {"name": restored.item.name})
    return redirect("documents_trash", library_id=item.library_id)


@login_required
@require_GET
def search(request: AuthenticatedRequest, folder_id: int) -> HttpResponse:
    """The library's own search: its files by name, and by content where their text was
    extracted, in a folder (and its subfolders, unless unticked)."""
    found = queries.access_folder(request.user, folder_id)
    library = found.library
    text = request.GET.get("q", "").strip()[: queries.LIBRARY_SEARCH_CHARS]
    subfolders = request.GET.get("subfolders", "1" if "q" not in request.GET else "") == "1"
    results = queries.search_library(request.user, found, text, subfolders=subfolders)
    context = {
        "library": library,
        "library_name": queries.library_name(library, request.user),
        "folder": found,
        "folder_link": folder_url(found),
        "crumbs": queries.breadcrumbs(found),
        "root_url": _root_url(library),
        "text": text,
        "subfolders": subfolders,
        "results": results,
        **_space_context(request, library),
    }
    return render(request, "documents/search.html", context)


# --- Shares ------------------------------------------------------------------------------------


def _grantee_from_form(
    request: AuthenticatedRequest,
) -> tuple[dict[str, Any], str]:
    """The person or space chosen in the share form, or the reason none is."""
    person_name = request.POST.get("person", "").strip().lstrip("@")
    space_id = request.POST.get("space", "").strip()
    if bool(person_name) == bool(space_id):
        return {}, _("Choose one person or one space.")
    if person_name:
        person = pickable_person(request.user, person_name)
        if person is None:
            return {}, _("No such person: %(name)s.") % {"name": person_name}
        return {"user": person}, ""
    space = queries.share_spaces(request.user).filter(pk=space_id if space_id.isdigit() else 0)
    found = space.first()
    if found is None:
        return {}, _("You can share with the spaces you are a member of.")
    return {"space": found}, ""


@login_required
def share(request: AuthenticatedRequest, kind: str, item_id: int) -> HttpResponseBase:
    """Its owner shares a file or folder of My documents with people or spaces, read only or
    read and write, and sees and revokes its shares."""
    item = _item(request, kind, item_id)
    if not queries.can_share(request.user, item):
        raise PermissionDenied(_("Only the owner of a file or folder may share it."))
    error = ""
    if request.method == "POST":
        grantee, error = _grantee_from_form(request)
        if not error:
            try:
                actions.share(
                    actor=request.user,
                    item=item,
                    access=request.POST.get("access", ""),
                    **grantee,
                )
            except (ValidationError, PermissionDenied) as failure:
                error = _errors(failure)
            else:
                messages.success(request, _("Shared."))
                return redirect("documents_share", kind=kind, item_id=item.pk)
    return render(
        request,
        "documents/share.html",
        {
            "item": item,
            "kind": kind,
            "is_folder": isinstance(item, Folder),
            "shares": queries.shares_of(item),
            "spaces": list(queries.share_spaces(request.user)),
            "error": error,
            "person": request.POST.get("person", "") if error else "",
            "access": request.POST.get("access", "read") if error else "read",
            "back": _item_url(item),
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def revoke_share(request: AuthenticatedRequest, share_id: int) -> HttpResponseBase:
    found = queries.access_share(request.user, share_id)
    item = found.item
    item.library = found.library
    try:
        actions.revoke_share(actor=request.user, share=found)
    except PermissionDenied as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("No longer shared."))
    kind = "folder" if isinstance(item, Folder) else "file"
    return redirect("documents_share", kind=kind, item_id=item.pk)


@login_required
@require_GET
def shared_with_me(request: AuthenticatedRequest) -> HttpResponse:
    """What others shared with the person, directly or through a space they are a member of."""
    return render(
        request,
        "documents/shared.html",
        {"items": queries.shared_with(request.user)},
    )
