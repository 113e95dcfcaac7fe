"""The pages API: a space's tree, a page (read, create, edit with the revision it was based on,
move, delete), its revisions, differences and restore, its owner and review date, watching."""

from __future__ import annotations

from ninja import Query, Router
from ninja.responses import Status

from cercle.accounts.models import User
from cercle.core.schemas import Id
from cercle.core.typing import AuthenticatedRequest
from cercle.pages import actions, queries
from cercle.pages.diff import side_by_side
from cercle.pages.models import Page, PageRevision
from cercle.pages.schemas import (
    ConflictOut,
    DiffOut,
    DiffQuery,
    DiffRowOut,
    PageEditIn,
    PageIn,
    PageMoveIn,
    PageNodeOut,
    PageOut,
    PageReviewIn,
    PageRevisionListOut,
    PageRevisionOut,
    PageTreeOut,
)
from cercle.pages.text import render_page
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
    titles = queries.link_targets(page, tree)
    prefix = f"/spaces/{page.space.slug}/pages/"
    rendered = render_page(
        page.body, lambda key: f"{prefix}{titles[key]}/" if key in titles else None
    )
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
        backlinks=list(queries.backlinks(page).values_list("pk", flat=True)[:100]),
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


@router.get("/pages/{page_id}/revisions", response=PageRevisionListOut)
def revisions(request: AuthenticatedRequest, page_id: Id) -> PageRevisionListOut:
    """The page's revisions, newest first (at most 500)."""
    page = queries.access_page_by_id(request.auth, page_id)
    return PageRevisionListOut(items=[_revision_out(r) for r in queries.revisions(page)[:500]])


@router.get("/pages/{page_id}/diff", response=DiffOut)
def diff(
    request: AuthenticatedRequest,
    page_id: Id,
    between: Query[DiffQuery],
) -> DiffOut:
    """Two revisions side by side, line by line (`?from=1&to=3`)."""
    page = queries.access_page_by_id(request.auth, page_id)
    older = queries.revision(page, between.from_revision)
    newer = queries.revision(page, between.to_revision)
    return DiffOut(
        from_revision=older.number,
        to_revision=newer.number,
        rows=[DiffRowOut(**row.__dict__) for row in side_by_side(older.body, newer.body)],
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
