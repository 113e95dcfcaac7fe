"""Every write to pages: create, edit (with conflict detection), move, delete, restore a
revision, name intranet section editors, a page's owner and review date, reviews and their
reminders, watching, comments and reactions. Each checks the rule (`queries`), writes in a
transaction and records an audit entry (watching, a person's own choice, is not audited; nor
are one's own comments and reactions)."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from typing import IO

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cercle.accounts.models import User
from cercle.audit.actions import log_event
from cercle.core import reactions
from cercle.core.markdown import markdown_to_text, render_markdown
from cercle.core.text import normalize
from cercle.notifications import actions as notifications
from cercle.pages import files, queries
from cercle.pages.models import (
    MAX_TITLE,
    Page,
    PageAddress,
    PageComment,
    PageEditor,
    PageImage,
    PageLink,
    PageReaction,
    PageRead,
    PageRevision,
    PageWatch,
)
from cercle.pages.notifications import PAGE_CHANGED, PAGE_COMMENT, PAGE_REVIEW, subject_of
from cercle.pages.text import linked_page_ids, linked_titles
from cercle.spaces.models import Space

MAX_BODY = 200_000
# Addresses the pages' own URLs use under /spaces/<slug>/pages/.
RESERVED_SLUGS = frozenset({"new", "preview", "reorder", "images"})
# The review intervals offered, in months.
REVIEW_INTERVALS = (1, 3, 6, 12, 24)
MAX_REVIEW_YEARS = 10
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
    """The links of the page's current text as rows (`PageLink`): `[[Title]]` links by title,
    links to `/pages/<number>/` by the page (those that exist, but the page itself)."""
    keys = [key[:MAX_TITLE] for key in linked_titles(page.body)]
    numbers = [n for n in linked_page_ids(page.body) if n != page.pk]
    targets = (
        set(Page.objects.filter(pk__in=numbers).values_list("pk", flat=True)) if numbers else set()
    )
    PageLink.objects.filter(source=page, target__isnull=True).exclude(title_key__in=keys).delete()
    PageLink.objects.filter(source=page, target__isnull=False).exclude(target__in=targets).delete()
    PageLink.objects.bulk_create(
        [PageLink(source=page, title_key=key) for key in keys]
        + [PageLink(source=page, target_id=target) for target in sorted(targets)],
        ignore_conflicts=True,
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


@dataclass(frozen=True)
class Review:
    """A page's owner, "review by" date and review interval (months), as an editor set them."""

    owner: User | None
    review_by: datetime.date | None
    interval: int | None


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved `months` later, on the month's last day when it has fewer days."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def check_review(
    *,
    space: Space,
    owner: str,
    review_by: str,
    interval: str,
    page: Page | None = None,
    today: datetime.date | None = None,
) -> Review:
    """The review fields of the page form, checked: the owner by username (blank: none), an
    active person who may read the space's pages; a date from today to ten years on (blank:
    none); an interval among `REVIEW_INTERVALS` (blank: none). The owner and date `page` has
    already are kept as they are (an owner who left, a date that passed): saving its text does
    not ask to change them."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    person: User | None = None
    name = (owner or "").strip()
    current = page.owner if page is not None else None
    if current is not None and name.casefold() == current.username.casefold():
        person = current
    elif name:
        if len(name) <= 150 and "\x00" not in name:
            person = User.objects.filter(username__iexact=name).first()
        if person is None or not person.is_active or not queries.may_read(person, space):
            errors["owner"] = [_("Give the username of an active person who may read this page.")]
    date: datetime.date | None = None
    text = (review_by or "").strip()
    if text:
        try:
            date = datetime.date.fromisoformat(text) if len(text) == 10 else None
        except ValueError:
            date = None
        if date is None:
            errors["review_by"] = [_("Enter a date (YYYY-MM-DD).")]
        elif page is not None and date == page.review_by:
            pass
        elif date < today:
            errors["review_by"] = [_("Choose today or a later date.")]
        elif date > add_months(today, 12 * MAX_REVIEW_YEARS):
            errors["review_by"] = [_("Choose a date within ten years.")]
    months: int | None = None
    value = (interval or "").strip()
    if value:
        months = int(value) if value.isdigit() and len(value) < 4 else -1
        if months not in REVIEW_INTERVALS:
            errors["review_interval"] = [_("Choose one of the intervals offered.")]
    if errors:
        raise ValidationError(errors)
    return Review(owner=person, review_by=date, interval=months)


def _review_state(page: Page) -> dict[str, object]:
    return {
        "owner": page.owner_id,
        "review_by": page.review_by.isoformat() if page.review_by else None,
        "review_interval": page.review_interval,
    }


def _apply_review(actor: User, page: Page, review: Review) -> bool:
    """Set the page's owner, date and interval (already allowed); audited when they change."""
    old = _review_state(page)
    owner_id = review.owner.pk if review.owner else None
    if owner_id != page.owner_id or review.review_by != page.review_by:
        page.reminded_for = None  # a new owner or a new date: a reminder is due again
    page.owner = review.owner
    page.review_by = review.review_by
    page.review_interval = review.interval
    new = _review_state(page)
    if new == old:
        return False
    page.save(update_fields=["owner", "review_by", "review_interval", "reminded_for", "updated_at"])
    log_event(actor=actor, action="pages.review_set", target=page, old=old, new=new)
    return True


def _advance_review(page: Page) -> None:
    """The page was reviewed today: its next date is the interval later (none without one)."""
    if page.review_interval:
        page.review_by = add_months(timezone.localdate(), page.review_interval)
        page.reminded_for = None
    page.reviewed_at = timezone.now()


def _watch(person: User, page: Page) -> None:
    PageWatch.objects.get_or_create(page=page, user=person)


def _notify_watchers(actor: User, page: Page) -> None:
    people = list(queries.watchers(page).exclude(pk=actor.pk))
    if not people:
        return
    notifications.notify_many(
        recipients=queries.readers_among(page.space, people),
        kind=PAGE_CHANGED,
        actor=actor,
        group_key=f"pages.changed.{page.pk}",
        subject=subject_of(page),
        space=page.space,
    )


@transaction.atomic
def create_page(
    *,
    actor: User,
    space: Space,
    title: str,
    body: str = "",
    parent: Page | None = None,
    summary: str = "",
    review: Review | None = None,
) -> Page:
    """A new page and its first revision; its owner is `review.owner`, else its creator, who
    watches it."""
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
        owner=(review.owner if review else None) or actor,
        review_by=review.review_by if review else None,
        review_interval=review.interval if review else None,
        updated_by=actor,
        revision=1,
    )
    PageRevision.objects.create(
        page=page, number=1, title=title, body=body, summary=summary, author=actor
    )
    queries.tree_changed(space)
    _keep_links(page)
    _watch(actor, page)
    log_event(
        actor=actor,
        action="pages.created",
        target=page,
        new={"title": title, **_review_state(page)},
    )
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
    review: Review | None = None,
) -> Page:
    """Save a new revision, if the page is still at `base_revision` (what the editor opened);
    otherwise raise `EditConflict` and save nothing. `review` sets the owner, date and interval
    too. A new revision is a review (the date moves on by the interval, unless this save set
    the date by hand), makes its author a watcher and notifies the page's other watchers."""
    locked = Page.objects.select_for_update().select_related("space").get(pk=page.pk)
    space = locked.space
    _require_write(actor, space, locked.pk)
    title, body, summary = _check_text(title, body, summary)
    if base_revision != locked.revision:
        theirs = locked.revisions.select_related("author").get(number=locked.revision)
        raise EditConflict(locked, theirs)
    dated_by_hand = review is not None and review.review_by != locked.review_by
    if review is not None:
        _apply_review(actor, locked, review)
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
        queries.tree_changed(space)
    locked.body = body
    locked.revision = F("revision") + 1
    locked.updated_by = actor
    if not dated_by_hand:
        _advance_review(locked)
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
    _watch(actor, locked)
    _notify_watchers(actor, locked)
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
    queries.tree_changed(space)
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
    queries.tree_changed(page.space)


@transaction.atomic
def set_review(*, actor: User, page: Page, review: Review) -> Page:
    """The page's owner (who is reminded), its "review by" date and its review interval, by
    whoever writes the page."""
    _require_write(actor, page.space, page.pk)
    locked = (
        Page.objects.select_for_update(of=("self",))
        .select_related("space", "owner")
        .get(pk=page.pk)
    )
    _apply_review(actor, locked, review)
    return locked


@transaction.atomic
def mark_reviewed(*, actor: User, page: Page) -> Page:
    """The page is still right: its next date is its interval from today (none without an
    interval); by whoever writes it, or its owner."""
    if not queries.may_review(actor, page):
        raise PermissionDenied(_("You cannot review this page."))
    locked = (
        Page.objects.select_for_update(of=("self",))
        .select_related("space", "owner")
        .get(pk=page.pk)
    )
    old = _review_state(locked)
    _advance_review(locked)
    if not locked.review_interval:
        locked.review_by, locked.reminded_for = None, None
    locked.save(update_fields=["review_by", "reviewed_at", "reminded_for", "updated_at"])
    log_event(
        actor=actor, action="pages.reviewed", target=locked, old=old, new=_review_state(locked)
    )
    return locked


def remind_reviews(*, today: datetime.date | None = None, limit: int = 1000) -> int:
    """Remind the owners of pages whose "review by" date has come (a notification, mailed as
    their preferences say), once per date: the page is marked before its reminder is written.
    Returns how many were reminded."""
    today = today or timezone.localdate()
    due = list(
        Page.objects.filter(review_by__lte=today, owner__is_active=True)
        .exclude(reminded_for=F("review_by"))
        .select_related("space", "owner")
        .order_by("review_by", "pk")[:limit]
    )
    sent = 0
    for page in due:
        if page.owner is None or page.review_by is None:
            continue
        with transaction.atomic():
            claimed = (
                Page.objects.filter(pk=page.pk, review_by=page.review_by)
                .exclude(reminded_for=page.review_by)
                .update(reminded_for=page.review_by)
            )
            if not claimed:
                continue
            found = notifications.notify(
                recipient=page.owner,
                kind=PAGE_REVIEW,
                actor=None,
                group_key=f"pages.review.{page.pk}",
                subject=subject_of(page),
                space=page.space,
                reminder=True,
            )
            sent += found is not None
    return sent


@transaction.atomic
def watch_page(*, actor: User, page: Page) -> None:
    """Be notified of the page's new revisions (not one's own)."""
    if not actor.is_active or not queries.may_read(actor, page.space):
        raise PermissionDenied(_("You cannot read this page."))
    _watch(actor, page)


@transaction.atomic
def unwatch_page(*, actor: User, page: Page) -> None:
    PageWatch.objects.filter(page=page, user_id=actor.pk).delete()


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


# --- Comments and reactions ----------------------------------------------------------------------

MAX_COMMENT = 5000


def _require_reader(actor: User, page: Page) -> None:
    if not actor.is_active or not queries.may_read(actor, page.space):
        raise PermissionDenied(_("You cannot read this page."))


def _comment_text(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError({"body": [_("Write a comment first.")]})
    if len(body) > MAX_COMMENT:
        message = _("The comment is too long (%(max)d characters at most).")
        raise ValidationError({"body": [message % {"max": MAX_COMMENT}]})
    if "\x00" in body:
        raise ValidationError({"body": [_("This text contains a forbidden character.")]})
    return body


@transaction.atomic
def add_comment(*, actor: User, page: Page, body: str) -> PageComment:
    """A comment under the page; its owner and its watchers (who may read it) are notified, and
    the commenter watches the page from now on (as a post's commenter follows the post)."""
    _require_reader(actor, page)
    body = _comment_text(body)
    comment = PageComment.objects.create(
        page=page, author=actor, body=body, body_html=render_markdown(body)
    )
    Page.objects.filter(pk=page.pk).update(comment_count=F("comment_count") + 1)
    people = {person.pk: person for person in queries.watchers(page).exclude(pk=actor.pk)}
    if page.owner is not None and page.owner.is_active and page.owner_id != actor.pk:
        people.setdefault(page.owner.pk, page.owner)
    if people:
        notifications.notify_many(
            recipients=queries.readers_among(page.space, list(people.values())),
            kind=PAGE_COMMENT,
            actor=actor,
            group_key=f"pages.comments.{page.pk}",
            subject=subject_of(page, detail_id=comment.pk),
            space=page.space,
        )
    _watch(actor, page)
    return comment


@transaction.atomic
def edit_comment(*, actor: User, comment: PageComment, body: str) -> PageComment:
    """Its author changes their comment's text (while they may still read the page)."""
    if comment.author_id != actor.pk:
        raise PermissionDenied(_("Only its author edits a comment."))
    _require_reader(actor, comment.page)
    body = _comment_text(body)
    if body == comment.body:
        return comment
    comment.body = body
    comment.body_html = render_markdown(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    return comment


@transaction.atomic
def delete_comment(*, actor: User, comment: PageComment) -> None:
    """Its author deletes their comment; those who moderate the space (`queries.may_moderate`)
    delete anyone's (audited, with the beginning of the text)."""
    page = comment.page
    own = comment.author_id == actor.pk and actor.is_active
    if not own and not queries.may_moderate(actor, page):
        raise PermissionDenied(_("You cannot delete this comment."))
    if not own:
        log_event(
            actor=actor,
            action="pages.comment_deleted",
            target=page,
            old={"comment": comment.pk, "body": markdown_to_text(comment.body, limit=200)},
        )
    Page.objects.filter(pk=page.pk).update(comment_count=F("comment_count") - 1)
    comment.delete()


def _recount(page: Page) -> dict[str, int]:
    return reactions.recount(PageReaction.objects.filter(page=page), page)


@transaction.atomic
def react(*, actor: User, page: Page, kind: str) -> dict[str, int]:
    """Give (or change) one's reaction to the page."""
    _require_reader(actor, page)
    reactions.check_kind(kind)
    PageReaction.objects.update_or_create(page=page, user=actor, defaults={"kind": kind})
    return _recount(page)


@transaction.atomic
def unreact(*, actor: User, page: Page) -> dict[str, int]:
    PageReaction.objects.filter(page=page, user_id=actor.pk).delete()
    return _recount(page)


# --- Images --------------------------------------------------------------------------------------

MAX_ALT = 250


def add_image(*, actor: User, space: Space, upload: IO[bytes], name: str, alt: str) -> PageImage:
    """An image for the space's pages, from someone who writes some of them; its description
    (alt text) is required. The file is checked by the upload policy (type by content, size,
    pixels, re-encoded without metadata) before anything is written."""
    if not actor.is_active or not queries.may_write_somewhere(actor, space):
        raise PermissionDenied(_("You cannot write these pages."))
    alt = " ".join((alt or "").split())
    if not alt:
        raise ValidationError({"alt": [_("Describe the image for those who cannot see it.")]})
    if len(alt) > MAX_ALT or "\x00" in alt or "]" in alt or "[" in alt:
        raise ValidationError(
            {"alt": [_("Describe the image in at most 250 characters, without brackets.")]}
        )
    stored, checked = files.store_image(upload, name)
    try:
        with transaction.atomic():
            image = PageImage.objects.create(
                space=space,
                uploaded_by=actor,
                file=stored,
                content_type=checked.content_type,
                name=checked.name,
                alt=alt,
                size=checked.size,
            )
            log_event(
                actor=actor,
                action="pages.image_added",
                target=image,
                new={"space": space.pk, "name": checked.name, "size": checked.size},
            )
    except Exception:
        files.delete_image(stored)
        raise
    return image
