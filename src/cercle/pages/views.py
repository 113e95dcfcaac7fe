"""The pages of a space (its wiki) and of the organisation space (the intranet): reading, writing
with a preview and conflict detection, history and differences, moving, printing, export."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any, cast

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.http import HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cercle.accounts.models import User
from cercle.core import uploads
from cercle.core.reactions import reaction_buttons
from cercle.core.typing import AuthenticatedRequest
from cercle.pages import actions, queries
from cercle.pages.diff import MAX_ROWS, bounded, side_by_side
from cercle.pages.models import Page, PageComment
from cercle.pages.rendering import RENDER_CACHE_SECONDS, RENDER_VERSION
from cercle.pages.rendering import rendered as _render
from cercle.pages.text import markdown_link, render_page
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Space


def _templates() -> dict[str, tuple[str, str]]:
    """The page templates offered when creating a page: key → (name, text)."""
    return {
        "meeting": (
            _("Meeting notes"),
            _(
                "## Date and participants\n\n- \n\n## Agenda\n\n1. \n\n## Decisions\n\n- \n\n"
                "## Actions\n\n| Who | What | By when |\n|---|---|---|\n|  |  |  |\n"
            ),
        ),
        "procedure": (
            _("Procedure"),
            _(
                "## Purpose\n\n\n## Who this is for\n\n\n## Steps\n\n1. \n2. \n3. \n\n"
                "## Contacts\n\n- \n"
            ),
        ),
        "faq": (
            _("FAQ"),
            _("## A first question?\n\nIts answer.\n\n## Another question?\n\nIts answer.\n"),
        ),
    }


def _space(request: AuthenticatedRequest, slug: str) -> Space:
    space = space_queries.access_space(request.user, slug)
    # The person's roles from the cache (`my_roles`), not a query for this space's role.
    if not queries.may_read(request.user, space, space_queries.my_roles(request.user)):
        raise space_queries.NotFound(_("No such page."))
    return space


def _page_url(page: Page, space: Space | None = None) -> str:
    return reverse("page_detail", args=[(space or page.space).slug, page.slug])


def _tree_html(space: Space, tree: queries.PageTree, page: Page, pages_base: str) -> str:
    """The tree beside a page, folded around it, drawn once per (tree version, page): the same
    for every reader of the space (titles and addresses, no words to translate)."""
    key = f"pages:outline:{RENDER_VERSION}:{space.pk}:{tree.version}:{page.pk}:{pages_base}"
    if tree.version is not None:
        found = cache.get(key)
        if isinstance(found, str):
            return mark_safe(found)  # noqa: S308 — our own template's output, escaped there
    html = render_to_string(
        "pages/_outline.html",
        {"rows": tree.drawn(page.pk), "pages_base": pages_base, "page": page},
    )
    if tree.version is not None:
        cache.set(key, str(html), RENDER_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 — as above


def _comment_rows(comments: list[PageComment]) -> list[tuple[PageComment, str]]:
    """Each comment with its first line (its author's link, its date, "edited"), drawn once
    per language and time zone and kept in the cache by what it shows — the same for every
    reader; what depends on the reader (edit, delete) is drawn by the page itself."""
    language = translation.get_language() or ""
    zone = timezone.get_current_timezone_name()
    keys: dict[int, str] = {}
    for comment in comments:
        author = comment.author
        shown = repr(
            (
                (author.pk, author.username, author.display_name) if author else None,
                comment.created_at.isoformat(),
                comment.edited_at.isoformat() if comment.edited_at else None,
                language,
                zone,
            )
        )
        digest = hashlib.blake2b(shown.encode(), digest_size=16).hexdigest()
        keys[comment.pk] = f"pages:comment-head:{RENDER_VERSION}:{comment.pk}:{digest}"
    found = cache.get_many(list(keys.values())) if keys else {}
    rows: list[tuple[PageComment, str]] = []
    drawn: dict[str, str] = {}
    for comment in comments:
        head = found.get(keys[comment.pk])
        if not isinstance(head, str):
            head = str(render_to_string("pages/_comment_head.html", {"comment": comment}))
            drawn[keys[comment.pk]] = head
        rows.append((comment, mark_safe(head)))  # noqa: S308 — our own template's output
    if drawn:
        cache.set_many(drawn, RENDER_CACHE_SECONDS)
    return rows


def _context(request: AuthenticatedRequest, space: Space, **extra: Any) -> dict[str, Any]:
    tree = extra.pop("tree", None) or queries.PageTree.of(space)
    return {
        "space": space,
        "view": space_queries.space_view(request.user, space),
        "member_count": space_queries.member_count(space),
        "tree": tree,
        "may_write_top": queries.may_write(request.user, space, None, tree),
        "tree_rows": [],
        "pages_base": reverse("pages_index", args=[space.slug]),
        **extra,
    }


@login_required
def intranet(request: AuthenticatedRequest) -> HttpResponse:
    """The organisation's intranet: the pages of the organisation space."""
    return redirect("pages_index", space_queries.organisation_space().slug)


@login_required
def pages_index(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    space = _space(request, slug)
    past_review = list(queries.pages_past_review(request.user, space)[:50])
    return render(
        request,
        "pages/index.html",
        _context(
            request,
            space,
            past_review=past_review,
            may_see_reviews=bool(past_review) and queries.review_scope(request.user) is not None,
            may_reorder=queries.may_write_somewhere(request.user, space),
            tree=(tree := queries.PageTree.of(space)),
            tree_rows=tree.drawn(),
        ),
    )


@login_required
@require_GET
def page_tree(request: AuthenticatedRequest, slug: str, page_id: int) -> HttpResponse:
    """The pages under a page of the tree, each folded (a button fetches those under it): what
    the tree's buttons fetch (pages-nav.js)."""
    space = _space(request, slug)
    tree = queries.PageTree.of(space)
    if page_id not in tree.nodes:
        raise space_queries.NotFound(_("No such page."))
    rows = tree.outline(set(), under=page_id)
    base = reverse("pages_index", args=[space.slug])
    return render(request, "pages/_outline.html", {"rows": rows, "pages_base": base})


@login_required
def page_detail(request: AuthenticatedRequest, slug: str, page_slug: str) -> HttpResponse:
    space = _space(request, slug)
    found = queries.access_page(
        request.user, space, page_slug, space_queries.my_roles(request.user)
    )
    if found.moved:
        return redirect(_page_url(found.page, space), permanent=True)
    page = found.page
    actions.record_read(reader=request.user, page=page)
    tree = queries.PageTree.of(space)
    context = _context(request, space, tree=tree)
    role = context["view"].role  # the viewer's role in the space, read once
    roles = {space.pk: role} if role else {}
    # The sections they edit and whether they write everywhere, read once for every rule below.
    sections = queries.section_ids(request.user, space)
    anywhere = queries.may_write_anywhere(request.user, space, roles)
    context.update(
        page=page,
        rendered=_render(page, tree),
        ancestors=tree.ancestors(page.pk),
        may_write_top=anywhere,  # what may_write says at the top of the tree
        tree_html=_tree_html(space, tree, page, context["pages_base"]),
        backlinks=queries.readable_backlinks(page, request.user),
        may_write=queries.may_write(
            request.user, space, page.pk, tree, sections=sections, anywhere=anywhere
        ),
        may_review=queries.may_review(
            request.user, page, tree, sections=sections, anywhere=anywhere
        ),
        may_moderate=queries.may_moderate(request.user, page, tree, roles, sections=sections),
        watching=queries.is_watching(request.user, page),
        comment_rows=_comment_rows(list(queries.comments(page)[:500])),
        reactions=reaction_buttons(page.reaction_counts),
        mine=queries.my_reaction(request.user, page),
        editing_comment=_number(request.GET.get("edit_comment"), 0),
        may_name_editors=(may_name := queries.may_name_editors(request.user, space)),
        section_editors=list(queries.section_editors(page)) if may_name else [],
    )
    return render(request, "pages/detail.html", context)


@login_required
def page_print(request: AuthenticatedRequest, slug: str, page_slug: str) -> HttpResponse:
    space = _space(request, slug)
    page = queries.access_page(request.user, space, page_slug).page
    tree = queries.PageTree.of(space)
    return render(
        request,
        "pages/print.html",
        {"space": space, "page": page, "rendered": _render(page, tree)},
    )


def _parent(request: AuthenticatedRequest, space: Space, value: str | None) -> Page | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise ValidationError(_("Choose a page of the same space."))
    parent = Page.objects.filter(space=space, pk=int(value)).first()
    if parent is None:
        raise ValidationError(_("Choose a page of the same space."))
    return parent


def _errors(error: ValidationError) -> dict[str, list[str]]:
    """Messages by field; those about the whole form under "general" (templates cannot read
    Django's "__all__")."""
    found = dict(error.message_dict) if hasattr(error, "message_dict") else {}
    general = found.pop("__all__", []) if found else list(error.messages)
    return {**found, "general": general} if general else found


def _review_form(data: Any, page: Page | None, user: Any) -> dict[str, str]:
    """The review fields as sent, or as the page has them (a new page: its creator owns it)."""
    owner = page.owner if page else user
    interval = page.review_interval if page else None
    date = page.review_by if page else None
    return {
        "owner": data.get("owner", owner.username if owner else ""),
        "review_by": data.get("review_by", date.isoformat() if date else ""),
        "review_interval": data.get("review_interval", str(interval) if interval else ""),
    }


def _review_choices() -> list[tuple[str, str]]:
    labels = {
        1: _("Every month"),
        3: _("Every 3 months"),
        6: _("Every 6 months"),
        12: _("Every year"),
        24: _("Every 2 years"),
    }
    return [("", _("No interval"))] + [(str(n), labels[n]) for n in actions.REVIEW_INTERVALS]


def _check_review(space: Space, form: dict[str, str], page: Page | None = None) -> actions.Review:
    return actions.check_review(
        space=space,
        owner=form["owner"],
        review_by=form["review_by"],
        interval=form["review_interval"],
        page=page,
    )


@login_required
def page_new(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    space = _space(request, slug)
    data = request.POST if request.method == "POST" else request.GET
    templates = _templates()
    chosen = templates.get(data.get("template", ""))
    form = {
        "title": data.get("title", ""),
        "body": data.get("body", chosen[1] if chosen else ""),
        "summary": data.get("summary", ""),
        "parent": data.get("parent", ""),
        **_review_form(request.POST, None, request.user),
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            parent = _parent(request, space, form["parent"])
            page = actions.create_page(
                actor=request.user,
                space=space,
                title=form["title"],
                body=form["body"],
                parent=parent,
                summary=form["summary"],
                review=_check_review(space, form),
            )
        except ValidationError as error:
            errors = _errors(error)
        else:
            flash.success(request, _("The page is created."))
            return redirect(_page_url(page, space))
    tree = queries.PageTree.of(space)
    parent_id = int(form["parent"]) if form["parent"].isdigit() else None
    if not queries.may_write(request.user, space, parent_id, tree):
        raise PermissionDenied
    return render(
        request,
        "pages/form.html",
        _context(
            request,
            space,
            tree=tree,
            form=form,
            errors=errors,
            creating=True,
            templates=[(key, name) for key, (name, _text) in templates.items()],
            review_choices=_review_choices(),
        ),
        status=400 if errors else 200,
    )


@login_required
def page_edit(request: AuthenticatedRequest, slug: str, page_slug: str) -> HttpResponse:
    space = _space(request, slug)
    page = queries.access_page(request.user, space, page_slug).page
    tree = queries.PageTree.of(space)
    if not queries.may_write(request.user, space, page.pk, tree):
        raise PermissionDenied
    form = {
        "title": request.POST.get("title", page.title),
        "body": request.POST.get("body", page.body),
        "summary": request.POST.get("summary", ""),
        "base_revision": request.POST.get("base_revision", str(page.revision)),
        **_review_form(request.POST, page, request.user),
    }
    errors: dict[str, list[str]] = {}
    conflict = None
    if request.method == "POST":
        base = form["base_revision"]
        try:
            saved = actions.edit_page(
                actor=request.user,
                page=page,
                title=form["title"],
                body=form["body"],
                base_revision=int(base) if base.isdigit() and len(base) < 10 else -1,
                summary=form["summary"],
                review=_check_review(space, form, page),
            )
        except ValidationError as error:
            errors = _errors(error)
        except actions.EditConflict as clash:
            conflict = clash.theirs
            # Their text is now the base: saving again keeps what this editor wrote over it.
            form["base_revision"] = str(clash.page.revision)
            errors = {"general": [str(clash)]}
        else:
            flash.success(request, _("The page is saved."))
            return redirect(_page_url(saved, space))
    return render(
        request,
        "pages/form.html",
        _context(
            request,
            space,
            tree=tree,
            page=page,
            form=form,
            errors=errors,
            creating=False,
            conflict=conflict,
            conflict_rows=side_by_side(conflict.body, form["body"]) if conflict else None,
            review_choices=_review_choices(),
        ),
        status=409 if conflict else (400 if errors else 200),
    )


@login_required
@require_POST
def page_preview(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The editor's live preview: the text as the page will show it (a fragment)."""
    space = _space(request, slug)
    tree = queries.PageTree.of(space)
    titles = queries.resolve_titles(space, tree)
    body = request.POST.get("body", "")[: actions.MAX_BODY].replace("\x00", "")

    def url_for(title_key: str) -> str | None:
        found = titles.get(title_key)
        return reverse("page_detail", args=[space.slug, found]) if found else None

    rendered = render_page(body, url_for)
    return render(request, "pages/_preview.html", {"rendered": rendered})


@login_required
def page_history(request: AuthenticatedRequest, slug: str, page_slug: str) -> HttpResponse:
    space = _space(request, slug)
    page = queries.access_page(request.user, space, page_slug).page
    tree = queries.PageTree.of(space)
    before = _number(request.GET.get("before"), 0) or None
    shown, next_before = queries.revisions_before(page, before)
    return render(
        request,
        "pages/history.html",
        _context(
            request,
            space,
            tree=tree,
            page=page,
            revisions=shown,
            before=before,
            next_before=next_before,
            may_write=queries.may_write(request.user, space, page.pk, tree),
        ),
    )


def _number(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() and len(value) < 10 else default


@login_required
def page_diff(request: AuthenticatedRequest, slug: str, page_slug: str) -> HttpResponse:
    space = _space(request, slug)
    page = queries.access_page(request.user, space, page_slug).page
    newer = queries.revision(page, _number(request.GET.get("to"), page.revision))
    older = queries.revision(page, _number(request.GET.get("from"), max(1, newer.number - 1)))
    return render(
        request,
        "pages/diff.html",
        _context(
            request,
            space,
            page=page,
            older=older,
            newer=newer,
            title_changed=older.title != newer.title,
            rows=(diff := bounded(older.body, newer.body, context=3)).rows,
            truncated=diff.truncated,
            max_rows=MAX_ROWS,
        ),
    )


@login_required
@require_POST
def page_restore(
    request: AuthenticatedRequest, slug: str, page_slug: str, number: int
) -> HttpResponse:
    space = _space(request, slug)
    page = queries.access_page(request.user, space, page_slug).page
    try:
        restored = actions.restore_revision(actor=request.user, page=page, number=number)
    except (ValidationError, PermissionDenied) as error:
        flash.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("page_history", space.slug, page.slug)
    flash.success(request, _("Version %(number)d is restored.") % {"number": number})
    return redirect(_page_url(restored, space))


REORDER_PAGE = 50


def _reorder_url(space: Space, tree: queries.PageTree, page_id: int) -> str:
    """The reorder page showing `page_id`'s row (the part of the tree it is in), at its row."""
    at = next((n for n, (node, _depth) in enumerate(tree.walk()) if node.id == page_id), 0)
    part = at // REORDER_PAGE + 1
    query = f"?page={part}" if part > 1 else ""
    return reverse("page_reorder", args=[space.slug]) + f"{query}#move-{page_id}"


@login_required
def page_reorder(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The tree with, on each page one may move, buttons that move it up, down, under the page
    above or up one level (keyboard and screen readers), and rows one may drag (pages.js): 50
    rows at a time, in reading order (`?page=<n>`), whatever the size of the tree."""
    space = _space(request, slug)
    tree = queries.PageTree.of(space)
    if not queries.may_write_somewhere(request.user, space):
        raise PermissionDenied
    anywhere = queries.may_write_anywhere(request.user, space)
    sections = set() if anywhere else queries.section_ids(request.user, space)
    walked = list(tree.walk())
    pages_count = max(1, -(-len(walked) // REORDER_PAGE))
    part = min(max(_number(request.GET.get("page"), 1), 1), pages_count)
    start = (part - 1) * REORDER_PAGE
    index = {node.id: at for siblings in tree.children.values() for at, node in enumerate(siblings)}
    rows = [
        {
            "node": node,
            "depth": depth,
            "index": index[node.id],
            "movable": queries.may_write(
                request.user, space, node.id, tree, sections=sections, anywhere=anywhere
            ),
        }
        for node, depth in walked[start : start + REORDER_PAGE]
    ]
    return render(
        request,
        "pages/reorder.html",
        _context(
            request,
            space,
            tree=tree,
            reorder_rows=rows,
            part=part,
            parts=pages_count,
            previous_part=part - 1 if part > 1 else None,
            next_part=part + 1 if part < pages_count else None,
        ),
    )


def _move_target(
    request: AuthenticatedRequest, space: Space, page: Page, tree: queries.PageTree
) -> actions.Move | None:
    """Where the form sends the page: a `direction` (the buttons), or a `parent` ("" for the
    top) and a `position` among its children (a row dragged and dropped)."""
    if "position" not in request.POST:
        return actions.step(page, tree, request.POST.get("direction", ""))
    position = request.POST.get("position", "")
    if not position.isdigit() or len(position) > 6:
        raise ValidationError(_("Choose a place in the tree."))
    return actions.Move(_parent(request, space, request.POST.get("parent")), int(position))


@login_required
@require_POST
def page_move(request: AuthenticatedRequest, slug: str, page_slug: str) -> HttpResponse:
    """Move with the keyboard-friendly buttons (up, down, in, out) of the tree, or to the place
    a dragged row was dropped; back to the reorder page (at the moved row) when it came from it."""
    space = _space(request, slug)
    page = queries.access_page(request.user, space, page_slug).page
    tree = queries.PageTree.of(space)
    status = 302
    try:
        move = _move_target(request, space, page, tree)
        if move is None:
            flash.error(request, _("The page cannot go further that way."))
            status = 400
        else:
            actions.move_page(
                actor=request.user, page=page, parent=move.parent, position=move.position
            )
            flash.success(request, _("The page is moved."))
    except PermissionDenied as error:
        flash.error(request, str(error))
        status = 403
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
        status = 400
    if request.POST.get("next") == "reorder":
        target = _reorder_url(space, queries.PageTree.of(space), page.pk)
    else:
        target = reverse("pages_index", args=[space.slug])
    if status != 302 and request.headers.get("X-Requested-With") == "fetch":
        return HttpResponse(status=status)
    return redirect(target)


@login_required
@require_POST
def page_delete(request: AuthenticatedRequest, slug: str, page_slug: str) -> HttpResponse:
    space = _space(request, slug)
    page = queries.access_page(request.user, space, page_slug).page
    try:
        actions.delete_page(actor=request.user, page=page)
    except (ValidationError, PermissionDenied) as error:
        flash.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect(_page_url(page, space))
    flash.success(request, _("The page is deleted."))
    return redirect("pages_index", space.slug)


@login_required
def page_export(request: AuthenticatedRequest, slug: str, page_slug: str) -> HttpResponse:
    """The page and every page below it, as Markdown and as HTML, in a ZIP (folders follow the
    tree)."""
    space = _space(request, slug)
    page = queries.access_page(request.user, space, page_slug).page
    tree = queries.PageTree.of(space)
    ids = {page.pk} | tree.descendant_ids(page.pk)
    pages = {p.pk: p for p in Page.objects.filter(pk__in=ids).select_related("space")}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for page_id in sorted(ids):
            item = pages[page_id]
            chain = [n for n in tree.ancestors(page_id) if n.id in ids] + [tree.nodes[page_id]]
            folder = "/".join(slugify(n.title)[:60] or "page" for n in chain)
            rendered = _render(item, tree)
            archive.writestr(f"{folder}/{item.slug}.md", f"# {item.title}\n\n{item.body}\n")
            archive.writestr(
                f"{folder}/{item.slug}.html",
                render(
                    request,
                    "pages/print.html",
                    {"space": space, "page": item, "rendered": rendered},
                ).content,
            )
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{page.slug}.zip"'
    return response


@login_required
def page_permalink(request: AuthenticatedRequest, page_id: int) -> HttpResponse:
    """A page's address that never changes (its number): links the editor's suggestions insert
    and notifications lead to."""
    page = queries.access_page_by_id(request.user, page_id)
    return redirect(_page_url(page))


@login_required
@require_POST
def page_reviewed(request: AuthenticatedRequest, slug: str, page_slug: str) -> HttpResponse:
    space = _space(request, slug)
    page = queries.access_page(request.user, space, page_slug).page
    try:
        page = actions.mark_reviewed(actor=request.user, page=page)
    except PermissionDenied as error:
        flash.error(request, str(error))
    else:
        if page.review_by:
            flash.success(
                request,
                _("The page is marked as reviewed. Next review by %(date)s.")
                % {"date": date_format(page.review_by, "SHORT_DATE_FORMAT")},
            )
        else:
            flash.success(request, _("The page is marked as reviewed."))
    return redirect(_page_url(page, space))


@login_required
@require_POST
def page_watch(request: AuthenticatedRequest, slug: str, page_slug: str) -> HttpResponse:
    space = _space(request, slug)
    page = queries.access_page(request.user, space, page_slug).page
    if request.POST.get("watch") == "1":
        actions.watch_page(actor=request.user, page=page)
        flash.success(request, _("You will be notified when this page changes."))
    else:
        actions.unwatch_page(actor=request.user, page=page)
        flash.success(request, _("You will no longer be notified when this page changes."))
    return redirect(_page_url(page, space))


@login_required
def page_reviews(request: AuthenticatedRequest) -> HttpResponse:
    """The pages to review in the person's scope (`queries.review_scope`): past their date, and
    those whose owner left."""
    if queries.review_scope(request.user) is None:
        raise PermissionDenied
    report = queries.review_report(request.user, sort=request.GET.get("sort", "overdue"))
    columns = [
        ("title", _("Page")),
        ("space", _("Space")),
        ("owner", _("Owner")),
        ("edited", _("Last edit")),
        ("overdue", _("Days overdue")),
    ]
    return render(
        request,
        "pages/reviews.html",
        {
            "report": report,
            "columns": [
                {
                    "key": key,
                    "label": label,
                    "current": report.sort.lstrip("-") == key,
                    "descending": report.sort == f"-{key}",
                    "next": f"-{key}" if report.sort == key else key,
                }
                for key, label in columns
            ],
        },
    )


@login_required
@require_GET
def page_suggest(request: AuthenticatedRequest) -> JsonResponse:
    """The editor's `[[` suggestions: pages the person may read whose title holds `q`, those of
    `space` (a slug) first, as JSON: title, space name, stable address and the Markdown link."""
    text = request.GET.get("q", "")
    if len(text) > queries.MAX_SUGGEST_QUERY or "\x00" in text:
        return JsonResponse({"error": _("The text searched for is too long.")}, status=400)
    space = None
    slug = request.GET.get("space", "")
    if slug:
        try:
            space = space_queries.access_space(request.user, slug[:140])
        except space_queries.NotFound:
            space = None
    results: list[dict[str, object]] = []
    for page in queries.suggest_pages(request.user, text, space=space):
        url = reverse("page_permalink", args=[page.pk])
        results.append(
            {
                "id": page.pk,
                "title": page.title,
                "space": space_queries.display_name(page.space),
                "url": url,
                "markdown": markdown_link(page.title, url),
            }
        )
    return JsonResponse({"results": results})


def _to_page(page: Page, anchor: str = "") -> HttpResponse:
    return redirect(_page_url(page) + anchor)


@login_required
@require_POST
def page_comment(request: AuthenticatedRequest, page_id: int) -> HttpResponse:
    page = queries.access_page_by_id(request.user, page_id)
    try:
        comment = actions.add_comment(
            actor=request.user, page=page, body=request.POST.get("body", "")
        )
    except (ValidationError, PermissionDenied) as error:
        return HttpResponse(" ".join(getattr(error, "messages", [str(error)])), status=400)
    return _to_page(page, f"#comment-{comment.pk}")


@login_required
def page_comment_edit(request: AuthenticatedRequest, comment_id: int) -> HttpResponse:
    """GET: the page with this comment's text in a form; POST: save it (its author only)."""
    comment = queries.access_comment(request.user, comment_id)
    page = comment.page
    if request.method != "POST":
        return redirect(f"{_page_url(page)}?edit_comment={comment.pk}#comment-{comment.pk}")
    try:
        actions.edit_comment(actor=request.user, comment=comment, body=request.POST.get("body", ""))
    except PermissionDenied as error:
        return HttpResponse(str(error), status=403)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400)
    flash.success(request, _("Your comment is saved."))
    return _to_page(page, f"#comment-{comment.pk}")


@login_required
@require_POST
def page_comment_delete(request: AuthenticatedRequest, comment_id: int) -> HttpResponse:
    comment = queries.access_comment(request.user, comment_id)
    page = comment.page
    try:
        actions.delete_comment(actor=request.user, comment=comment)
    except PermissionDenied as error:
        return HttpResponse(str(error), status=403)
    flash.success(request, _("The comment is deleted."))
    return _to_page(page, "#comments")


@login_required
@require_POST
def page_react(request: AuthenticatedRequest, page_id: int) -> HttpResponse:
    """The reaction buttons: a kind given again takes one's reaction back."""
    page = queries.access_page_by_id(request.user, page_id)
    kind = request.POST.get("kind", "")
    try:
        if kind and kind == queries.my_reaction(request.user, page):
            actions.unreact(actor=request.user, page=page)
        else:
            actions.react(actor=request.user, page=page, kind=kind)
    except (ValidationError, PermissionDenied) as error:
        return HttpResponse(" ".join(getattr(error, "messages", [str(error)])), status=400)
    return _to_page(page, "#reactions")


@login_required
@require_POST
def page_image_upload(request: AuthenticatedRequest, slug: str) -> JsonResponse:
    """The editor's pasted, dropped or chosen image (`image`, with its description `alt`): JSON
    with its address and the Markdown that shows it, or a 4xx with the error by field."""
    space = _space(request, slug)
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"errors": {"image": [_("Choose an image.")]}}, status=400)
    try:
        image = actions.add_image(
            actor=request.user,
            space=space,
            upload=upload,
            name=upload.name or "image",
            alt=request.POST.get("alt", ""),
        )
    except PermissionDenied as error:
        return JsonResponse({"errors": {"image": [str(error)]}}, status=403)
    except ValidationError as error:
        found = dict(error.message_dict) if hasattr(error, "message_dict") else {}
        return JsonResponse({"errors": found or {"image": list(error.messages)}}, status=400)
    url = reverse("page_image", args=[image.pk])
    return JsonResponse(
        {"id": image.pk, "url": url, "alt": image.alt, "markdown": f"![{image.alt}]({url})"},
        status=201,
    )


@uploads.download_view
def page_image(request: AuthenticatedRequest, image_id: int) -> HttpResponseBase:
    """An image of a space's pages, to whoever may read them (one not-found otherwise)."""
    image = queries.access_image(request.user, image_id)
    opened = storages["pages"].open(image.file)
    return uploads.serve(cast(Any, opened), name=image.name, content_type=image.content_type)


@login_required
@require_POST
def page_editors(request: AuthenticatedRequest, slug: str, page_slug: str) -> HttpResponse:
    """The organisation's admins name (by username) or remove the editors of an intranet section:
    this page and every page below it."""
    space = _space(request, slug)
    page = queries.access_page(request.user, space, page_slug).page
    if not queries.may_name_editors(request.user, space):
        raise PermissionDenied
    anchor = _page_url(page, space) + "#section-editors"
    name = request.POST.get("username", "").strip()
    person = (
        User.objects.filter(username__iexact=name).first()
        if name and len(name) <= 150 and "\x00" not in name
        else None
    )
    if person is None:
        flash.error(request, _("Nobody has this username."))
        return redirect(anchor)
    try:
        if request.POST.get("remove") == "1":
            actions.remove_editor(actor=request.user, page=page, person=person)
            flash.success(
                request, _("%(name)s no longer edits this section.") % {"name": person.display_name}
            )
        else:
            actions.add_editor(actor=request.user, page=page, person=person)
            flash.success(
                request, _("%(name)s now edits this section.") % {"name": person.display_name}
            )
    except ValidationError as error:
        flash.error(request, " ".join(error.messages))
    return redirect(anchor)
