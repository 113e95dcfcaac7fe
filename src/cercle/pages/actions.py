"""Every write to pages: create, edit (with conflict detection), move, delete, restore a
revision, name intranet section editors. Each checks the rule (`queries`), writes in a transaction
and records an audit entry."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.audit.actions import log_event
from cercle.core.text import normalize
from cercle.pages import queries
from cercle.pages.models import (
    MAX_TITLE,
    Page,
    PageAddress,
    PageEditor,
    PageLink,
    PageRead,
    PageRevision,
)
from cercle.pages.text import linked_titles
from cercle.spaces.models import Space

MAX_BODY = 200_000
# Addresses the pages' own URLs use under /spaces/<slug>/pages/.
RESERVED_SLUGS = frozenset({"new", "preview"})
MAX_SUMMARY = 300


class EditConflict(Exception):
    """The page changed since the editor opened it: nothing was saved."""

    def __init__(self, page: Page, theirs: PageRevision) -> None:
        super().__init__(_("This page was changed by someone else while you were editing it."))
        self.page = page
        self.theirs = theirs


def _check_text(title: str, body: str, summary: str) -> tuple[str, str, str]:
    title = " ".join((title or "").split())
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give the page a title.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [
            _("The title is too long (%(max)d characters at most).") % {"max": MAX_TITLE}
        ]
    elif not normalize(title):
        errors["title"] = [_("The title needs at least one letter or digit.")]
    if len(body or "") > MAX_BODY:
        errors["body"] = [
            _("The text is too long (%(max)d characters at most).") % {"max": MAX_BODY}
        ]
    summary = " ".join((summary or "").split())
    if len(summary) > MAX_SUMMARY:
        errors["summary"] = [
            _("The summary is too long (%(max)d characters at most).") % {"max": MAX_SUMMARY}
        ]
    for name, value in (("title", title), ("body", body or ""), ("summary", summary)):
        if "\x00" in value:
            errors.setdefault(name, []).append(_("This text contains a forbidden character."))
    if errors:
        raise ValidationError(errors)
    return title, (body or "").replace("\r\n", "\n"), summary


def _free_slug(space: Space, title: str, *, page: Page | None = None) -> str:
    """A slug for `title` in the space, free of current pages; an old address of another page
    may be taken over (the new page wins, as a newer page with that title would)."""
    base = slugify(title)[:200] or "page"
    others = Page.objects.filter(space=space, slug__startswith=base)
    if page is not None:
        others = others.exclude(pk=page.pk)
    taken = RESERVED_SLUGS | set(others.values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _take_address(space: Space, slug: str) -> None:
    PageAddress.objects.filter(space=space, slug=slug).delete()


def _keep_links(page: Page) -> None:
    keys = [key[:MAX_TITLE] for key in linked_titles(page.body)]
    PageLink.objects.filter(source=page).exclude(title_key__in=keys).delete()
    PageLink.objects.bulk_create(
        [PageLink(source=page, title_key=key) for key in keys], ignore_conflicts=True
    )


def _check_parent(space: Space, parent: Page | None, page: Page | None = None) -> None:
    if parent is None:
        return
    if parent.space_id != space.pk:
        raise ValidationError({"parent": [_("Choose a page of the same space.")]})
    if page is not None:
        tree = queries.PageTree.of(space)
        if parent.pk == page.pk or parent.pk in tree.descendant_ids(page.pk):
            raise ValidationError({"parent": [_("A page cannot go under itself.")]})


def _require_write(actor: User, space: Space, page_id: int | None) -> queries.PageTree:
    tree = queries.PageTree.of(space)
    if not queries.may_write(actor, space, page_id, tree):
        raise PermissionDenied(_("You cannot write these pages."))
    return tree


@transaction.atomic
def create_page(
    *,
    actor: User,
    space: Space,
    title: str,
    body: str = "",
    parent: Page | None = None,
    summary: str = "",
) -> Page:
    _require_write(actor, space, parent.pk if parent else None)
    title, body, summary = _check_text(title, body, summary)
    _check_parent(space, parent)
    slug = _free_slug(space, title)
    _take_address(space, slug)
    last = (
        Page.objects.filter(space=space, parent=parent).order_by("-position").first()
        if parent
        else Page.objects.filter(space=space, parent__isnull=True).order_by("-position").first()
    )
    page = Page.objects.create(
        space=space,
        parent=parent,
        position=(last.position + 1) if last else 0,
        title=title,
        title_key=normalize(title)[:MAX_TITLE],
        slug=slug,
        body=body,
        owner=actor,
        updated_by=actor,
        revision=1,
    )
    PageRevision.objects.create(
        page=page, number=1, title=title, body=body, summary=summary, author=actor
    )
    _keep_links(page)
    log_event(actor=actor, action="pages.created", target=page, new={"title": title})
    return page


@transaction.atomic
def edit_page(
    *,
    actor: User,
    page: Page,
    title: str,
    body: str,
    base_revision: int,
    summary: str = "",
) -> Page:
    """Save a new revision, if the page is still at `base_revision` (what the editor opened);
    otherwise raise `EditConflict` and save nothing."""
    locked = Page.objects.select_for_update().select_related("space").get(pk=page.pk)
    space = locked.space
    _require_write(actor, space, locked.pk)
    title, body, summary = _check_text(title, body, summary)
    if base_revision != locked.revision:
        theirs = locked.revisions.select_related("author").get(number=locked.revision)
        raise EditConflict(locked, theirs)
    if title == locked.title and body == locked.body:
        return locked  # nothing changed: no empty revision
    old = {"title": locked.title, "revision": locked.revision}
    if title != locked.title:
        PageAddress.objects.update_or_create(
            space=space, slug=locked.slug, defaults={"page": locked, "title_key": locked.title_key}
        )
        locked.slug = _free_slug(space, title, page=locked)
        _take_address(space, locked.slug)
        locked.title = title
        locked.title_key = normalize(title)[:MAX_TITLE]
    locked.body = body
    locked.revision = F("revision") + 1
    locked.updated_by = actor
    locked.save()
    locked.refresh_from_db()
    PageRevision.objects.create(
        page=locked,
        number=locked.revision,
        title=title,
        body=body,
        summary=summary,
        author=actor,
    )
    _keep_links(locked)
    log_event(
        actor=actor,
        action="pages.edited",
        target=locked,
        old=old,
        new={"title": title, "revision": locked.revision},
    )
    return locked


@transaction.atomic
def restore_revision(*, actor: User, page: Page, number: int) -> Page:
    """A new revision with the title and text of revision `number` (history is never rewritten)."""
    old = queries.revision(page, number)
    page.refresh_from_db()
    restored = edit_page(
        actor=actor,
        page=page,
        title=old.title,
        body=old.body,
        base_revision=page.revision,
        summary=_("Restored version %(number)d") % {"number": number},
    )
    log_event(actor=actor, action="pages.restored", target=page, extra={"revision": number})
    return restored


@transaction.atomic
def move_page(*, actor: User, page: Page, parent: Page | None, position: int) -> Page:
    """Put the page under `parent` (None: the top), at `position` among its new siblings."""
    space = page.space
    tree = _require_write(actor, space, page.pk)
    if not queries.may_write(actor, space, parent.pk if parent else None, tree):
        raise PermissionDenied(_("You cannot put a page there."))
    _check_parent(space, parent, page)
    siblings = [
        node.id
        for node in tree.children.get(parent.pk if parent else None, [])
        if node.id != page.pk
    ]
    position = max(0, min(position, len(siblings)))
    siblings.insert(position, page.pk)
    old = {"parent": page.parent_id, "position": page.position}
    for index, page_id in enumerate(siblings):
        Page.objects.filter(pk=page_id).update(position=index)
    Page.objects.filter(pk=page.pk).update(parent=parent)
    page.refresh_from_db()
    log_event(
        actor=actor,
        action="pages.moved",
        target=page,
        old=old,
        new={"parent": page.parent_id, "position": page.position},
    )
    return page


@dataclass(frozen=True)
class Move:
    parent: Page | None
    position: int


def step(page: Page, tree: queries.PageTree, direction: str) -> Move | None:
    """Where a keyboard move takes the page: `up`/`down` among its siblings, `in` under the
    sibling above it (last), `out` just after its parent. None when it cannot go that way."""
    siblings = tree.children.get(page.parent_id, [])
    index = next((i for i, node in enumerate(siblings) if node.id == page.pk), 0)
    parent = page.parent
    if direction == "up" and index > 0:
        return Move(parent, index - 1)
    if direction == "down" and index < len(siblings) - 1:
        return Move(parent, index + 1)
    if direction == "in" and index > 0:
        above = Page.objects.get(pk=siblings[index - 1].id)
        return Move(above, len(tree.children.get(above.pk, [])))
    if direction == "out" and parent is not None:
        grand = tree.children.get(parent.parent_id, [])
        at = next((i for i, node in enumerate(grand) if node.id == parent.pk), len(grand))
        return Move(parent.parent, at + 1)
    return None


@transaction.atomic
def delete_page(*, actor: User, page: Page) -> None:
    """Delete a page and its history; a page with pages under it is refused (move or delete
    them first), so no page disappears with another."""
    _require_write(actor, page.space, page.pk)
    if Page.objects.filter(parent=page).exists():
        raise ValidationError(_("Move or delete the pages under this one first."))
    log_event(actor=actor, action="pages.deleted", target=page, old={"title": page.title})
    page.delete()


@transaction.atomic
def set_review(*, actor: User, page: Page, owner: User | None, review_by: object) -> Page:
    """The page's owner (who is reminded) and its "review by" date (None: no date)."""
    _require_write(actor, page.space, page.pk)
    if owner is not None and not owner.is_active:
        raise ValidationError({"owner": [_("Choose an active person.")]})
    page.owner = owner
    page.review_by = review_by  # type: ignore[assignment]
    page.save(update_fields=["owner", "review_by", "updated_at"])
    return page


@transaction.atomic
def add_editor(*, actor: User, page: Page, person: User) -> PageEditor:
    if not queries.may_name_editors(actor, page.space):
        raise PermissionDenied(_("Only the organisation's admins name the intranet's editors."))
    if not person.is_active or person.is_guest:
        raise ValidationError(_("Choose an active member of the organisation."))
    editor, created = PageEditor.objects.get_or_create(page=page, user=person)
    if created:
        log_event(actor=actor, action="pages.editor_added", target=page, extra={"user": person.pk})
    return editor


@transaction.atomic
def remove_editor(*, actor: User, page: Page, person: User) -> None:
    if not queries.may_name_editors(actor, page.space):
        raise PermissionDenied(_("Only the organisation's admins name the intranet's editors."))
    deleted, _rows = PageEditor.objects.filter(page=page, user=person).delete()
    if deleted:
        log_event(
            actor=actor, action="pages.editor_removed", target=page, extra={"user": person.pk}
        )


_READ_REMEMBERED = 60 * 60 * 26  # a little more than a day


def record_read(*, reader: User, page: Page) -> None:
    """`reader` opened `page` today (they may see it: the view read it through the queries).
    One insert that ignores a repeat, at most once per person, page, day and server process (the
    cache remembers it): the adoption figures' page reads."""
    day = timezone.localdate()
    key = f"pages:read:{reader.pk}:{page.pk}:{day.isoformat()}"
    if cache.get(key):
        return
    PageRead.objects.bulk_create([PageRead(page=page, user=reader, day=day)], ignore_conflicts=True)
    cache.set(key, True, _READ_REMEMBERED)
