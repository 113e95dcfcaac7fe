"""The pages API: a space's tree, a page (read, create, edit with the revision it was based on,
move, delete), its revisions (50 at a time), differences (at most 3,000 rows) and restore, its
owner and review date, the report of pages to review, watching, comments and reactions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from cercle.accounts.models import User
from cercle.core.pagination import InvalidCursor, decode_cursor, encode_cursor
from cercle.core.schemas import Id
from cercle.core.typing import AuthenticatedRequest
from cercle.pages import actions, queries, rendering
from cercle.pages.diff import MAX_ROWS, bounded
from cercle.pages.models import Page, PageComment, PageRevision
from cercle.pages.schemas import (
    BacklinkOut,
    ConflictOut,
    CursorQuery,
    DiffOut,
    DiffQuery,
    DiffRowOut,
    PageCommentIn,
    PageCommentListOut,
    PageCommentOut,
    PageEditIn,
    PageIn,
    PageMoveIn,
    PageNodeOut,
    PageOut,
    PageReactionIn,
    PageReactionsOut,
    PageReviewIn,
    PageRevisionListOut,
    PageRevisionOut,
    PageTreeOut,
    ReviewQuery,
    ReviewReportOut,
    ReviewRowOut,
)
from cercle.spaces import queries as space_queries
from cercle.spaces.models import Space
from cercle.spaces.schemas import PersonRef

router = Router(tags=["pages"])


def _person(user: User | None) -> PersonRef | None:
    if user is None:
        return None
    return PersonRef(id=user.pk, username=user.username, display_name=user.get_full_name())


def _space(user: User, space_key: str) -> Space:
    space = space_queries.access_space(user, space_key)
    if not queries.may_read(user, space):
        raise space_queries.NotFound("No such page.")
    return space


def _page_out(user: User, page: Page) -> PageOut:
    tree = queries.PageTree.of(page.space)
    rendered = rendering.rendered(page, tree)
    linking = queries.readable_backlinks(page, user)
    return PageOut(
        id=page.pk,
        space_id=page.space_id,
        parent_id=page.parent_id,
        title=page.title,
        slug=page.slug,
        body=page.body,
        html=rendered.html,
        revision=page.revision,
        owner=_person(page.owner),
        review_by=page.review_by,
        review_interval=page.review_interval,
        reviewed_at=page.reviewed_at,
        updated_at=page.updated_at,
        backlinks=[item.pk for item in linking],
        backlink_pages=[
            BacklinkOut(
                id=item.pk,
                space_id=item.space_id,
                title=item.title,
                url=reverse("page_detail", args=[item.space.slug, item.slug]),
            )
            for item in linking
        ],
        may_write=queries.may_write(user, page.space, page.pk, tree),
        watching=queries.is_watching(user, page),
        comment_count=page.comment_count,
        reaction_counts={str(k): int(v) for k, v in (page.reaction_counts or {}).items()},
    )


def _parent(space: Space, parent_id: int | None) -> Page | None:
    if parent_id is None:
        return None
    parent = Page.objects.filter(space=space, pk=parent_id).first()
    if parent is None:
        raise space_queries.NotFound("No such parent page in this space.")
    return parent


@router.get("/spaces/{space_key}/pages", response=PageTreeOut)
def page_tree(request: AuthenticatedRequest, space_key: str) -> PageTreeOut:
    """A space's pages as a tree, in reading order (the organisation space's: the intranet)."""
    space = _space(request.auth, space_key)
    tree = queries.PageTree.of(space)
    return PageTreeOut(
        space_id=space.pk,
        items=[
            PageNodeOut(
                id=node.id,
                parent_id=node.parent_id,
                position=node.position,
                title=node.title,
                slug=node.slug,
                depth=depth,
            )
            for node, depth in tree.walk()
        ],
        may_write=queries.may_write(request.auth, space, None, tree),
    )


@router.post("/spaces/{space_key}/pages", response={201: PageOut})
def create_page(request: AuthenticatedRequest, space_key: str, payload: PageIn) -> Status[PageOut]:
    space = _space(request.auth, space_key)
    page = actions.create_page(
        actor=request.auth,
        space=space,
        title=payload.title,
        body=payload.body,
        parent=_parent(space, payload.parent_id),
        summary=payload.summary,
    )
    return Status(201, _page_out(request.auth, page))


def _review_row(row: queries.ReviewRow) -> ReviewRowOut:
    page = row.page
    return ReviewRowOut(
        id=page.pk,
        title=page.title,
        space_id=page.space_id,
        space_name=page.space.name,
        url=reverse("page_detail", args=[page.space.slug, page.slug]),
        owner=_person(page.owner),
        owner_left=row.owner_left,
        review_by=page.review_by,
        days_overdue=row.days_overdue,
        updated_at=page.updated_at,
        updated_by=_person(page.updated_by),
    )


@router.get("/pages/review", response=ReviewReportOut)
def review_report(request: AuthenticatedRequest, params: Query[ReviewQuery]) -> ReviewReportOut:
    """The pages past their "review by" date and the pages whose owner left, in the caller's
    scope (the report page's: `docs/pages.md`), 500 at most each; `403` for those who oversee
    no pages."""
    if queries.review_scope(request.auth) is None:
        raise PermissionDenied(_("You oversee no pages."))
    report = queries.review_report(request.auth, sort=params.sort)
    return ReviewReportOut(
        overdue=[_review_row(row) for row in report.overdue],
        owner_left=[_review_row(row) for row in report.owner_left],
        sort=report.sort,
    )


@router.get("/pages/{page_id}", response=PageOut)
def page_detail(request: AuthenticatedRequest, page_id: Id) -> PageOut:
    return _page_out(request.auth, queries.access_page_by_id(request.auth, page_id))


@router.put("/pages/{page_id}", response={200: PageOut, 409: ConflictOut})
def edit_page(
    request: AuthenticatedRequest, page_id: Id, payload: PageEditIn
) -> PageOut | Status[ConflictOut]:
    """Save a new revision; `409` with the current text when the page changed since
    `base_revision` (nothing saved)."""
    page = queries.access_page_by_id(request.auth, page_id)
    try:
        saved = actions.edit_page(
            actor=request.auth,
            page=page,
            title=payload.title,
            body=payload.body,
            base_revision=payload.base_revision,
            summary=payload.summary,
        )
    except actions.EditConflict as clash:
        return Status(
            409,
            ConflictOut(
                detail=str(clash),
                revision=clash.theirs.number,
                title=clash.theirs.title,
                body=clash.theirs.body,
                author=_person(clash.theirs.author),
            ),
        )
    return _page_out(request.auth, saved)


@router.post("/pages/{page_id}/move", response=PageOut)
def move_page(request: AuthenticatedRequest, page_id: Id, payload: PageMoveIn) -> PageOut:
    page = queries.access_page_by_id(request.auth, page_id)
    moved = actions.move_page(
        actor=request.auth,
        page=page,
        parent=_parent(page.space, payload.parent_id),
        position=payload.position,
    )
    return _page_out(request.auth, moved)


@router.delete("/pages/{page_id}", response={204: None})
def delete_page(request: AuthenticatedRequest, page_id: Id) -> Status[None]:
    page = queries.access_page_by_id(request.auth, page_id)
    actions.delete_page(actor=request.auth, page=page)
    return Status(204, None)


def _revision_out(item: PageRevision) -> PageRevisionOut:
    return PageRevisionOut(
        number=item.number,
        title=item.title,
        summary=item.summary,
        author=_person(item.author),
        created_at=item.created_at,
    )


def _cursor_number(cursor: str | None) -> int | None:
    """The number a cursor of these lists holds (a revision's, a comment's), or None."""
    if not cursor:
        return None
    (value,) = decode_cursor(cursor, length=1)
    if not isinstance(value, int) or not 0 < value < 2**62:
        raise InvalidCursor("invalid cursor")
    return value


@router.get("/pages/{page_id}/revisions", response=PageRevisionListOut)
def revisions(
    request: AuthenticatedRequest, page_id: Id, params: Query[CursorQuery]
) -> PageRevisionListOut:
    """The page's revisions, newest first, 50 at a time (`next_cursor` for the older ones);
    without their texts."""
    page = queries.access_page_by_id(request.auth, page_id)
    shown, next_before = queries.revisions_before(page, _cursor_number(params.cursor))
    return PageRevisionListOut(
        items=[_revision_out(r) for r in shown],
        next_cursor=encode_cursor([next_before]) if next_before is not None else None,
    )


@router.get("/pages/{page_id}/diff", response=DiffOut)
def diff(
    request: AuthenticatedRequest,
    page_id: Id,
    between: Query[DiffQuery],
) -> DiffOut:
    """Two revisions side by side, line by line (`?from=1&to=3`): at most 3,000 rows
    (`truncated` says when more were left out), as the history page draws them."""
    page = queries.access_page_by_id(request.auth, page_id)
    older = queries.revision(page, between.from_revision)
    newer = queries.revision(page, between.to_revision)
    compared = bounded(older.body, newer.body, context=None)
    return DiffOut(
        from_revision=older.number,
        to_revision=newer.number,
        rows=[DiffRowOut(**row.__dict__) for row in compared.rows],
        truncated=compared.truncated,
        max_rows=MAX_ROWS,
    )


@router.post("/pages/{page_id}/revisions/{number}/restore", response=PageOut)
def restore(request: AuthenticatedRequest, page_id: Id, number: Id) -> PageOut:
    """A new revision with the title and text of revision `number`."""
    page = queries.access_page_by_id(request.auth, page_id)
    return _page_out(
        request.auth, actions.restore_revision(actor=request.auth, page=page, number=number)
    )


@router.put("/pages/{page_id}/review", response=PageOut)
def set_review(request: AuthenticatedRequest, page_id: Id, payload: PageReviewIn) -> PageOut:
    """Set the page's owner (reminded when its date comes), "review by" date and interval, by
    whoever writes it. The owner must be an active person who may read the page; a new date is
    today or later, within ten years."""
    page = queries.access_page_by_id(request.auth, page_id)
    review = actions.check_review(
        space=page.space,
        owner=payload.owner or "",
        review_by=payload.review_by.isoformat() if payload.review_by else "",
        interval=str(payload.review_interval) if payload.review_interval is not None else "",
        page=page,
    )
    return _page_out(request.auth, actions.set_review(actor=request.auth, page=page, review=review))


@router.post("/pages/{page_id}/reviewed", response=PageOut)
def mark_reviewed(request: AuthenticatedRequest, page_id: Id) -> PageOut:
    """The page is still right: its next date is its interval from today (none without one)."""
    page = queries.access_page_by_id(request.auth, page_id)
    return _page_out(request.auth, actions.mark_reviewed(actor=request.auth, page=page))


@router.put("/pages/{page_id}/watch", response={204: None})
def watch(request: AuthenticatedRequest, page_id: Id) -> Status[None]:
    """Be notified of the page's new revisions and comments."""
    page = queries.access_page_by_id(request.auth, page_id)
    actions.watch_page(actor=request.auth, page=page)
    return Status(204, None)


@router.delete("/pages/{page_id}/watch", response={204: None})
def unwatch(request: AuthenticatedRequest, page_id: Id) -> Status[None]:
    page = queries.access_page_by_id(request.auth, page_id)
    actions.unwatch_page(actor=request.auth, page=page)
    return Status(204, None)


# --- Comments and reactions ----------------------------------------------------------------------


def _comment_out(comment: PageComment, *, own: bool, moderates: bool) -> PageCommentOut:
    return PageCommentOut(
        id=comment.pk,
        author=_person(comment.author),
        body=comment.body,
        body_html=comment.body_html,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        can_edit=own,
        can_delete=own or moderates,
    )


def _page_comment(user: User, page_id: int, comment_id: int) -> PageComment:
    comment = queries.access_comment(user, comment_id)
    if comment.page_id != page_id:
        raise space_queries.NotFound(_("No such comment."))
    return comment


@router.get("/pages/{page_id}/comments", response=PageCommentListOut)
def comments(
    request: AuthenticatedRequest, page_id: Id, params: Query[CursorQuery]
) -> PageCommentListOut:
    """The page's comments, oldest first, 50 at a time (`next_cursor` for the next ones), with
    what the caller may do with each."""
    user = request.auth
    page = queries.access_page_by_id(user, page_id)
    shown, after = queries.comments_after(page, _cursor_number(params.cursor))
    moderates = queries.may_moderate(user, page)
    return PageCommentListOut(
        items=[_comment_out(c, own=c.author_id == user.pk, moderates=moderates) for c in shown],
        next_cursor=encode_cursor([after]) if after is not None else None,
    )


@router.post("/pages/{page_id}/comments", response={201: PageCommentOut})
def add_comment(
    request: AuthenticatedRequest, page_id: Id, payload: PageCommentIn
) -> Status[PageCommentOut]:
    """Comment on the page (whoever reads it; Markdown): its owner and watchers are notified,
    and the commenter watches it from then on."""
    page = queries.access_page_by_id(request.auth, page_id)
    comment = actions.add_comment(actor=request.auth, page=page, body=payload.body)
    moderates = queries.may_moderate(request.auth, page)
    return Status(201, _comment_out(comment, own=True, moderates=moderates))


@router.patch("/pages/{page_id}/comments/{comment_id}", response=PageCommentOut)
def edit_comment(
    request: AuthenticatedRequest, page_id: Id, comment_id: Id, payload: PageCommentIn
) -> PageCommentOut:
    """Change my comment's text (its author only: `403` for others)."""
    comment = _page_comment(request.auth, page_id, comment_id)
    edited = actions.edit_comment(actor=request.auth, comment=comment, body=payload.body)
    moderates = queries.may_moderate(request.auth, comment.page)
    return _comment_out(edited, own=True, moderates=moderates)


@router.delete("/pages/{page_id}/comments/{comment_id}", response={204: None})
def delete_comment(request: AuthenticatedRequest, page_id: Id, comment_id: Id) -> Status[None]:
    """Delete a comment: its author, or those who moderate the space (audited); `403` for
    others."""
    comment = _page_comment(request.auth, page_id, comment_id)
    actions.delete_comment(actor=request.auth, comment=comment)
    return Status(204, None)


@router.put("/pages/{page_id}/reactions", response=PageReactionsOut)
def react(request: AuthenticatedRequest, page_id: Id, payload: PageReactionIn) -> PageReactionsOut:
    """Give or change my reaction (one per person; the kinds of the posts')."""
    page = queries.access_page_by_id(request.auth, page_id)
    counts = actions.react(actor=request.auth, page=page, kind=payload.kind)
    return PageReactionsOut(counts=counts, my_reaction=payload.kind)


@router.delete("/pages/{page_id}/reactions", response=PageReactionsOut)
def unreact(request: AuthenticatedRequest, page_id: Id) -> PageReactionsOut:
    page = queries.access_page_by_id(request.auth, page_id)
    counts = actions.unreact(actor=request.auth, page=page)
    return PageReactionsOut(counts=counts, my_reaction=None)
